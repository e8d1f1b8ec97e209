import type { FileHandle } from 'node:fs/promises';
import type { Config } from '../config.js';
import type { SeriesOutput } from '../classify/detector.js';
import type { Finding } from '../classify/finding.js';
import type { SeriesPointBatch } from '../classify/trends/summary.js';
import { LiveCorrelator, type LiveEvent } from '../correlate/live.js';
import type { LogRecord } from '../parse/record.js';
import type { InputError, RecordReader } from '../parse/records.js';
import type { Source } from '../parse/source.js';
import { AckTracker, type AckMark } from '../sources/tail/ack-tracker.js';
import { CheckpointStore } from '../sources/tail/checkpoints.js';
import { lastCompleteLine, type Follower } from '../sources/tail/follower.js';
import { fingerprintOf, identityKey, type FileIdentity } from '../sources/tail/identity.js';
import { Tailer, type TailEvent } from '../sources/tail/tailer.js';
import { Output } from '../sinks/output.js';
import { closeSinks, openSinks } from '../sinks/registry.js';
import type { LiveProbe, OutputOptions, PipelineStatus, Rejected, Sink, SinkContext } from '../sinks/sink.js';
import { colorsFor } from '../sinks/terminal.js';
import { Detection, seriesOutputOf, type DetectionHandlers } from './detection.js';
import { BlockReader, InFlight } from './parallel/block-reader.js';
import { WorkerPool } from './parallel/worker-pool.js';
import { isPoison, poisonedEntry } from './poison.js';
import { asError } from '../errors.js';

export interface LiveOptions {
  patterns: string[];
  /** Where a file without a checkpoint is first read. */
  from: 'start' | 'end';
  traceIdleMs: number;
  pollMs: number;
  discoverMs: number;
  closeInactiveMs: number;
  /** How often the live status (LiveDriver.status) is reported through `status`. */
  statusMs?: number;
  store: CheckpointStore;
  /** Open traces kept at most (the least recent is summarised early beyond it). */
  maxTraces?: number;
  /** Threads reading busy files, this one included (1 or unset: this one only). */
  threads?: number;
}

/** What the live driver tells the command around it. */
export interface LiveReporter {
  /** A diagnostic for people (stderr). */
  warn(message: string): void;
  /** What happens to files (opened, truncated, let go, unreadable). */
  fileEvent(event: TailEvent): void;
  status?(status: LiveStatus): void;
}

export interface LiveStatus {
  files: number;
  linesPerSecond: number;
  lagBytes: number;
  /** Findings read but not yet confirmed by every sink. */
  waiting: number;
  badLines: number;
  /** Epoch ms of the last checkpoint write, or undefined. */
  lastCheckpoint: number | undefined;
}

/** What of one followed file (or standard input) awaits the sinks. */
interface Outbox {
  tracker: AckTracker;
  outgoing: { finding: Finding; mark: AckMark }[];
  errors: InputError[];
}

/** How a file's bytes are read: on this thread as they come, or in blocks on the worker threads (BlockReader). */
interface FileReading {
  /** Lines read and handed on, and the offset before which every line is (the checkpoint's bounds). */
  readonly linesSeen: number;
  readonly completeUpTo: number;
  /** Reads what came; resolves when reading may go on (backpressure). */
  push(chunk: Buffer): Promise<void>;
  /** Everything pushed has been read and handed to the sinks. */
  settled(): Promise<void>;
}

/** One followed file (or standard input): how it is read and what awaits the sinks. */
interface FileState extends Outbox {
  /** The file followed; undefined for standard input (nothing to checkpoint). */
  follower?: Follower;
  name: string;
  reading: FileReading;
}

const TICK_MS = 1000;
/** Bytes framed between two deliveries to the sinks. */
const FEED_BYTES = 64 << 10;
/** Blocks smaller than this (a quiet file's new lines) are read on this thread: no round trip to a worker. */
const HERE_BELOW = 64 << 10;
/** Blocks read and not yet merged, all files together, per thread (on 2 cores, 4 and 8 in all measured the same). */
const IN_FLIGHT_PER_THREAD = 2;

/**
 * The live driver (`tail`): followed files → records → detectors → live correlation → sinks,
 * with checkpoints that move only as far as every sink has acknowledged. Runs until `stop()`.
 */
export class LiveDriver {
  private readonly detection: Detection;
  private readonly correlator: LiveCorrelator;
  private readonly states = new Map<Follower | 'stdin', FileState>();
  private readonly startLines = new Map<string, number>();
  private readonly findingSinks: Sink[];
  private readonly rejectSinks: Sink[];
  private readonly tailer: Tailer;
  /** Aborted by the caller's signal, or by a failure inside the run. */
  private readonly stopRequested = new AbortController();
  private rejecting: Promise<void> = Promise.resolve();
  /** Findings of series detectors (no line of a file stands behind them), waiting for the next tick. */
  private readonly untracked: { finding: Finding }[] = [];
  /** Closed buckets of memory series, for the sinks that take them (the engine's memory index). */
  private readonly pendingPoints: SeriesPointBatch = [];
  private readonly seriesOutput: SeriesOutput = {
    finding: (finding) => this.adoptUntracked(finding),
    points: (batch) => this.pendingPoints.push(...batch),
  };
  private readonly seriesSinks: Sink[];
  private readonly recordSinks: Sink[];
  private linesTotal = 0;
  private errorsTotal = 0;
  private readonly badByKind: Record<string, number> = {};
  private lastCheckpoint: number | undefined;
  private failure: unknown;
  /** Worker threads for busy files (started by the first large read), and the blocks out to them. */
  private readonly blocks: { pool: WorkerPool; inFlight: InFlight } | undefined;

  constructor(
    private readonly config: Config,
    private readonly sinks: readonly Sink[],
    private readonly options: LiveOptions,
    private readonly reporter: LiveReporter,
    signal?: AbortSignal,
  ) {
    if (signal?.aborted) this.stopRequested.abort();
    signal?.addEventListener('abort', () => this.stopRequested.abort(), { once: true });
    this.detection = new Detection(config, { live: true });
    this.correlator = new LiveCorrelator({
      traceIdleMs: options.traceIdleMs,
      incidentGapMs: config.incident_gap,
      maxTraces: options.maxTraces ?? 10_000,
      maxFindingsPerTrace: 1000,
    });
    this.findingSinks = sinks.filter((s) => s.finding !== undefined);
    this.rejectSinks = sinks.filter((s) => s.rejected !== undefined);
    this.recordSinks = sinks.filter((s) => s.record !== undefined);
    this.seriesSinks = sinks.filter((s) => s.series !== undefined);
    const threads = options.threads ?? 1;
    if (threads > 1) {
      const pool = new WorkerPool(threads);
      pool.configure({ config, live: true, observe: this.recordSinks.length > 0 });
      this.blocks = { pool, inFlight: new InFlight(IN_FLIGHT_PER_THREAD * threads) };
    }
    this.tailer = new Tailer(
      {
        patterns: options.patterns,
        pollMs: options.pollMs,
        discoverMs: options.discoverMs,
        closeInactiveMs: options.closeInactiveMs,
        startPosition: (identity, handle, initial) => this.startPosition(identity, handle, initial),
      },
      { data: (follower, chunk) => this.data(follower, chunk), event: (event) => this.fileEvent(event) },
    );
  }

  /** Asks the run to end: reading stops, what was read is delivered, checkpoints are committed. */
  stop(): void {
    this.stopRequested.abort();
  }

  /** A finding a sink could not deliver (the engine refused it): to the sinks that keep rejects, in order. */
  reject(entry: Rejected): void {
    this.rejecting = this.rejecting.then(() => this.deliverRejected(entry)).catch((error: unknown) => this.fail(error));
  }

  /** Follows until stop() (or a failure, which is thrown after the checkpoints are committed). */
  async run(): Promise<void> {
    const stdin = this.options.patterns.length === 1 && this.options.patterns[0] === '-';
    // Standard input is followed until it ends (a pipe from kubectl logs -f or journalctl -f), then the run stops.
    const running = stdin ? this.followStdin().then(() => this.stop()) : this.tailer.run();
    const timers = new Timers((error) => this.fail(error));
    timers.every(TICK_MS, () => this.tick());
    let lastLines = 0;
    if (this.options.statusMs !== undefined && this.reporter.status) {
      const every = this.options.statusMs;
      timers.every(every, async () => {
        this.reporter.status!(await this.status((this.linesTotal - lastLines) / (every / 1000)));
        lastLines = this.linesTotal;
      });
    }
    await new Promise<void>((resolve) => {
      if (this.stopRequested.signal.aborted) resolve();
      this.stopRequested.signal.addEventListener('abort', () => resolve(), { once: true });
      running.catch((error: unknown) => {
        this.fail(error);
        resolve();
      });
    });

    // Shutdown: stop reading, hand over what was read, let the sinks finish, commit.
    this.tailer.stop();
    await running.catch(() => undefined);
    await timers.stop();
    // File by file: one whose reading failed does not keep the others' findings from the sinks.
    for (const state of this.states.values()) {
      await this.guard(async () => {
        await state.reading.settled();
        await this.deliver(state);
      });
    }
    await this.guard(async () => {
      this.detection.flush(this.seriesOutput);
      await this.deliverUntracked();
      await this.publish(this.correlator.flush());
    });
    await this.rejecting;
    for (const sink of this.sinks) await this.guard(() => sink.close());
    await this.rejecting;
    await this.guard(() => this.commit());
    await this.tailer.close();
    await this.guard(async () => this.blocks?.pool.close());
    if (this.failure !== undefined) throw asError(this.failure);
  }

  /** Reads standard input as it comes, delivering as it goes; no checkpoints (a pipe cannot be resumed). */
  private async followStdin(): Promise<void> {
    const outbox: Outbox = { tracker: new AckTracker(), outgoing: [], errors: [] };
    const reader = this.newReader('(stdin)', outbox, 0, 0);
    const state: FileState = { ...outbox, name: '(stdin)', reading: this.sequentialReading(reader, outbox) };
    this.states.set('stdin', state);
    // Told to stop while the pipe is quiet: stop waiting for it.
    const stop = () => process.stdin.destroy();
    this.stopRequested.signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
        if (this.stopRequested.signal.aborted) return;
        await state.reading.push(chunk);
      }
    } catch (error) {
      if (!this.stopRequested.signal.aborted) throw error;
    } finally {
      this.stopRequested.signal.removeEventListener('abort', stop);
    }
    reader.end();
    await this.deliver(state);
  }

  /** What sinks that report on the run (metrics, health) may ask. */
  probe(): LiveProbe {
    return {
      status: () => this.pipelineStatus(),
      series: () => this.detection.summaries(),
      sinks: () => this.sinks.flatMap((sink) => (sink.health ? [{ name: sink.name, health: sink.health() }] : [])),
    };
  }

  /** Per file: how far behind; lines read, bad input by kind, what waits, the last checkpoint. */
  async pipelineStatus(): Promise<PipelineStatus> {
    const files: PipelineStatus['files'] = [];
    let waiting = 0;
    for (const state of this.states.values()) {
      waiting += state.tracker.outstanding;
      const { follower } = state;
      if (!follower) continue;
      const size = await follower.size().catch(() => follower.position);
      files.push({ path: follower.path, lagBytes: Math.max(0, size - follower.position) });
    }
    return { files, linesRead: this.linesTotal, bad: { ...this.badByKind }, waiting, lastCheckpoint: this.lastCheckpoint };
  }

  /** Files followed, read rate, lag, findings waiting, bad lines, checkpoint age. */
  async status(linesPerSecond = 0): Promise<LiveStatus> {
    let lag = 0;
    for (const { follower } of this.states.values()) {
      if (!follower) continue;
      // A file let go between two ticks has no size to ask for any more.
      const size = await follower.size().catch(() => follower.position);
      lag += Math.max(0, size - follower.position);
    }
    let waiting = 0;
    for (const state of this.states.values()) waiting += state.tracker.outstanding;
    return { files: this.states.size, linesPerSecond, lagBytes: lag, waiting, badLines: this.errorsTotal, lastCheckpoint: this.lastCheckpoint };
  }

  private async startPosition(identity: FileIdentity, handle: FileHandle, initial: boolean): Promise<number> {
    const key = identityKey(identity);
    const saved = this.options.store.find(identity);
    const size = (await handle.stat()).size;
    if (saved && saved.offset <= size && (await fingerprintOf(handle, saved.fingerprintLength)) === saved.fingerprint) {
      this.startLines.set(key, saved.line);
      return saved.offset;
    }
    if (initial && this.options.from === 'end') {
      const end = await lastCompleteLine(handle, size);
      this.startLines.set(key, end.lines);
      return end.offset;
    }
    this.startLines.set(key, 0);
    return 0;
  }

  /** Where a file's findings, bad lines and series go as they are read. */
  private handlersFor(outbox: Outbox): DetectionHandlers {
    const acks = this.findingSinks.length;
    return {
      // Marked now, while the line is being framed (or its block merged), so no checkpoint can pass it before it is delivered.
      finding: (finding) => outbox.outgoing.push({ finding, mark: outbox.tracker.mark(finding.source.offset, finding.source.line - 1, acks) }),
      error: (error) => outbox.errors.push(error),
      ...(this.recordSinks.length > 0 && { observe: (record, source) => this.observe(record, source) }),
      points: (batch) => this.pendingPoints.push(...batch),
    };
  }

  private newReader(name: string, outbox: Outbox, offset: number, line: number): RecordReader {
    // A record without a time takes the time it was read (the finding says so: timestamp_source "read").
    return this.detection.reader(name, { framing: 'ndjson', startOffset: offset, startLine: line, readTime: Date.now }, this.handlersFor(outbox));
  }

  /** A followed file: in blocks on the worker threads when there are any, else on this thread. */
  private newReading(name: string, outbox: Outbox, offset: number, line: number): FileReading {
    if (this.blocks === undefined) return this.sequentialReading(this.newReader(name, outbox, offset, line), outbox);
    const handlers = this.handlersFor(outbox);
    const series = seriesOutputOf(handlers);
    return new BlockReader(
      this.blocks.pool,
      {
        file: name,
        startOffset: offset,
        startLine: line,
        maxRecordBytes: this.config.max_record_bytes,
        hereBelow: HERE_BELOW,
        inFlight: this.blocks.inFlight,
      },
      {
        ...handlers,
        sample: (tagged, source) => this.detection.addSample(tagged, source, series),
        outside: (records) => (this.detection.outsideWindow += records),
        merged: async (lines) => {
          this.linesTotal += lines;
          await this.deliver(outbox);
        },
        failed: (error) => this.fail(error),
      },
    );
  }

  private sequentialReading(reader: RecordReader, outbox: Outbox): FileReading {
    return {
      get linesSeen() {
        return reader.linesSeen;
      },
      get completeUpTo() {
        return reader.completeUpTo;
      },
      push: async (chunk) => {
        // In pieces, each delivered before the next is framed: a read dense with findings or bad lines stays small.
        for (let at = 0; at < chunk.length; at += FEED_BYTES) {
          const before = reader.linesSeen;
          reader.push(chunk.subarray(at, at + FEED_BYTES));
          this.linesTotal += reader.linesSeen - before;
          await this.deliver(outbox);
        }
      },
      settled: () => Promise.resolve(),
    };
  }

  private async data(follower: Follower, chunk: Buffer): Promise<void> {
    await this.states.get(follower)!.reading.push(chunk);
  }

  private async fileEvent(event: TailEvent): Promise<void> {
    this.reporter.fileEvent(event);
    switch (event.type) {
      case 'opened': {
        const { follower } = event;
        const outbox: Outbox = { tracker: new AckTracker(), outgoing: [], errors: [] };
        const line = this.startLines.get(identityKey(follower.identity)) ?? 0;
        this.states.set(follower, { ...outbox, follower, name: follower.path, reading: this.newReading(follower.path, outbox, follower.position, line) });
        return;
      }
      case 'truncated': {
        const state = this.states.get(event.follower)!;
        // What was read before the truncation is handed on first, as it would have been on one thread.
        await state.reading.settled();
        await this.deliver(state);
        state.tracker.reset();
        state.outgoing.length = 0;
        state.reading = this.newReading(state.name, state, 0, 0);
        return;
      }
      case 'closed': {
        const state = this.states.get(event.follower);
        if (state) {
          await state.reading.settled();
          await this.deliver(state);
          const { offset, line } = state.tracker.committable(state.reading.completeUpTo, state.reading.linesSeen);
          this.options.store.set(event.follower.identity, event.follower.path, offset, line);
          this.states.delete(event.follower);
        }
        return;
      }
      case 'unreadable':
        return;
    }
  }

  /** Hands a file's new findings and bad lines to the sinks, in order, waiting for each. */
  private async deliver(state: Outbox): Promise<void> {
    for (const error of state.errors.splice(0)) {
      this.errorsTotal++;
      this.badByKind[error.kind] = (this.badByKind[error.kind] ?? 0) + 1;
      await this.deliverRejected(error);
    }
    for (const { finding, mark } of state.outgoing.splice(0)) await this.deliverFinding(finding, () => state.tracker.done(mark));
  }

  /**
   * One finding through correlation to every sink. A failure caused by this finding's content
   * is kept to its record (dead-lettered, acknowledged so the checkpoint moves past it): a poison
   * line must never stop the tail.
   */
  private async deliverFinding(finding: Finding, ack: () => void): Promise<void> {
    let events: LiveEvent[] = [];
    try {
      events = this.correlator.add(finding, Date.now());
    } catch (error) {
      if (!isPoison(error)) throw error;
      await this.poisoned(poisonedEntry(finding, 'correlation', error));
    }
    // Incident lines frame the finding that opened them; summaries of evicted traces follow it.
    await this.publish(events.filter((e) => e.type !== 'trace'));
    for (const sink of this.findingSinks) {
      try {
        await sink.finding!(finding, ack);
      } catch (error) {
        if (!isPoison(error)) throw error;
        await this.poisoned(poisonedEntry(finding, `the ${sink.name} output`, error));
        ack();
      }
    }
    await this.publish(events.filter((e) => e.type === 'trace'));
  }

  private observe(record: LogRecord, source: Source): void {
    for (const sink of this.recordSinks) sink.record!(record, source);
  }

  private async poisoned(entry: Rejected): Promise<void> {
    this.errorsTotal++;
    this.badByKind.poisoned = (this.badByKind.poisoned ?? 0) + 1;
    await this.deliverRejected(entry);
  }

  /** A finding no line stands behind (a series detector's, on a tick or flush): delivered without a checkpoint mark. */
  private adoptUntracked(finding: Finding): void {
    this.untracked.push({ finding });
  }

  private async publish(events: LiveEvent[]): Promise<void> {
    for (const event of events) for (const sink of this.sinks) await sink.event?.(event);
  }

  private async deliverRejected(entry: Rejected): Promise<void> {
    for (const sink of this.rejectSinks) await sink.rejected!(entry);
  }

  /** Every second: idle traces and incidents close, series detectors tick, sinks flush, checkpoints are written. */
  private async tick(): Promise<void> {
    const now = Date.now();
    this.detection.tick(now, this.seriesOutput);
    await this.deliverUntracked();
    await this.publish(this.correlator.tick(now));
    for (const sink of this.sinks) await sink.flush?.();
    await this.commit();
  }

  private async deliverUntracked(): Promise<void> {
    for (const { finding } of this.untracked.splice(0)) await this.deliverFinding(finding, () => undefined);
    const points = this.pendingPoints.splice(0);
    if (points.length > 0) for (const sink of this.seriesSinks) await sink.series!(points);
  }

  private async commit(): Promise<void> {
    for (const state of this.states.values()) {
      if (!state.follower) continue;
      const { offset, line } = state.tracker.committable(state.reading.completeUpTo, state.reading.linesSeen);
      this.options.store.set(state.follower.identity, state.follower.path, offset, line);
    }
    try {
      if (await this.options.store.save()) this.lastCheckpoint = Date.now();
      else this.lastCheckpoint ??= Date.now();
    } catch (error) {
      // A full disk, say: reading goes on, and the next tick tries again.
      this.reporter.warn(`cannot write the checkpoint file ${this.options.store.path}: ${(error as Error).message}`);
    }
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    this.stop();
  }

  /** Runs a shutdown step; a failure is kept (and thrown at the end) but does not skip the steps after it. */
  private async guard(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.failure ??= error;
    }
  }
}

/** Interval tasks that never overlap themselves, whose failures go to `failed`, and that stop cleanly. */
class Timers {
  private readonly intervals: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly failed: (error: unknown) => void) {}

  every(ms: number, task: () => Promise<void>): void {
    let busy = false;
    this.intervals.push(
      setInterval(() => {
        if (busy) return;
        busy = true;
        const run = task()
          .catch((error: unknown) => this.failed(error))
          .finally(() => {
            busy = false;
            this.running.delete(run);
          });
        this.running.add(run);
      }, ms),
    );
  }

  async stop(): Promise<void> {
    for (const interval of this.intervals) clearInterval(interval);
    await Promise.all(this.running);
  }
}

export interface LiveRequest {
  config: Config;
  outputs: OutputOptions;
  tail: Omit<LiveOptions, 'store'>;
  /** The checkpoint file. */
  statePath: string;
  reporter: LiveReporter;
}

/**
 * A whole live run: the checkpoints and sinks are opened (a sink may wait for its engine until
 * `signal` says stop), the files followed until `signal` aborts, everything closed in order.
 */
export async function runLive(request: LiveRequest, signal: AbortSignal): Promise<void> {
  const store = await CheckpointStore.open(request.statePath);
  const holder: { driver?: LiveDriver } = {};
  const context: SinkContext = {
    mode: 'live',
    stdout: new Output(process.stdout),
    colors: colorsFor(process.stdout, request.outputs.color),
    warn: (message) => request.reporter.warn(message),
    failed: (reason) => request.reporter.warn(reason),
    reject: (entry) => holder.driver?.reject(entry),
    stopping: signal,
  };
  const sinks = await openSinks(request.outputs, context);
  if (signal.aborted) {
    await closeSinks(sinks);
    return;
  }
  holder.driver = new LiveDriver(request.config, sinks, { ...request.tail, store }, request.reporter, signal);
  context.probe = holder.driver.probe();
  await holder.driver.run();
}
