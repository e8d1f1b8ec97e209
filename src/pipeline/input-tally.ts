import type { Config } from '../config.js';
import type { ScanStats } from '../correlate/report.js';
import { FIELD_NAMES } from '../parse/mapping.js';
import { emptyCounts, emptyCoverage, type Coverage, type InputError, type RecordCounts } from '../parse/records.js';
import { describeShape } from '../parse/shape.js';

const KEYS_SHOWN = 15;

/** What one input gave: its counts and coverage, what it looks like, and what to tell a person about it. */
export class InputTally {
  readonly counts: RecordCounts = emptyCounts();
  readonly coverage: Coverage = emptyCoverage();
  naiveTimes = 0;
  readonly keys = new Set<string>();
  private firstInvalid: InputError | undefined;
  private firstValue: unknown;

  add(part: { counts: RecordCounts; coverage: Coverage; naiveTimes: number; keysSeen: Iterable<string>; firstValue: unknown }): void {
    this.firstValue ??= part.firstValue;
    for (const key of Object.keys(this.counts) as (keyof RecordCounts)[]) this.counts[key] += part.counts[key];
    for (const key of Object.keys(this.coverage) as (keyof Coverage)[]) this.coverage[key] += part.coverage[key];
    this.naiveTimes += part.naiveTimes;
    for (const key of part.keysSeen) this.keys.add(key);
  }

  error(error: InputError): void {
    if (error.kind === 'invalid') this.firstInvalid ??= error;
  }

  addTo(stats: ScanStats): void {
    stats.lines += this.counts.lines;
    stats.records += this.counts.records;
    stats.malformed += this.counts.malformed;
    stats.invalid += this.counts.invalid;
    stats.skipped += this.counts.skipped;
    stats.untimed += this.counts.untimed;
    stats.blank += this.counts.blank;
    stats.continued += this.counts.continued;
    stats.batched += this.counts.batched;
    stats.text += this.counts.text;
    for (const key of Object.keys(this.coverage) as (keyof Coverage)[]) stats.coverage[key] += this.coverage[key];
  }

  /**
   * Never silent: an input whose records carry nothing memtrail reads says so (and what they do
   * carry); times read without a zone say in which; a preset that made every record invalid says
   * what the records look like.
   */
  notices(file: string, config: Config): string[] {
    const out: string[] = [];
    const { records, invalid } = this.counts;
    if (this.naiveTimes > 0) {
      out.push(`${file}: ${this.naiveTimes} record time${this.naiveTimes === 1 ? ' has' : 's have'} no zone; read as ${config.timezone} (--timezone to change)`);
    }
    if (this.counts.untimed > 0) {
      const n = this.counts.untimed;
      out.push(`${file}: ${n} record${n === 1 ? ' has' : 's have'} no time; ${n === 1 ? 'its findings are' : 'their findings are'} placed by position and left out of incidents`);
    }
    const readable = this.coverage.usage + this.coverage.memory_bytes + this.coverage.payload + this.coverage.rule_event;
    if (records > 0 && readable === 0) {
      const keys = [...this.keys].slice(0, KEYS_SHOWN).join(', ');
      out.push(
        `${file}: none of its ${records} record${records === 1 ? '' : 's'} carries a field memtrail reads (memory usage or bytes, a payload size, a memory event)` +
          `${keys ? `; their keys: ${keys}` : ''}. Map yours with --field NAME=PATH (NAME: ${FIELD_NAMES.join(', ')}); memtrail inspect ${file} shows what is read`,
      );
    }
    // A preset pins one shape: when it reads nothing (every record invalid, no time, no field), say what auto would read.
    const presetMissed = records === 0 ? invalid > 0 : this.counts.untimed === records || readable === 0;
    if (config.preset !== 'auto' && presetMissed && this.firstValue !== undefined) {
      const why = records === 0 ? `every record was invalid (first: ${this.firstInvalid?.reason})` : this.counts.untimed === records ? 'no record had a time it reads' : 'it read no memory or payload field';
      out.push(`${file}: with --preset ${config.preset} ${why}; these records look like ${describeShape(this.firstValue)}, which --preset auto (the default) reads`);
    }
    return out;
  }
}
