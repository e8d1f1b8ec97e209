import { sampleOf } from './frame.js';
import type { InputError } from './records.js';

/** A run of whole lines, handed to a worker to frame and parse. */
export interface LineBlock {
  kind: 'block';
  bytes: Buffer;
  /** Byte offset of the block's first byte within the input. */
  offset: number;
  /** The block starts the input (so a UTF-8 BOM may lead it). */
  first: boolean;
}

/** A line longer than the record limit that crossed block boundaries: reported, never buffered. */
export interface OversizedLine {
  kind: 'oversized';
  offset: number;
  bytes: number;
  sample: string;
}

export type SplitItem = LineBlock | OversizedLine;

/** An oversized line cut out between blocks, reported as the line framer reports one inside a block. */
export function oversizedLineError(item: OversizedLine, file: string, line: number, offset: number, maxRecordBytes: number): InputError {
  return {
    file,
    line,
    offset,
    kind: 'malformed',
    reason: `record exceeds the maximum record size (${maxRecordBytes} bytes)`,
    raw: `${item.sample} [${item.bytes} bytes]`,
  };
}

/**
 * Cuts a byte stream into blocks of whole lines of about `blockBytes` each, in order, so workers
 * can parse blocks in parallel and results can be merged back in sequence. Memory stays bounded
 * by the block size and the record limit whatever the line lengths.
 */
export class BlockSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private carryOffset = 0;
  private consumed = 0;
  private emittedFirst = false;
  private skipping: { offset: number; bytes: number; sample: string } | undefined;

  constructor(
    /** The size blocks are cut at from now on (the parallel scan adapts it to how dense its results come back). */
    public blockBytes: number,
    private readonly maxRecordBytes: number,
  ) {}

  *push(chunk: Buffer): Generator<SplitItem> {
    let start = 0;
    const chunkOffset = this.consumed;
    this.consumed += chunk.length;
    if (this.skipping) {
      const nl = chunk.indexOf(0x0a);
      if (nl === -1) {
        this.skipping.bytes += chunk.length;
        return;
      }
      this.skipping.bytes += nl;
      yield { kind: 'oversized', ...this.skipping };
      this.skipping = undefined;
      start = nl + 1;
      this.carryOffset = chunkOffset + start;
    }
    const lastNl = chunk.lastIndexOf(0x0a);
    if (lastNl < start) {
      yield* this.hold(chunk.subarray(start), chunkOffset + start);
      return;
    }
    this.carry.push(chunk.subarray(start, lastNl + 1));
    this.carryBytes += lastNl + 1 - start;
    if (this.carryBytes >= this.blockBytes) yield* this.cut();
    if (lastNl + 1 < chunk.length) yield* this.hold(chunk.subarray(lastNl + 1), chunkOffset + lastNl + 1);
  }

  /**
   * The whole lines held, as blocks of at most about blockBytes, at once (a live tail hands on
   * what was read without waiting for a block to fill); a partial last line stays held.
   */
  *flushLines(): Generator<LineBlock> {
    const whole = this.carryBytes - this.partialLineBytes();
    if (whole === 0) return;
    const parts: Buffer[] = [];
    const rest: Buffer[] = [];
    let taken = 0;
    for (const part of this.carry) {
      if (taken + part.length <= whole) parts.push(part);
      else if (taken >= whole) rest.push(part);
      else {
        parts.push(part.subarray(0, whole - taken));
        rest.push(part.subarray(whole - taken));
      }
      taken += part.length;
    }
    this.carry = rest;
    this.carryBytes -= whole;
    yield this.emit(Buffer.concat(parts, whole));
  }

  *end(): Generator<SplitItem> {
    if (this.skipping) {
      yield { kind: 'oversized', ...this.skipping };
      this.skipping = undefined;
    }
    if (this.carryBytes > 0) yield this.flush();
  }

  /** Keeps a partial line; once it alone passes the limit, flushes the whole lines before it and skips it. */
  private *hold(rest: Buffer, offset: number): Generator<SplitItem> {
    if (rest.length === 0) return;
    if (this.carryBytes === 0) this.carryOffset = offset;
    this.carry.push(rest);
    this.carryBytes += rest.length;
    const lastLine = this.partialLineBytes();
    if (lastLine <= this.maxRecordBytes) return;
    const whole = Buffer.concat(this.carry);
    const cut = whole.length - lastLine;
    const start = this.carryOffset + cut;
    const sample = sampleOf(whole.subarray(cut, cut + 1024).toString('utf8'));
    this.carry = cut > 0 ? [whole.subarray(0, cut)] : [];
    this.carryBytes = cut;
    if (cut > 0) yield this.flush();
    this.skipping = { offset: start, bytes: lastLine, sample };
    this.carryOffset = start;
  }

  private partialLineBytes(): number {
    let bytes = 0;
    for (let i = this.carry.length - 1; i >= 0; i--) {
      const part = this.carry[i]!;
      const nl = part.lastIndexOf(0x0a);
      if (nl !== -1) return bytes + part.length - nl - 1;
      bytes += part.length;
    }
    return bytes;
  }

  /**
   * Whole lines held (at least blockBytes of them): blocks of about blockBytes each, cut at the
   * first line end past blockBytes; what is left stays held. Each byte is copied once, into its
   * block, so the block owns its memory and can be transferred to a worker.
   */
  private *cut(): Generator<LineBlock> {
    while (this.carryBytes >= this.blockBytes) {
      let piece = 0;
      let at = this.blockBytes - 1;
      while (at >= this.carry[piece]!.length) at -= this.carry[piece++]!.length;
      // The held lines end with a newline, so one is found.
      let nl = this.carry[piece]!.indexOf(0x0a, at);
      while (nl === -1) nl = this.carry[++piece]!.indexOf(0x0a);
      const parts = this.carry.slice(0, piece);
      parts.push(this.carry[piece]!.subarray(0, nl + 1));
      const bytes = Buffer.concat(parts);
      const rest = this.carry[piece]!.subarray(nl + 1);
      this.carry = rest.length > 0 ? [rest, ...this.carry.slice(piece + 1)] : this.carry.slice(piece + 1);
      this.carryBytes -= bytes.length;
      yield this.emit(bytes);
    }
  }

  private flush(): LineBlock {
    const block = this.emit(Buffer.concat(this.carry));
    this.carry = [];
    this.carryBytes = 0;
    return block;
  }

  private emit(bytes: Buffer): LineBlock {
    const block: LineBlock = { kind: 'block', bytes, offset: this.carryOffset, first: !this.emittedFirst };
    this.emittedFirst = true;
    this.carryOffset += bytes.length;
    return block;
  }
}
