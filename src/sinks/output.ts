import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { OutputClosed, RuntimeFailure } from '../errors.js';

/**
 * Writes to a stream, waiting for 'drain' when its buffer is full (backpressure). A write error
 * never escapes as an uncaught exception: the next write (or end) throws it, as an OutputClosed
 * when the reader of stdout went away (EPIPE), else as a RuntimeFailure naming what was written.
 */
export class Output {
  private failure: Error | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly stream: Writable,
    /** What the stream is, for messages: "standard output", "the dead-letter file out.ndjson". */
    readonly label = 'standard output',
  ) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.failure ??=
        error.code === 'EPIPE' && label === 'standard output'
          ? new OutputClosed()
          : new RuntimeFailure(`cannot write ${label}: ${describeWriteError(error)}`);
      for (const wake of this.waiters) wake();
    });
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  async write(text: string): Promise<void> {
    this.throwIfFailed();
    if (this.stream.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
    this.throwIfFailed();
  }

  async end(): Promise<void> {
    this.throwIfFailed();
    if (this.stream === process.stdout || this.stream === process.stderr) return;
    this.stream.end();
    await Promise.race([once(this.stream, 'finish'), once(this.stream, 'close')]).catch(() => undefined);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

export function describeWriteError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOENT':
      return 'its folder does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EPIPE':
      return 'the reader went away (broken pipe)';
    default:
      return error.message;
  }
}
