import type { Frame, FramingError } from './frame.js';
import { FramingDetector, type Framing } from './framing.js';
import { LineFramer, type LineFilter } from './line-framer.js';
import { compileMapping, mappingFor, type Extractor, type FieldName, type PresetName } from './mapping.js';
import { splitConcatenated } from './concatenated.js';
import { sampleOf } from './frame.js';
import { mentionsOomKill } from './oom.js';
import { containerPiece, pathMeta, unwrapJson, unwrapText, type Envelope, type PathMeta, type Unwrapped } from './wrappers.js';
import { isOtlpDocument, OtlpRecord, otlpRecords } from './otlp.js';
import { PieceFramer } from './piece-framer.js';
import { toRecord, type LogRecord, type RecordResult } from './record.js';
import type { Source } from './source.js';
import { StructuredFramer } from './structured-framer.js';

export type { Framing } from './framing.js';

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
  /** Records nested deeper than this are malformed (default DEFAULT_MAX_DEPTH). */
  maxDepth?: number;
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
  /**
   * A block of a larger input: partial lines the input's earlier lines left open (their frames
   * placed relative to this block), and whether the ones this block leaves open are kept for the
   * next block (openPartials) instead of being reported as the input's end.
   */
  carriedPartials?: readonly OpenPartial[];
  keepOpenPartials?: boolean;
}

/** A container line split over partial lines (CRI `P`, Docker's 16 KiB pieces), still waiting for its last piece. */
export interface OpenPartial {
  /** The envelope kind and stream it is joined per (stdout and stderr interleave). */
  stream: string;
  pieces: string[];
  chars: number;
  /** Where its first piece is. */
  frame: Frame;
  envelope: Envelope;
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
  /** Lines with nothing but whitespace. */
  blank: number;
  /** Lines inside a record or an error that started on an earlier line (pretty-printed input). */
  continued: number;
  /** Entries (records, invalid records, malformed input) that share the line of the one before (OTLP batches, `{…}{…}`). */
  batched: number;
  /** Plain-text lines inside a container or journald envelope (and OOM-kill lines): read as text, not malformed. */
  text: number;
}

/** A partial line the input ended inside: malformed, reported at its first piece. */
export function unfinishedPartial(file: string, open: OpenPartial): InputError {
  return {
    file,
    line: open.frame.line,
    offset: open.frame.offset,
    kind: 'malformed',
    reason: 'input ended inside a record split over partial lines',
    raw: sampleOf(open.pieces.join('')),
  };
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
  return { lines: 0, records: 0, malformed: 0, invalid: 0, skipped: 0, untimed: 0, blank: 0, continued: 0, batched: 0, text: 0 };
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
  /** Whether any line was inside a container or journald envelope (only those can continue an open partial line). */
  sawEnvelope = false;
  /** With keepOpenPartials: the partial lines left open at the end, for the next block. */
  openPartials: OpenPartial[] = [];
  private readonly extract: Extractor;
  /** Lines (NDJSON) or pieces of lines (structured), once the framing is known. */
  private framer: LineFramer | PieceFramer | undefined;
  private structured: StructuredFramer | undefined;
  /** What the file's path says about its container (Kubernetes and Docker layouts). */
  private readonly pathMeta: PathMeta | undefined;
  /** Where this reader started counting lines (a tail resuming a file). */
  private readonly firstLine: number;
  /** Lines on which at least one entry (record, invalid record, malformed input) starts. */
  private entryLines = 0;
  // No line yet (a block read with partial lines carried in places their first pieces before it, at 0 or below).
  private lastEntryLine = Number.NEGATIVE_INFINITY;
  /** Chunks held until the framing is known (bounded: FramingDetector decides within 64 KiB of the first non-space byte). */
  private held: Buffer[] = [];
  private readonly detector = new FramingDetector();

  constructor(
    private readonly file: string,
    private readonly options: RecordReaderOptions,
    private readonly handlers: RecordHandlers,
  ) {
    this.extract = extractorFor(options.preset, options.fields);
    this.pathMeta = pathMeta(file);
    this.firstLine = options.startLine ?? 0;
    for (const open of options.carriedPartials ?? []) this.partials.set(open.stream, { ...open, pieces: [...open.pieces] });
    if (options.framing) this.decide(options.framing);
  }

  push(chunk: Buffer): void {
    if (this.framer === undefined) {
      this.held.push(chunk);
      const framing = this.detector.push(chunk);
      if (framing === undefined) return;
      const framer = this.decide(framing);
      const held = this.held;
      this.held = [];
      for (const c of held) framer.push(c);
      return;
    }
    this.framer.push(chunk);
  }

  end(): void {
    let framer = this.framer;
    if (framer === undefined) {
      framer = this.decide(this.detector.end());
      for (const c of this.held) framer.push(c);
      this.held = [];
    }
    framer.end();
    this.structured?.end();
    const c = this.counts;
    c.lines = framer.linesSeen - this.firstLine;
    c.blank = framer.blank;
    c.skipped = framer instanceof LineFramer ? framer.skipped : 0;
    if (this.options.keepOpenPartials) {
      this.openPartials = [...this.partials.values()];
      this.partials.clear();
    }
    // Partial lines still waiting for their end: the input ended inside a record.
    for (const [, joined] of this.partials) {
      this.noteEntry(joined.frame.line);
      c.malformed++;
      this.handlers.error(unfinishedPartial(this.file, joined));
    }
    this.partials.clear();
    c.batched = c.records + c.invalid + c.malformed + c.text - this.entryLines;
    c.continued = c.lines - c.blank - c.skipped - this.entryLines;
  }

  /** Lines framed so far (kept current for progress and live status). */
  get linesSeen(): number {
    return this.framer?.linesSeen ?? this.firstLine;
  }

  /** Every line before this offset has been framed and handled (NDJSON; a live tail). */
  get completeUpTo(): number {
    return this.framer instanceof LineFramer ? this.framer.completeUpTo : (this.options.startOffset ?? 0);
  }

  private decide(framing: Framing): LineFramer | PieceFramer {
    this.framing = framing;
    const position = { startOffset: this.options.startOffset, startLine: this.options.startLine, stripBom: this.options.stripBom ?? true };
    if (framing === 'ndjson') {
      const lines = new LineFramer({ frame: (frame) => this.onLine(frame), error: (error) => this.onFramingError(error) }, {
        maxLineBytes: this.options.maxRecordBytes,
        ...position,
      });
      lines.accept = this.options.prefilter;
      // A piece of a split container line holds only part of what the prefilter looks for: every
      // piece is parsed, and every container line while one is open (its last piece may name
      // nothing). Other lines never continue a container line, so they are judged as ever.
      if (this.options.prefilter) {
        lines.keep = (bytes, start, end) => {
          const piece = containerPiece(bytes, start, end);
          if (piece === undefined) return false;
          this.sawEnvelope = true;
          return piece === 'partial' || this.partials.size > 0;
        };
      }
      return (this.framer = lines);
    }
    const structured = new StructuredFramer(
      {
        frame: () => undefined,
        value: (value, frame) => this.onValue(value, stringify(value), frame),
        error: (error) => this.onFramingError(error),
      },
      { maxRecordBytes: this.options.maxRecordBytes, maxDepth: this.options.maxDepth ?? DEFAULT_MAX_DEPTH },
    );
    this.structured = structured;
    return (this.framer = new PieceFramer((frame) => structured.frame(frame), position));
  }

  /** Entries come in line order: one that starts on the line of the one before is batched with it. */
  private noteEntry(line: number): number {
    if (line === this.lastEntryLine) return ++this.entryIndex;
    this.lastEntryLine = line;
    this.entryLines++;
    return (this.entryIndex = 0);
  }

  private entryIndex = 0;

  private onLine(frame: Frame): void {
    let value: unknown;
    try {
      value = JSON.parse(frame.text);
    } catch (error) {
      // A CRI or `kubectl logs --timestamps` line: the application's line is inside.
      const text = unwrapText(frame.text);
      if (text) {
        this.onWrapped(text, frame);
        return;
      }
      // A runtime's or the kernel's OOM-kill line, written as plain text.
      if (mentionsOomKill(frame.text)) {
        this.onText(frame.text, frame.text, frame, undefined);
        return;
      }
      // Several objects on one line (two writers without a lock): each is a record.
      const pieces = frame.text.charCodeAt(0) === 0x7b || frame.text.charCodeAt(0) === 0x5b ? splitConcatenated(frame.text) : undefined;
      const values = pieces && parseAll(pieces);
      if (pieces && values) {
        values.forEach((v, i) => this.onValue(v, pieces[i]!, frame));
        return;
      }
      this.noteEntry(frame.line);
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
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      // A Docker json-file or journald entry: the application's line is inside.
      const wrapped = unwrapJson(value as Record<string, unknown>);
      if (wrapped) {
        this.onWrapped(wrapped, frame);
        return;
      }
    }
    this.onValue(value, frame.text, frame);
  }

  /**
   * The application's line inside an envelope: partial pieces (CRI `P`, Docker entries split at
   * 16 KiB) are joined per stream, within the record size limit; the whole line is then read as
   * JSON or, when it is not JSON, as text (counted as text, never as malformed).
   */
  private onWrapped({ inner, envelope }: Unwrapped, frame: Frame): void {
    this.sawEnvelope = true;
    const stream = `${envelope.kind}:${envelope.stream ?? ''}`;
    const pending = this.partials.get(stream);
    if (envelope.partial || pending) {
      const joined = pending ?? { stream, pieces: [], chars: 0, frame, envelope };
      joined.pieces.push(inner);
      joined.chars += inner.length;
      if (joined.chars > this.options.maxRecordBytes) {
        this.partials.delete(stream);
        this.noteEntry(joined.frame.line);
        this.counts.malformed++;
        this.handlers.error({
          file: this.file,
          line: joined.frame.line,
          offset: joined.frame.offset,
          kind: 'malformed',
          reason: `record exceeds the maximum record size (${this.options.maxRecordBytes} bytes) (joined from partial lines)`,
          raw: sampleOf(joined.pieces[0] ?? ''),
        });
        return;
      }
      if (envelope.partial) {
        this.partials.set(stream, joined);
        return;
      }
      this.partials.delete(stream);
      this.onInner(joined.pieces.join(''), joined.frame, joined.envelope);
      return;
    }
    this.onInner(inner, frame, envelope);
  }

  /** Partial lines being joined, per envelope and stream (stdout and stderr interleave). */
  private readonly partials = new Map<string, OpenPartial>();

  private onInner(inner: string, frame: Frame, envelope: Envelope): void {
    const first = inner.trimStart().charCodeAt(0);
    if (first === 0x7b || first === 0x5b) {
      try {
        this.onValue(JSON.parse(inner) as unknown, inner, frame, envelope);
        return;
      } catch {
        // Not JSON after all: a text line of the same container.
      }
    }
    this.onText(inner, inner, frame, envelope);
  }

  /**
   * A plain-text line (inside an envelope, or an OOM-kill line on its own): counted as text, and
   * given to the detectors as a record whose message is the text (an OOM kill is a finding).
   */
  private onText(text: string, id: string, frame: Frame, envelope: Envelope | undefined): void {
    this.noteEntry(frame.line);
    this.counts.text++;
    const record: LogRecord = { timestamp: envelope?.time ?? null, message: text, text: true };
    if (record.timestamp !== null) record.timestamp_source = 'record';
    else {
      const read = this.options.readTime?.();
      if (read !== undefined) {
        record.timestamp = read;
        record.timestamp_source = 'read';
      }
    }
    this.annotate(record, envelope);
    const rejected = this.handlers.record(record, id, { file: this.file, line: frame.line, offset: frame.offset });
    if (rejected) {
      this.counts.text--;
      this.counts.invalid++;
      this.handlers.error(rejected);
    }
  }

  /** What the envelope and the file's path say: the fallback time, host, unit, process id, stream, container. */
  private annotate(record: LogRecord, envelope: Envelope | undefined): void {
    if (envelope) {
      if (record.timestamp === null && envelope.time !== undefined) {
        record.timestamp = envelope.time;
        record.timestamp_source = 'record';
      }
      record.host ??= envelope.host;
      record.pid ??= envelope.pid;
      if (envelope.stream) record.stream = envelope.stream;
      if (envelope.unit) {
        record.unit = envelope.unit;
        record.service ??= envelope.unit.replace(/\.service$/, '');
      }
    }
    const meta = this.pathMeta;
    if (meta) {
      if (meta.container) record.container = meta.container;
      if (meta.containerId) record.container_id = meta.containerId;
      if (meta.pod) record.pod = meta.pod;
      if (meta.namespace) record.namespace = meta.namespace;
      record.service ??= meta.container;
    }
  }

  private onValue(value: unknown, text: string, frame: Frame, envelope?: Envelope): void {
    if (this.firstValue === undefined) this.firstValue = value;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && isOtlpDocument(value as Record<string, unknown>)) {
      for (const record of otlpRecords(value as Record<string, unknown>, this.options.maxDepth ?? DEFAULT_MAX_DEPTH)) {
        this.onRecord(record, text, frame, envelope);
      }
      return;
    }
    this.onRecord(value, text, frame, envelope);
  }

  private onRecord(value: unknown, lineText: string, frame: Frame, envelope?: Envelope): void {
    const index = this.noteEntry(frame.line);
    // A record sharing its line with others (an OTLP batch, objects written back to back) is
    // told apart by its place in the line: its id and its source say which it is.
    const text = index === 0 ? lineText : `${lineText}\u0000${index}`;
    const source: Source = { file: this.file, line: frame.line, offset: frame.offset };
    if (index > 0 || value instanceof OtlpRecord) source.record = index;
    let result: RecordResult;
    if (value instanceof OtlpRecord) {
      const entry = value;
      value = entry.record;
      this.options.observe?.(value, source);
      result = entry.invalid !== undefined ? { ok: false, reason: entry.invalid } : toRecord(value, this.extract, this.options.timezone);
    } else {
      this.options.observe?.(value, source);
      result = toRecord(value, this.extract, this.options.timezone);
    }
    if (!result.ok) {
      this.counts.invalid++;
      this.handlers.error({ file: source.file, line: source.line, offset: source.offset, kind: 'invalid', reason: result.reason, raw: text });
      return;
    }
    const record = result.record;
    if (this.counts.records < KEY_SAMPLE_RECORDS) this.sampleKeys(value as Record<string, unknown>);
    if (envelope || this.pathMeta) this.annotate(record, envelope);
    if (record.timestamp === null) {
      const read = this.options.readTime?.();
      if (read !== undefined) {
        record.timestamp = read;
        record.timestamp_source = 'read';
      }
      this.counts.untimed++;
    } else {
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
    this.noteEntry(error.line);
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

/** Records nested deeper than this are malformed where reading them recurses (structured input, OTLP values). */
export const DEFAULT_MAX_DEPTH = 100;

function parseAll(pieces: string[]): unknown[] | undefined {
  try {
    return pieces.map((piece) => JSON.parse(piece) as unknown);
  } catch {
    return undefined;
  }
}

function stringify(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
