import { open } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { describeWriteError, Output } from './output.js';
import type { Rejected, Sink, SinkContext, SinkRegistration } from './sink.js';

/** One line of the dead-letter file: where it came from, why it was rejected, and its raw text. */
export type DeadLetterEntry = Rejected;

/**
 * `--dead-letter FILE`: every malformed line, invalid record and document the engine did not
 * index, one JSON object per line, so it can be fixed and replayed. The file is opened before
 * any input is read, so a path that cannot be written is a usage error (exit 2) at once. A write
 * failure later (a full disk) is reported once and fails the run (exit 1), but the report is
 * still printed.
 */
export class DeadLetter implements Sink {
  readonly name = 'dead-letter';
  count = 0;
  private broken = false;

  private constructor(
    readonly path: string,
    private readonly output: Output,
    private readonly context: Pick<SinkContext, 'warn' | 'failed'>,
  ) {}

  /** `append`: a tail that restarts keeps adding to the file; a scan starts it afresh. */
  static async open(path: string, append: boolean, context: Pick<SinkContext, 'warn' | 'failed'>): Promise<DeadLetter> {
    let handle;
    try {
      handle = await open(path, append ? 'a' : 'w');
    } catch (error) {
      throw new UsageError(`--dead-letter ${path}: cannot write: ${describeWriteError(error as NodeJS.ErrnoException)}`);
    }
    return new DeadLetter(path, new Output(handle.createWriteStream(), `the dead-letter file ${path}`), context);
  }

  async rejected(entry: Rejected): Promise<void> {
    if (this.broken) return;
    this.count++;
    const { file, line, offset, kind, reason, raw, finding_id, status, error_type, retried } = entry;
    try {
      await this.output.write(`${JSON.stringify({ file, line, offset, kind, reason, raw, finding_id, status, error_type, retried })}\n`);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  async close(): Promise<void> {
    if (this.broken) return;
    try {
      await this.output.end();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private fail(error: Error): void {
    this.broken = true;
    this.context.warn(`${error.message}; bad lines from here on are counted but not kept`);
    this.context.failed(error.message);
  }
}

export const deadLetterSink: SinkRegistration = {
  name: 'dead-letter',
  modes: ['batch', 'live'],
  wanted: (options) => options.deadLetter !== undefined,
  open: (options, context) => DeadLetter.open(options.deadLetter!, context.mode === 'live', context),
};
