import { BlockSplitter, oversizedLineError, type SplitItem } from '../../parse/block-splitter.js';
import { BLOCK_BYTES, denseBlock, FIRST_BLOCK_BYTES, nextBlockBytes } from './block-size.js';
import { handOn, type BlockHandlers, type BlockPlace, type BlockResult } from './block-scan.js';
import { PartialCarry } from './partial-carry.js';
import type { WorkerPool } from './worker-pool.js';

/** What one followed file's blocks give (as detection gives it, placed in the file), handed over in the file's order. */
export interface BlockReaderHandlers extends BlockHandlers {
  /** Records left out by the time window. */
  outside(records: number): void;
  /** After each block: `lines` more were read; hand what it gave to the sinks (awaited: backpressure). */
  merged(lines: number): Promise<void>;
  /** A block or its hand-over failed (a bug, or a sink that cannot go on): nothing after it is merged. */
  failed(error: unknown): void;
}

export interface BlockReaderOptions {
  file: string;
  /** Where the first byte pushed sits in the file, and the lines before it. */
  startOffset: number;
  startLine: number;
  maxRecordBytes: number;
  /** Blocks smaller than this (a quiet file's few new lines) are read on this thread, with no round trip. */
  hereBelow: number;
  /** The most a block holds (default BLOCK_BYTES; tests cut small ones). */
  blockBytes?: number;
  /** Shared by every file of the run. */
  inFlight: InFlight;
}

/**
 * Blocks read and not yet merged, across every file of a run: beyond the limit, reading waits, so
 * memory stays bounded however many files are busy (blocks are at most 1 MiB, and their results
 * are kept small by block sizing).
 */
export class InFlight {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  add(merged: Promise<void>): void {
    this.pending.add(merged);
    void merged.then(() => this.pending.delete(merged));
  }

  /** Resolves once there is room for another block. */
  async room(): Promise<void> {
    while (this.pending.size >= this.limit) await Promise.race(this.pending);
  }
}

/**
 * A followed file read in blocks of whole lines on the worker threads, the way `scan` reads a
 * large input: blocks go out as they are read and come back merged strictly in order, so line
 * numbers, findings, bad lines, series samples and partial container lines are the one-thread
 * reader's. Only whole lines are handed on; a partial last line waits for its end. The
 * checkpoint position (completeUpTo, linesSeen) moves only past merged blocks.
 */
export class BlockReader {
  private readonly splitter: BlockSplitter;
  private readonly carry = new PartialCarry();
  /** Merges in order: each waits for the one before it. */
  private chain: Promise<void> = Promise.resolve();
  /** The last block merged was small and dense (a run of bad lines): copying results between threads costs more than reading here. */
  private dense = false;
  private readonly maxBlock: number;
  /** Lines merged so far (counted from the file's start). */
  linesSeen: number;
  /** Every line before this offset has been merged. */
  completeUpTo: number;

  constructor(
    private readonly pool: WorkerPool,
    private readonly options: BlockReaderOptions,
    private readonly handlers: BlockReaderHandlers,
  ) {
    // Small first, then sized by how dense results come back, as a scan's blocks are.
    this.maxBlock = options.blockBytes ?? BLOCK_BYTES;
    this.splitter = new BlockSplitter(Math.min(FIRST_BLOCK_BYTES, this.maxBlock), options.maxRecordBytes);
    this.linesSeen = options.startLine;
    this.completeUpTo = options.startOffset;
  }

  /** Hands on the whole lines of what was read, each block once there is room for it (backpressure). */
  async push(chunk: Buffer): Promise<void> {
    // Blocks are cut one at a time, so each is cut at the size the merges so far asked for.
    for (const item of this.splitter.push(chunk)) await this.dispatch(item);
    for (const item of this.splitter.flushLines()) await this.dispatch(item);
  }

  /** Everything pushed so far is merged and handed over (a failure of any block is thrown here). */
  settled(): Promise<void> {
    return this.chain;
  }

  private async dispatch(item: SplitItem): Promise<void> {
    await this.options.inFlight.room();
    const origin = { file: this.options.file, first: item.kind === 'block' && item.first && this.options.startOffset === 0 };
    // Its size before the bytes move to a worker.
    const size = item.kind === 'block' ? item.bytes.length : item.bytes + 1;
    const result = item.kind === 'block' ? this.pool.run(item.bytes, origin, this.dense || size < this.options.hereBelow) : undefined;
    // Awaited in order below; until then a failure must not count as unhandled.
    result?.catch(() => undefined);
    const merged = this.chain.then(() => this.merge(item, size, result, origin));
    this.chain = merged;
    this.options.inFlight.add(merged.catch((error: unknown) => this.handlers.failed(error)));
  }

  private async merge(item: SplitItem, size: number, result: Promise<BlockResult> | undefined, origin: { file: string; first: boolean }): Promise<void> {
    const file = this.options.file;
    const place: BlockPlace = { lineBase: this.linesSeen, offset: this.options.startOffset + item.offset };
    let lines: number;
    if (item.kind === 'oversized') {
      lines = 1;
      this.handlers.error(oversizedLineError(item, file, this.linesSeen + 1, place.offset, this.options.maxRecordBytes));
    } else {
      const block = this.carry.settle(await result!, place, (bytes, carried) => this.pool.runHere(bytes, origin, carried));
      const entries = handOn(block, place, file, this.handlers);
      if (block.outside > 0) this.handlers.outside(block.outside);
      lines = block.counts.lines;
      // Dense results come back in smaller blocks (each is held whole until merged), and dense even
      // in the smallest ones, the next is read here.
      this.splitter.blockBytes = nextBlockBytes(size, entries, this.maxBlock);
      this.dense = denseBlock(size, entries);
    }
    this.linesSeen += lines;
    this.completeUpTo = place.offset + size;
    await this.handlers.merged(lines);
  }
}
