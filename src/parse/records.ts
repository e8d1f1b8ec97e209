import type { Frame, FramingError } from './frame.js';
import { LineFramer, type LineFilter } from './line-framer.js';
import { compileMapping, detectPreset, mappingFor, type Extractor, type FieldName, type PresetName } from './mapping.js';
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
  preset: PresetName | 'auto';
  fields: Partial<Record<FieldName, string[]>>;
  maxRecordBytes: number;
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
  records: number;
  malformed: number;
  invalid: number;
  /** Lines the --fast prefilter passed over without parsing. */
  skipped: number;
}

/**
 * Turns one input's bytes into validated records: detects the framing from its first bytes,
 * frames, parses, maps fields (detecting the preset from the first object under `auto`) and
 * validates. Every line ends up a record, a malformed line or an invalid record.
 */
export class RecordReader {
  readonly counts: RecordCounts = { lines: 0, records: 0, malformed: 0, invalid: 0, skipped: 0 };
  framing: Framing | undefined;
  preset: PresetName | undefined;
  private extract: Extractor | undefined;
  private readonly lines: LineFramer;
  private structured: StructuredFramer | undefined;
  private held: Buffer[] = [];

  constructor(
    private readonly file: string,
    private readonly options: RecordReaderOptions,
    private readonly handlers: RecordHandlers,
  ) {
    if (options.preset !== 'auto') this.usePreset(options.preset);
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
    if (this.extract === undefined && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      this.usePreset(detectPreset(value as Record<string, unknown>));
    }
    const result = toRecord(value, this.extract ?? fallbackExtractor);
    const source = { file: this.file, line: frame.line, offset: frame.offset };
    if (!result.ok) {
      this.counts.invalid++;
      this.handlers.error({ ...source, kind: 'invalid', reason: result.reason, raw: text });
      return;
    }
    const rejected = this.handlers.record(result.record, text, source);
    if (rejected) {
      this.counts.invalid++;
      this.handlers.error(rejected);
      return;
    }
    this.counts.records++;
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

  private usePreset(preset: PresetName): void {
    this.preset = preset;
    this.extract = compileMapping(mappingFor(preset, this.options.fields));
  }
}

const fallbackExtractor = compileMapping(mappingFor('fraiseql', {}));

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

/** The preset of the first JSON object among the head's complete lines, if there is one. */
export function detectPresetFromHead(head: Buffer): PresetName | undefined {
  let start = 0;
  for (;;) {
    const nl = head.indexOf(0x0a, start);
    if (nl === -1) return undefined;
    const line = head.toString('utf8', start, nl).replace(/^\uFEFF/, '');
    start = nl + 1;
    try {
      const value: unknown = JSON.parse(line);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        return detectPreset(value as Record<string, unknown>);
      }
    } catch {
      // Not a record; the next line may be.
    }
  }
}
