import type { Frame, FramingError } from './frame.js';
import { LineFramer, type LineFilter } from './line-framer.js';
import { compileMapping, mappingFor, type Extractor, type FieldName, type PresetName } from './mapping.js';
import { isOtlpDocument, otlpRecords } from './otlp.js';
import { toRecord, type LogRecord } from './record.js';
import type { Source } from './source.js';
import { StructuredFramer } from './structured-framer.js';

export type Framing = 'ndjson' | 'structured';

export interface InputError {
  file: string;
  line: number;
  offset: number;
  kind: 'malformed' | 'invalid';
  reason: string;
  /** The offending text (a sample for oversized input). */
  raw: string;
}

export interface RecordHandlers {
  /** A valid record; returning an error rejects it after all (it is then counted and reported as invalid). */
  record(record: LogRecord, text: string, source: Source): InputError | undefined;
  error(error: InputError): void;
}

export interface RecordReaderOptions {
  /** The field mapping: `auto` (every shape memtrail knows) or a preset; `fields` override it. */
  preset: PresetName | 'auto';
  fields: Partial<Record<FieldName, string[]>>;
  maxRecordBytes: number;
  /** The zone times without one are read in (an IANA name). Default UTC. */
  timezone?: string;
  /** Event names the rules act on: coverage counts the records carrying one. */
  ruleEvents?: ReadonlySet<string>;
  /** Live runs: a record without a time takes the time it was read, and says so. */
  readTime?: () => number;
  /** Sees each record as parsed (an OTLP log record flattened), before mapping: `memtrail inspect`. */
  observe?(value: unknown, source: Source): void;
  /** Skip detection (a worker's block is known to be NDJSON). */
  framing?: Framing;
  /** Drop a leading UTF-8 BOM (only at the start of an input). Default true. */
  stripBom?: boolean;
  /** The --fast path: NDJSON lines this rejects are counted as skipped, not parsed. */
  prefilter?: LineFilter;
  /** Resuming a file: the offset of the first byte pushed and the lines before it. */
  startOffset?: number;
  startLine?: number;
}

export interface RecordCounts {
  lines: number;
  /** Log records (an OTLP line holds several). */
  records: number;
  malformed: number;
  invalid: number;
  /** Lines the --fast prefilter passed over without parsing. */
  skipped: number;
  /** Records without a time (classified all the same; left out of incidents and durations). */
  untimed: number;
}

/** How many records carried what memtrail reads: tells "nothing found" from "nothing read". */
export interface Coverage {
  time: number;
  usage: number;
  memory_bytes: number;
  payload: number;
  rule_event: number;
  trace_id: number;
}

export function emptyCounts(): RecordCounts {
  return { lines: 0, records: 0, malformed: 0, invalid: 0, skipped: 0, untimed: 0 };
}

export function emptyCoverage(): Coverage {
  return { time: 0, usage: 0, memory_bytes: 0, payload: 0, rule_event: 0, trace_id: 0 };
}

/** Keys kept from an input's first records, to say what an input that gave nothing readable does carry. */
const KEY_SAMPLE_RECORDS = 20;
const KEY_SAMPLE_MAX = 40;

/**
 * Turns one input's bytes into validated records: detects the framing from its first bytes,
 * frames, parses, expands OTLP/JSON documents into their log records, maps fields (every record
 * on its own, so a record of another shape later in the input is still read right) and
 * validates. Every line ends up records, a malformed line or invalid records.
 */
export class RecordReader {
  readonly counts: RecordCounts = emptyCounts();
  readonly coverage: Coverage = emptyCoverage();
  /** Records whose time had no zone (read in the configured one). */
  naiveTimes = 0;
  /** Top-level keys of the first records, for "no field memtrail reads" notices. */
  readonly keysSeen = new Set<string>();
  /** The input's first JSON value, as parsed (to say what shape the input has). */
  firstValue: unknown;
  framing: Framing | undefined;
  private readonly extract: Extractor;
  private readonly lines: LineFramer;
  private structured: StructuredFramer | undefined;
  private held: Buffer[] = [];
  /** The last time seen in this input: where a record without one sorts. */
  private lastTime = -Infinity;

  constructor(
    private readonly file: string,
    private readonly options: RecordReaderOptions,
    private readonly handlers: RecordHandlers,
  ) {
    this.extract = extractorFor(options.preset, options.fields);
    this.lines = new LineFramer(
      {
        frame: (frame) => (this.structured ? this.structured.frame(frame) : this.onLine(frame)),
        error: (error) => this.onFramingError(error),
      },
      {
        maxLineBytes: options.maxRecordBytes,
        stripBom: options.stripBom ?? true,
        startOffset: options.startOffset,
        startLine: options.startLine,
      },
    );
    if (options.framing) this.decide(options.framing);
  }

  push(chunk: Buffer): void {
    if (this.framing === undefined) {
      this.held.push(chunk);
      const framing = detectFraming(Buffer.concat(this.held));
      if (framing === undefined) return;
      this.decide(framing);
      const held = this.held;
      this.held = [];
      for (const c of held) this.lines.push(c);
      return;
    }
    this.lines.push(chunk);
  }

  end(): void {
    if (this.framing === undefined) {
      this.decide('ndjson');
      for (const c of this.held) this.lines.push(c);
      this.held = [];
    }
    this.lines.end();
    this.structured?.end();
    this.counts.lines = this.lines.linesSeen;
    this.counts.skipped = this.lines.skipped;
  }

  /** Lines framed so far (kept current for progress and live status). */
  get linesSeen(): number {
    return this.lines.linesSeen;
  }

  /** Every line before this offset has been framed and handled. */
  get completeUpTo(): number {
    return this.lines.completeUpTo;
  }

  private decide(framing: Framing): void {
    this.framing = framing;
    if (framing === 'ndjson') this.lines.accept = this.options.prefilter;
    if (framing === 'structured') {
      this.structured = new StructuredFramer(
        {
          frame: () => undefined,
          value: (value, frame) => this.onValue(value, stringify(value), frame),
          error: (error) => this.onFramingError(error),
        },
        { maxRecordBytes: this.options.maxRecordBytes },
      );
    }
  }

  private onLine(frame: Frame): void {
    let value: unknown;
    try {
      value = JSON.parse(frame.text);
    } catch (error) {
      this.counts.malformed++;
      this.handlers.error({
        file: this.file,
        line: frame.line,
        offset: frame.offset,
        kind: 'malformed',
        reason: `invalid JSON: ${(error as Error).message}`,
        raw: frame.text,
      });
      return;
    }
    this.onValue(value, frame.text, frame);
  }

  private onValue(value: unknown, text: string, frame: Frame): void {
    if (this.firstValue === undefined) this.firstValue = value;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && isOtlpDocument(value as Record<string, unknown>)) {
      let index = 0;
      for (const record of otlpRecords(value as Record<string, unknown>)) {
        // Each log record has its own identity: the line's text and its place in it.
        this.onRecord(record, `${text}\u0000${index}`, { file: this.file, line: frame.line, offset: frame.offset, record: index });
        index++;
      }
      return;
    }
    this.onRecord(value, text, { file: this.file, line: frame.line, offset: frame.offset });
  }

  private onRecord(value: unknown, text: string, source: Source): void {
    this.options.observe?.(value, source);
    const result = toRecord(value, this.extract, this.options.timezone);
    if (!result.ok) {
      this.counts.invalid++;
      this.handlers.error({ file: source.file, line: source.line, offset: source.offset, kind: 'invalid', reason: result.reason, raw: text });
      return;
    }
    const record = result.record;
    if (this.counts.records < KEY_SAMPLE_RECORDS) this.sampleKeys(value as Record<string, unknown>);
    if (record.timestamp === null) {
      const read = this.options.readTime?.();
      if (read !== undefined) {
        record.timestamp = read;
        record.timestamp_source = 'read';
      } else {
        record.order = this.lastTime;
      }
      this.counts.untimed++;
    } else {
      this.lastTime = record.timestamp;
      this.coverage.time++;
      if (result.naive) this.naiveTimes++;
    }
    const rejected = this.handlers.record(record, text, source);
    if (rejected) {
      this.counts.invalid++;
      this.handlers.error(rejected);
      return;
    }
    this.counts.records++;
    this.cover(record);
  }

  private cover(record: LogRecord): void {
    const c = this.coverage;
    if (record.usage_percent !== undefined || (record.used_bytes !== undefined && record.limit_bytes !== undefined)) c.usage++;
    if (record.used_bytes !== undefined || record.swap_bytes !== undefined) c.memory_bytes++;
    if (record.request_bytes !== undefined || record.response_bytes !== undefined) c.payload++;
    if (record.event !== undefined && this.options.ruleEvents?.has(record.event)) c.rule_event++;
    if (record.trace_id !== undefined) c.trace_id++;
  }

  private sampleKeys(value: Record<string, unknown>): void {
    for (const key of Object.keys(value)) {
      if (this.keysSeen.size >= KEY_SAMPLE_MAX) return;
      this.keysSeen.add(key);
    }
  }

  private onFramingError(error: FramingError): void {
    this.counts.malformed++;
    this.handlers.error({
      file: this.file,
      line: error.line,
      offset: error.offset,
      kind: 'malformed',
      reason: error.reason,
      raw: error.sample,
    });
  }
}

/** One compiled extractor per distinct mapping: every reader of a run (and a worker's every block) shares it. */
const extractors = new Map<string, Extractor>();

function extractorFor(preset: PresetName | 'auto', fields: Partial<Record<FieldName, string[]>>): Extractor {
  const key = JSON.stringify([preset, fields]);
  let extractor = extractors.get(key);
  if (extractor === undefined) {
    extractor = compileMapping(mappingFor(preset, fields));
    extractors.set(key, extractor);
  }
  return extractor;
}

function stringify(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * NDJSON when the first line is a whole JSON value (or not JSON at all: then each line is
 * reported); structured (stream-json) for a top-level array or an object spread over lines.
 * Undefined until the first line is complete.
 */
export function detectFraming(head: Buffer): Framing | undefined {
  let i = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && WHITESPACE.has(head[i]!)) i++;
  if (i === head.length) return undefined;
  if (head[i] === 0x5b /* [ */) return 'structured';
  if (head[i] !== 0x7b /* { */) return 'ndjson';
  const nl = head.indexOf(0x0a, i);
  if (nl === -1) return head.length > 64 * 1024 ? 'ndjson' : undefined;
  const firstLine = head.toString('utf8', i, nl).trimEnd();
  try {
    JSON.parse(firstLine);
    return 'ndjson';
  } catch {
    // A one-line object that is merely broken still reads best line by line.
    return firstLine.endsWith('}') ? 'ndjson' : 'structured';
  }
}
