import Assembler from 'stream-json/Assembler.js';
import Parser from 'stream-json/Parser.js';
import type { Transform, TransformCallback } from 'node:stream';
import type { Frame, FrameSink } from './frame.js';
import { sampleOf } from './frame.js';

/**
 * stream-json's parser, reporting a syntax error to its owner instead of destroying the stream:
 * after bad input we want a fresh parser at the next record, not a dead pipeline.
 */
class RecoveringParser extends (Parser as unknown as typeof Transform) {
  failure: Error | null = null;

  constructor(options: object) {
    super(options);
    // Failures are read synchronously from `failure`; nothing is left to surface as an event.
    this.on('error', () => undefined);
  }

  // stream-json routes every write and the final flush through _processBuffer(callback).
  _processBuffer(callback: TransformCallback): void {
    (Parser.prototype as unknown as { _processBuffer(cb: TransformCallback): void })._processBuffer.call(
      this,
      (error?: Error | null) => {
        if (error) this.failure = error;
        callback();
      },
    );
  }
}

interface Token {
  name: string;
  value?: unknown;
}

export interface StructuredFramerOptions {
  maxRecordBytes: number;
  /** Records nested deeper than this are malformed (building and hashing them recurses). */
  maxDepth: number;
}

/**
 * Where the text stands structurally, character by character, alongside the parser: how deep,
 * whether inside a string, how long the current record is. It sees a record go past the depth or
 * size limit before the parser builds it, and where that record ends, so the record can be
 * skipped whole (one malformed record) and reading resumes right after it.
 */
class StructureScanner {
  depth = 0;
  inString = false;
  escaped = false;
  /** The input is one top-level array: its elements are the records, at depth 1. */
  topArray = false;
  /** Characters of the record being read (0 between records). */
  recordChars = 0;

  get recordDepth(): number {
    return this.topArray ? 1 : 0;
  }

  reset(insideArray: boolean): void {
    this.depth = insideArray ? 1 : 0;
    this.topArray = insideArray;
    this.inString = false;
    this.escaped = false;
    this.recordChars = 0;
  }

  /**
   * Scans `text` from `from`; returns the index of the first character that takes a record past
   * a limit (with which limit), or -1 when the text is within them.
   */
  scan(text: string, from: number, maxDepth: number, maxChars: number): { at: number; reason: 'depth' | 'size' } | undefined {
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const inRecord = this.depth > this.recordDepth;
      if (inRecord && ++this.recordChars > maxChars) return { at: i, reason: 'size' };
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) {
        this.inString = true;
      } else if (c === 0x7b || c === 0x5b) {
        if (this.depth === 0 && c === 0x5b) this.topArray = true;
        else if (this.depth - this.recordDepth >= maxDepth) return { at: i, reason: 'depth' };
        if (this.depth === this.recordDepth) this.recordChars = 1;
        this.depth++;
      } else if (c === 0x7d || c === 0x5d) {
        if (this.depth > 0) this.depth--;
        if (this.depth === 0) this.topArray = false;
        if (this.depth === this.recordDepth) this.recordChars = 0;
      }
    }
    return undefined;
  }

  /** Skipping a record past a limit: the index just after the character that closes it, or -1. */
  skipToRecordEnd(text: string, from: number): number {
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if ((c === 0x7d || c === 0x5d) && --this.depth === this.recordDepth) {
        this.recordChars = 0;
        return i + 1;
      }
    }
    return -1;
  }
}

/**
 * Frames concatenated or pretty-printed JSON objects and top-level arrays with stream-json.
 * It is fed lines, whole or in pieces (from PieceFramer), so each record knows the line it starts
 * on: stream-json emits tokens synchronously while a piece is written. A record is a top-level
 * value or, inside a top-level array, each element; the array itself is never held.
 *
 * A record over the size limit or nested deeper than the depth limit is one malformed record,
 * skipped to its end without being built; reading resumes right after it. After a syntax error,
 * reading resumes at the next line that can start a record.
 */
export class StructuredFramer {
  private parser!: RecoveringParser;
  private assembler!: Assembler;
  private readonly scanner = new StructureScanner();
  private inArray = false;
  private recordLine = 0;
  private recordOffset = 0;
  private recordOpen = false;
  private current: Frame = { text: '', line: 0, offset: 0 };
  /** After a syntax error: skip lines until one that can start a record. */
  private resyncing = false;
  private resyncInArray = false;
  /** A record past a limit, being skipped to its end. */
  private skipping: { line: number; offset: number; reason: string; sample: string } | undefined;
  private skippedFrom = 0;
  private skippedOffset = 0;
  private failureReason = '';
  private failedSample = '';

  constructor(
    private readonly sink: FrameSink,
    private readonly options: StructuredFramerOptions,
  ) {
    this.fresh(false);
  }

  frame(frame: Frame): void {
    const first = frame.first ?? true;
    const last = frame.last ?? true;
    this.current = frame;
    if (this.resyncing) {
      // Reading resumes at a line start that can begin a record; pieces within a line wait.
      if (!first || !this.canStartRecord(frame.text)) return;
      this.reportSkipped(frame.line - 1);
    }
    this.feed(last ? `${frame.text}\n` : frame.text, first);
  }

  end(): void {
    if (this.skipping) {
      this.endSkipping();
      return;
    }
    if (this.resyncing) {
      this.reportSkipped(this.current.line);
      return;
    }
    this.parser.end();
    if (this.parser.failure || this.recordOpen) {
      this.sink.error({
        line: this.recordOpen ? this.recordLine : this.current.line,
        offset: this.recordOpen ? this.recordOffset : this.current.offset,
        reason: 'truncated JSON: input ended inside a record',
        sample: sampleOf(this.current.text),
      });
    }
  }

  private feed(text: string, lineStart: boolean): void {
    let from = 0;
    if (this.skipping) {
      const end = this.scanner.skipToRecordEnd(text, 0);
      if (end === -1) return;
      this.endSkipping();
      from = this.afterSkippedRecord(text, end);
    }
    const limit = this.scanner.scan(text, from, this.options.maxDepth, this.options.maxRecordBytes);
    const upTo = limit ? limit.at : text.length;
    this.parser.write(text.slice(from, upTo));
    const failure = this.parser.failure;
    if (failure) {
      this.fail(failure.message.replace(/^Parser cannot parse input: /, 'invalid JSON: '));
      // The line that revealed a broken record may itself begin the next one (a truncated record
      // followed by a good one): give it to the fresh parser rather than skipping it.
      if (lineStart && from === 0 && this.skippedFrom < this.current.line && this.canStartRecord(this.current.text)) this.frame(this.current);
      return;
    }
    if (!limit) return;
    // Past a limit: this record is skipped to its end, unbuilt; reading resumes right after it.
    this.skipping = {
      line: this.recordOpen ? this.recordLine : this.current.line,
      offset: this.recordOpen ? this.recordOffset : this.current.offset,
      reason:
        limit.reason === 'depth'
          ? `record nested deeper than ${this.options.maxDepth} levels (--max-depth)`
          : `record exceeds the maximum record size (${this.options.maxRecordBytes} bytes)`,
      sample: sampleOf(text.slice(Math.max(0, upTo - 100), upTo)),
    };
    this.recordOpen = false;
    const end = this.scanner.skipToRecordEnd(text, upTo);
    if (end === -1) return;
    this.endSkipping();
    this.feed(text.slice(this.afterSkippedRecord(text, end)), false);
  }

  /** Where reading resumes after a skipped record: past the comma before the next array element. */
  private afterSkippedRecord(text: string, end: number): number {
    if (!this.inArray) return end;
    let i = end;
    while (i < text.length && /\s/.test(text[i]!)) i++;
    return text[i] === ',' ? i + 1 : i;
  }

  private endSkipping(): void {
    const skipped = this.skipping!;
    this.skipping = undefined;
    this.sink.error({ line: skipped.line, offset: skipped.offset, reason: skipped.reason, sample: skipped.sample });
    const insideArray = this.inArray;
    this.fresh(insideArray);
    this.scanner.reset(insideArray);
  }

  private fresh(insideArray: boolean): void {
    this.parser = new RecoveringParser({ jsonStreaming: true, streamValues: false });
    this.assembler = new Assembler();
    this.parser.on('data', (token: Token) => this.onToken(token));
    this.recordOpen = false;
    this.inArray = false;
    if (insideArray) this.parser.write('[');
  }

  private onToken(token: Token): void {
    const depth = this.assembler.depth;
    const startsRecord =
      (token.name === 'startObject' || token.name === 'startArray' || token.name.endsWith('Value')) &&
      (depth === 0 || (depth === 1 && this.inArray));
    if (depth === 0 && token.name === 'startArray') {
      this.inArray = true;
      this.assembler.consume(token as never);
      return;
    }
    if (startsRecord) this.openRecord();
    this.assembler.consume(token as never);
    const after = this.assembler.depth;
    if (this.inArray && after === 1 && token.name !== 'startArray') {
      const elements = this.assembler.current as unknown[];
      if (elements.length > 0) this.emit(elements.pop());
    } else if (after === 0) {
      if (this.inArray) this.inArray = false;
      else this.emit(this.assembler.current);
    }
  }

  private openRecord(): void {
    this.recordOpen = true;
    this.recordLine = this.current.line;
    this.recordOffset = this.current.offset;
  }

  private emit(value: unknown): void {
    this.recordOpen = false;
    this.sink.value?.(value, { text: '', line: this.recordLine, offset: this.recordOffset });
  }

  private fail(reason: string): void {
    this.failureReason = reason;
    this.skippedFrom = this.recordOpen ? this.recordLine : this.current.line;
    this.skippedOffset = this.recordOpen ? this.recordOffset : this.current.offset;
    this.failedSample = sampleOf(this.current.text);
    this.resyncing = true;
    this.resyncInArray = this.inArray;
    this.parser.removeAllListeners('data');
    this.parser.destroy();
    this.fresh(false);
  }

  private canStartRecord(text: string): boolean {
    // Top-level records of a pretty-printed file start at column 0; array elements are indented.
    return this.resyncInArray ? /^\s*\{/.test(text) : text.startsWith('{') || text.startsWith('[');
  }

  private reportSkipped(lastLine: number): void {
    const first = this.skippedFrom;
    const lines = lastLine > first ? ` (lines ${first}-${lastLine} skipped)` : '';
    this.sink.error({
      line: first,
      offset: this.skippedOffset,
      reason: `${this.failureReason}${lines}`,
      sample: this.failedSample,
    });
    this.resyncing = false;
    this.scanner.reset(this.resyncInArray);
    if (this.resyncInArray) this.fresh(true);
  }
}
