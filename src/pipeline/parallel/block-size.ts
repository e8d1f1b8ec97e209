/** Blocks of at most this size go to the threads. */
export const BLOCK_BYTES = 1 << 20;
/**
 * The first blocks are smaller, and each block's size follows how dense the results of the one
 * before came back, aiming at ENTRIES_PER_BLOCK findings, errors and samples a block: a result is
 * held whole until merged, and 1 MiB of one-character bad lines is half a million errors
 * (measured: 16 MB of them peaked at 1.4 GB with 1 MiB blocks, 0.32 GB sized this way).
 */
export const FIRST_BLOCK_BYTES = 64 << 10;
export const MIN_BLOCK_BYTES = 16 << 10;
export const ENTRIES_PER_BLOCK = 8192;

/** The next block's size from the last one's: grown or shrunk toward ENTRIES_PER_BLOCK entries, within bounds. */
export function nextBlockBytes(bytes: number, entries: number, max: number): number {
  const aimed = entries === 0 ? max : Math.floor((bytes * ENTRIES_PER_BLOCK) / entries);
  return Math.max(Math.min(MIN_BLOCK_BYTES, max), Math.min(max, aimed));
}

/**
 * Dense even in the smallest blocks (a run of bad lines, say): copying its results between threads
 * costs more than reading it (measured: 16 MB of one-character bad lines, 38 s on two threads, 25 s
 * on one), so what follows is read on the main thread.
 */
export function denseBlock(bytes: number, entries: number): boolean {
  return bytes < 2 * MIN_BLOCK_BYTES && entries >= ENTRIES_PER_BLOCK;
}
