import { open } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { describeWriteError, Output } from './output.js';
import type { Rejected, Sink, SinkContext, SinkRegistration } from './sink.js';

const BATCH_CHARS = 64 << 10;

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

  /** Batched: returns a promise (to wait for) only when a batch is written; a write per bad line costs more than reading it did. */
  rejected(entry: Rejected): Promise<void> | undefined {
    if (this.broken) return undefined;
    this.count++;
    const text = this.serialise(entry);
    this.pending.push(text);
    this.pendingChars += text.length;
    return this.pendingChars >= BATCH_CHARS ? this.flush() : undefined;
  }

  /** Writes what is batched (a live run calls this every second). */
  async flush(): Promise<void> {
    if (this.broken || this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    try {
      await this.output.write(text);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.broken) return;
    try {
      await this.output.end();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private pending: string[] = [];
  private pendingChars = 0;
  /** The last file's name as JSON: consecutive entries mostly share it. */
  private lastFile = '';
  private lastFileJson = '""';

  /**
   * One line of the file. Built from its parts (the file name's JSON reused): an input dense
   * with bad lines spent most of its time serialising whole entry objects.
   */
  private serialise(entry: Rejected): string {
    if (entry.file !== this.lastFile) {
      this.lastFile = entry.file;
      this.lastFileJson = JSON.stringify(entry.file);
    }
    const { finding_id, status, error_type, retried } = entry;
    const rest =
      finding_id === undefined && status === undefined && error_type === undefined && retried === undefined
        ? ''
        : JSON.stringify({ finding_id, status, error_type, retried }).replace(/^\{/, ',').replace(/\}$/, '');
    return `{"file":${this.lastFileJson},"line":${entry.line},"offset":${entry.offset},"kind":"${entry.kind}","reason":${JSON.stringify(entry.reason)},"raw":${JSON.stringify(entry.raw)}${rest === ',' ? '' : rest}}\n`;
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
