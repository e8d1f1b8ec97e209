import type { Config } from '../config.js';
import type { Finding } from '../classify/finding.js';
import { buildPrefilter, type Prefilter } from '../classify/prefilter.js';
import { classify, rulesFrom, type Rules } from '../classify/rules.js';
import { FindingCollector } from '../correlate/collector.js';
import { BlockSplitter, type SplitItem } from '../parse/block-splitter.js';
import type { PresetName } from '../parse/mapping.js';
import {
  detectFraming,
  detectPresetFromHead,
  RecordReader,
  type Framing,
  type InputError,
  type RecordCounts,
} from '../parse/records.js';
import type { BlockResult } from '../parallel/block-scan.js';
import type { WorkerPool } from '../parallel/worker-pool.js';
import { describeError, type Input } from '../sources/inputs.js';
import { openInput } from '../sources/open.js';
import { emptyStats, type ReportedError, type ScanReport } from '../sinks/report.js';

/** Blocks of about this size go to the workers. */
const BLOCK_BYTES = 1 << 20;
/** Smaller inputs are not worth a worker round trip. */
const PARALLEL_MIN_BYTES = 4 << 20;

export interface ScannerHooks {
  /** Called for each finding as it is found (already counted). */
  finding?(finding: Finding): void;
  /** Called for each malformed line or invalid record (already counted). */
  inputError?(error: InputError): void;
  /** Awaited after each chunk: where sinks apply backpressure. */
  drain?(): Promise<void>;
  progress?(rawBytes: number): void;
}

/**
 * One batch scan: inputs in, findings through classification into correlation, and a report out.
 * State grows with findings (trace summaries, incident points), never with lines read.
 */
export class Scanner {
  readonly stats = emptyStats();
  private readonly rules: Rules;
  private readonly prefilter: Prefilter | undefined;
  readonly findings: FindingCollector;
  private readonly errors: ReportedError[] = [];
  private errorsTotal = 0;
  inputFailures = 0;

  constructor(
    private readonly config: Config,
    private readonly hooks: ScannerHooks = {},
    /** Worker threads for large NDJSON inputs; without it every input is read in-process. */
    private readonly pool?: WorkerPool,
  ) {
    this.rules = rulesFrom(config);
    this.prefilter = config.fast ? buildPrefilter(this.rules, config.fields) : undefined;
    this.findings = new FindingCollector(config.max_findings_per_trace);
  }

  async scan(input: Input): Promise<void> {
    const file = input.name === '-' ? '(stdin)' : input.name;
    const counts = { lines: 0, records: 0, malformed: 0, invalid: 0, skipped: 0 };
    let bytes = 0;
    try {
      const opened = await openInput(input, (n) => this.hooks.progress?.(n));
      const chunks = opened.chunks[Symbol.asyncIterator]();
      // Read until the framing (and, for the parallel path, the preset) can be told from the head.
      const head: Buffer[] = [];
      let framing: Framing | undefined;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        head.push(next.value);
        bytes += next.value.length;
        framing = detectFraming(Buffer.concat(head));
        if (framing !== undefined) break;
      }
      const rest = (async function* () {
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
          bytes += next.value.length;
          yield next.value;
        }
      })();
      // The preset is only needed up front by the workers; the in-process reader detects its own.
      const mayRunParallel = this.pool !== undefined && framing === 'ndjson' && (input.size ?? Infinity) >= PARALLEL_MIN_BYTES;
      const preset = !mayRunParallel
        ? undefined
        : this.config.preset === 'auto'
          ? detectPresetFromHead(Buffer.concat(head))
          : this.config.preset;
      if (preset !== undefined) await this.scanParallel(file, preset, head, rest, counts);
      else await this.scanSequential(file, framing, head, rest, counts);
    } catch (error) {
      this.inputFailed(file, describeError(error as NodeJS.ErrnoException));
    }
    await this.hooks.drain?.();
    this.stats.files++;
    this.stats.bytes += bytes;
    this.stats.lines += counts.lines;
    this.stats.records += counts.records;
    this.stats.malformed += counts.malformed;
    this.stats.invalid += counts.invalid;
    this.stats.skipped += counts.skipped;
  }

  /** The reference path: one thread frames, parses, validates and classifies every line. */
  private async scanSequential(
    file: string,
    framing: Framing | undefined,
    head: Buffer[],
    rest: AsyncIterable<Buffer>,
    counts: RecordCounts,
  ): Promise<void> {
    const reader = new RecordReader(
      file,
      {
        // Already told from the head (undefined only if the input ended before a whole line).
        framing,
        preset: this.config.preset,
        fields: this.config.fields,
        maxRecordBytes: this.config.max_record_bytes,
        prefilter: this.prefilter,
      },
      {
        record: (record, text, source) => {
          for (const finding of classify(record, text, source, this.rules)) this.addFinding(finding);
        },
        error: (error) => this.addError(error),
      },
    );
    try {
      for (const chunk of head) reader.push(chunk);
      await this.hooks.drain?.();
      for await (const chunk of rest) {
        reader.push(chunk);
        await this.hooks.drain?.();
      }
    } finally {
      // What was read before a failure (a truncated gzip, say) still counts.
      reader.end();
      Object.assign(counts, reader.counts);
    }
  }

  /**
   * NDJSON on worker threads: whole-line blocks are parsed and classified in parallel and merged
   * back strictly in order, so findings, line numbers and errors equal the sequential path's.
   */
  private async scanParallel(
    file: string,
    preset: PresetName,
    head: Buffer[],
    rest: AsyncIterable<Buffer>,
    counts: RecordCounts,
  ): Promise<void> {
    const pool = this.pool!;
    pool.configure({
      preset,
      fields: this.config.fields,
      maxRecordBytes: this.config.max_record_bytes,
      rules: this.rules,
      fast: this.config.fast,
    });
    const splitter = new BlockSplitter(BLOCK_BYTES, this.config.max_record_bytes);
    const inFlight: { item: SplitItem; result?: Promise<BlockResult> }[] = [];
    const maxInFlight = pool.size * 2 + 1;
    const merge = async () => {
      const { item, result } = inFlight.shift()!;
      if (item.kind === 'oversized') {
        counts.lines++;
        counts.malformed++;
        this.addError({
          file,
          line: counts.lines,
          offset: item.offset,
          kind: 'malformed',
          reason: `record exceeds the maximum record size (${this.config.max_record_bytes} bytes)`,
          raw: `${item.sample} [${item.bytes} bytes]`,
        });
      } else {
        const block = await result!;
        const lineBase = counts.lines;
        for (const error of block.errors) this.addError({ ...error, file, line: error.line + lineBase, offset: error.offset + item.offset });
        for (const finding of block.findings) {
          const source = { file, line: finding.source.line + lineBase, offset: finding.source.offset + item.offset };
          this.addFinding({ ...finding, source });
        }
        counts.lines += block.counts.lines;
        counts.records += block.counts.records;
        counts.malformed += block.counts.malformed;
        counts.invalid += block.counts.invalid;
        counts.skipped += block.counts.skipped;
      }
      await this.hooks.drain?.();
    };
    const dispatch = async (items: Iterable<SplitItem>) => {
      for (const item of items) {
        inFlight.push({ item, result: item.kind === 'block' ? pool.run(item.bytes, item.first) : undefined });
        while (inFlight.length >= maxInFlight) await merge();
      }
    };
    try {
      for (const chunk of head) await dispatch(splitter.push(chunk));
      for await (const chunk of rest) await dispatch(splitter.push(chunk));
    } finally {
      await dispatch(splitter.end());
      while (inFlight.length > 0) await merge();
    }
  }

  /** An input that could not be read (missing, unreadable, corrupt gzip): reported, exit 1 later. */
  inputFailed(file: string, reason: string): void {
    this.inputFailures++;
    this.errorsTotal++;
    // Always reported, whatever the sample size: a whole input is missing from the result.
    this.errors.push({ file, line: 0, kind: 'input', reason });
  }

  report(): ScanReport {
    return {
      stats: { ...this.stats, findings: { ...this.findings.counts } },
      ...this.findings.result(this.config.incident_gap),
      errors: this.errors,
      errors_total: this.errorsTotal,
    };
  }

  private addFinding(finding: Finding): void {
    this.findings.add(finding);
    this.hooks.finding?.(finding);
  }

  private addError(error: InputError): void {
    this.errorsTotal++;
    this.sampleError({ file: error.file, line: error.line, kind: error.kind, reason: error.reason });
    this.hooks.inputError?.(error);
  }

  private sampleError(error: ReportedError): void {
    if (this.errors.length < this.config.error_sample) this.errors.push(error);
  }
}
