import type { FrameSink } from './frame.js';
import { sampleOf } from './frame.js';

const LF = 0x0a;
const CR = 0x0d;

export interface LineFramerOptions {
  maxLineBytes: number;
  stripBom?: boolean;
  /** Where the first byte pushed sits in the input, and how many lines came before it (resuming a file). */
  startOffset?: number;
  startLine?: number;
}

/**
 * Newline framing at the Buffer level. It replaces split2 on the hot path (split2 decodes every
 * chunk to a string; measured in `npm run bench`), and, unlike split2's maxLength which errors the
 * whole stream, an over-long line becomes one framing error while the rest of the input goes on.
 * Frames exactly as split2 does for every fixture (test/line-framer.test.ts), plus: a UTF-8 BOM
 * at the start is dropped and blank lines are skipped (split2 also drops the CR of CRLF).
 */
/** A filter that can judge a line alone, or mark the interesting positions of a whole chunk at once. */
export interface LineFilter {
  line(bytes: Buffer): boolean;
  marks(chunk: Buffer): number[];
}

export class LineFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private oversized = false;
  private lineNo = 0;
  private lineStart = 0;
  private consumed = 0;
  /** Lines the `accept` filter turned away, never decoded or parsed. */
  skipped = 0;
  /** Lines with nothing but whitespace. */
  blank = 0;
  /** When set, a line is only framed if it may matter (the --fast path). */
  accept: LineFilter | undefined;
  /** Lines framed whatever `accept` says: ones it cannot judge alone (the pieces of a split container line). */
  keep: ((bytes: Buffer, start: number, end: number) => boolean) | undefined;
  private marks: number[] = [];
  private markIndex = 0;

  constructor(
    private readonly sink: FrameSink,
    private readonly options: LineFramerOptions,
  ) {
    this.consumed = options.startOffset ?? 0;
    this.lineNo = options.startLine ?? 0;
  }

  /** The offset up to which every line is complete (a partial last line is still held). */
  get completeUpTo(): number {
    return this.pendingBytes > 0 || this.oversized ? this.lineStart : this.consumed;
  }

  get linesSeen(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    let start = 0;
    if (this.accept) {
      this.marks = this.accept.marks(chunk);
      this.markIndex = 0;
    }
    for (;;) {
      // A run of empty lines is counted in a tight loop: an input of nothing but newlines (a
      // gzip bomb of them) is read at the speed of the bytes.
      if (this.pendingBytes === 0 && !this.oversized) {
        let run = start;
        while (run < chunk.length && chunk[run] === LF) run++;
        if (run > start) {
          this.lineNo += run - start;
          this.blank += run - start;
          start = run;
        }
      }
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) {
        this.hold(chunk, start);
        break;
      }
      this.endLine(chunk, start, nl);
      start = nl + 1;
    }
    this.consumed += chunk.length;
  }

  /** Emit a last line that had no newline. */
  end(): void {
    if (this.pendingBytes > 0 || this.oversized) this.emit(Buffer.alloc(0), 0, 0, this.lineStart);
  }

  private hold(chunk: Buffer, start: number): void {
    if (start >= chunk.length) return;
    if (this.pendingBytes === 0 && !this.oversized) this.lineStart = this.consumed + start;
    if (this.oversized) {
      // Dropped, and counted: the error says how long the line was.
      this.pendingBytes += chunk.length - start;
      return;
    }
    const rest = chunk.subarray(start);
    this.pendingBytes += rest.length;
    if (this.pendingBytes > this.options.maxLineBytes) {
      // Keep only a sample; drop the rest until the newline so memory stays bounded.
      this.pending = [Buffer.concat([...this.pending, rest]).subarray(0, 1024)];
      this.oversized = true;
      return;
    }
    this.pending.push(Buffer.from(rest));
  }

  private endLine(chunk: Buffer, start: number, nl: number): void {
    const lineStart = this.pendingBytes > 0 || this.oversized ? this.lineStart : this.consumed + start;
    this.emit(chunk, start, nl, lineStart);
  }

  private emit(chunk: Buffer, start: number, end: number, lineStart: number): void {
    this.lineNo++;
    const line = this.lineNo;
    if (this.oversized) {
      const total = this.pendingBytes + (end - start);
      const sample = this.pending[0]?.toString('utf8') ?? '';
      this.reset();
      this.sink.error({
        line,
        offset: lineStart,
        reason: `record exceeds the maximum record size (${this.options.maxLineBytes} bytes)`,
        sample: sampleOf(sample) + ` [${total} bytes]`,
      });
      return;
    }
    let text: string;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk.subarray(start, end));
      const whole = Buffer.concat(this.pending);
      const lineBytes = whole.length;
      this.reset();
      if (lineBytes > this.options.maxLineBytes) {
        this.sink.error({
          line,
          offset: lineStart,
          reason: `record exceeds the maximum record size (${this.options.maxLineBytes} bytes)`,
          sample: sampleOf(whole.subarray(0, 1024).toString('utf8')) + ` [${lineBytes} bytes]`,
        });
        return;
      }
      if (this.accept && !this.accept.line(whole) && !this.keep?.(whole, 0, whole.length)) {
        this.skipped++;
        return;
      }
      text = trimLine(whole, 0, whole.length);
    } else {
      if (end - start > this.options.maxLineBytes) {
        this.sink.error({
          line,
          offset: lineStart,
          reason: `record exceeds the maximum record size (${this.options.maxLineBytes} bytes)`,
          sample: sampleOf(chunk.subarray(start, start + 1024).toString('utf8')) + ` [${end - start} bytes]`,
        });
        return;
      }
      if (this.accept && !this.markedWithin(start, end) && !this.keep?.(chunk, start, end)) {
        this.skipped++;
        return;
      }
      text = trimLine(chunk, start, end);
    }
    if (line === 1 && lineStart === 0 && this.options.stripBom !== false && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.length === 0) {
      this.blank++;
      return;
    }
    this.sink.frame({ text, line, offset: lineStart });
  }

  /** Whether a mark of the current chunk falls inside [start, end); lines come in order. */
  private markedWithin(start: number, end: number): boolean {
    const marks = this.marks;
    let i = this.markIndex;
    while (i < marks.length && marks[i]! < start) i++;
    this.markIndex = i;
    return i < marks.length && marks[i]! < end;
  }

  private reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.oversized = false;
  }
}

function trimLine(buf: Buffer, start: number, end: number): string {
  if (end > start && buf[end - 1] === CR) end--;
  // Whitespace-only lines are skipped; checking the bytes avoids decoding them.
  let s = start;
  while (s < end && (buf[s] === 0x20 || buf[s] === 0x09)) s++;
  if (s === end) return '';
  return buf.toString('utf8', start, end);
}
