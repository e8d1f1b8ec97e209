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
}

/**
 * Frames concatenated or pretty-printed JSON objects and top-level arrays with stream-json.
 * It is fed one line at a time (from LineFramer), so each record knows the line it starts on:
 * stream-json emits tokens synchronously while a line is written.
 * A record is a top-level value or, inside a top-level array, each element.
 */
export class StructuredFramer {
  private parser!: RecoveringParser;
  private assembler!: Assembler;
  private inArray = false;
  private recordLine = 0;
  private recordOffset = 0;
  private recordBytes = 0;
  private recordOpen = false;
  private current: Frame = { text: '', line: 0, offset: 0 };
  /** After bad input: skip lines until one that can start a record. */
  private resyncing = false;
  private skippedFrom = 0;
  private failureReason = '';

  constructor(
    private readonly sink: FrameSink,
    private readonly options: StructuredFramerOptions,
  ) {
    this.fresh(false);
  }

  frame(frame: Frame): void {
    this.current = frame;
    if (this.resyncing) {
      if (!this.canStartRecord(frame.text)) return;
      this.reportSkipped(frame.line - 1);
    }
    if (this.recordOpen) {
      this.recordBytes += frame.text.length + 1;
      if (this.recordBytes > this.options.maxRecordBytes) {
        this.fail(`record exceeds the maximum record size (${this.options.maxRecordBytes} bytes)`);
        return;
      }
    }
    this.parser.write(`${frame.text}\n`);
    const failure = this.parser.failure;
    if (!failure) return;
    this.fail(failure.message.replace(/^Parser cannot parse input: /, 'invalid JSON: '));
    // The line that revealed a broken record may itself begin the next one (a truncated record
    // followed by a good one): give it to the fresh parser rather than skipping it.
    if (this.skippedFrom < frame.line && this.canStartRecord(frame.text)) this.frame(frame);
  }

  end(): void {
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
    this.recordBytes = this.current.text.length + 1;
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

  private resyncInArray = false;
  private skippedOffset = 0;
  private failedSample = '';

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
    if (this.resyncInArray) this.fresh(true);
  }
}
