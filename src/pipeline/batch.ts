import type { Config } from '../config.js';
import type { SeriesOutput } from '../classify/detector.js';
import type { Finding } from '../classify/finding.js';
import type { SeriesPointBatch } from '../classify/trends/summary.js';
import { FindingCollector } from '../correlate/collector.js';
import { emptyStats, type ReportedError, type ScanReport } from '../correlate/report.js';
import { BlockSplitter, oversizedLineError, type SplitItem } from '../parse/block-splitter.js';
import { FramingDetector, type Framing } from '../parse/framing.js';
import { unfinishedPartial, type InputError } from '../parse/records.js';
import { describeError, resolveInputs, type Input } from '../sources/inputs.js';
import { openInput } from '../sources/open.js';
import { InputReadError } from '../sources/read-error.js';
import { Output } from '../sinks/output.js';
import { closeSinks, openSinks } from '../sinks/registry.js';
import type { OutputOptions, Rejected, Sink, SinkContext } from '../sinks/sink.js';
import { colorsFor, stripControl } from '../sinks/terminal.js';
import { Detection } from './detection.js';
import { InputTally } from './input-tally.js';
import { isPoison, poisonedEntry } from './poison.js';
import { handOn, type BlockResult } from './parallel/block-scan.js';
import { WorkerPool } from './parallel/worker-pool.js';
import { PartialCarry } from './parallel/partial-carry.js';
import { BLOCK_BYTES, denseBlock, FIRST_BLOCK_BYTES, nextBlockBytes } from './parallel/block-size.js';
import { asError } from '../errors.js';

/** Smaller inputs are not worth a worker round trip. */
const PARALLEL_MIN_BYTES = 4 << 20;
/** Bytes framed between two hand-overs to the sinks: bounds what a chunk of dense findings or errors holds. */
const FEED_BYTES = 64 << 10;

export interface BatchOptions {
  /** Worker threads for large NDJSON inputs; without it every input is read in-process. */
  pool?: WorkerPool;
  /** Raw bytes read so far and findings so far, after each chunk (a progress bar). */
  progress?(rawBytes: number, findings: number): void;
  /** Something about an input a person should know (stderr): naive times, nothing readable in it. */
  notice?(message: string): void;
  /** Whether the report lists findings (text, JSON); false keeps aggregates only. Default true. */
  keepFindings?: boolean;
  /** Worker-thread tuning (tests make small inputs take the parallel path): the smallest input, the block size. */
  parallelMinBytes?: number;
  blockBytes?: number;
}

const noAck = () => undefined;

/**
 * The batch driver (`scan`): inputs → records → detectors → correlation → sinks, then a report.
 * Findings and rejected input reach the sinks after each chunk, and reading waits for them
 * (backpressure). What is kept grows with findings (trace summaries, incident points), never
 * with lines read.
 */
export class BatchRun {
  readonly stats = emptyStats();
  readonly findings: FindingCollector;
  readonly detection: Detection;
  private readonly errors: ReportedError[] = [];
  private errorsTotal = 0;
  private rawBytes = 0;
  inputFailures = 0;
  private pendingFindings: Finding[] = [];
  private pendingRejects: Rejected[] = [];
  private readonly findingSinks: Sink[];
  private readonly rejectSinks: Sink[];

  constructor(
    private readonly config: Config,
    private readonly sinks: readonly Sink[],
    private readonly options: BatchOptions = {},
  ) {
    this.detection = new Detection(config);
    this.findings = new FindingCollector({
      maxFindingsPerTrace: config.max_findings_per_trace,
      // Outputs that list findings keep them up to the budget; the others (NDJSON streams them) keep aggregates only.
      maxFindings: options.keepFindings === false ? 0 : config.max_findings,
      maxTraces: config.max_traces,
      incidentGapMs: config.incident_gap,
    });
    if (config.fast) this.stats.counts = 'partial';
    this.findingSinks = sinks.filter((s) => s.finding !== undefined);
    this.rejectSinks = sinks.filter((s) => s.rejected !== undefined);
  }

  /** Batch series detectors report at the end (finish); nothing is sent while reading. */
  private readonly seriesOutput: SeriesOutput = { finding: (finding) => this.addFinding(finding) };

  /** A finding another sink could not deliver (the engine refused it): kept by the sinks that keep rejects. */
  reject(entry: Rejected): void {
    this.pendingRejects.push(entry);
  }

  async scan(input: Input): Promise<void> {
    const file = input.name === '-' ? '(stdin)' : input.name;
    const tally = new InputTally();
    let bytes = 0;
    try {
      const opened = await openInput(input, (n) => {
        this.rawBytes += n;
      });
      const chunks = opened.chunks[Symbol.asyncIterator]();
      // Read until the framing can be told from the head (linear, and at most 64 KiB past any leading space).
      const head: Buffer[] = [];
      const detector = new FramingDetector();
      let framing: Framing | undefined;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        head.push(next.value);
        bytes += next.value.length;
        framing = detector.push(next.value);
        if (framing !== undefined) break;
      }
      framing ??= detector.end();
      const rest = (async function* () {
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
          bytes += next.value.length;
          yield next.value;
        }
      })();
      const pool = this.options.pool;
      if (pool !== undefined && framing === 'ndjson' && (input.size ?? Infinity) >= (this.options.parallelMinBytes ?? PARALLEL_MIN_BYTES)) {
        await this.scanParallel(pool, file, head, rest, tally);
      } else {
        await this.scanSequential(file, framing, head, rest, tally);
      }
    } catch (error) {
      if (!(error instanceof InputReadError)) throw error;
      this.inputFailed(file, describeError(error.cause));
    }
    await this.drain();
    this.stats.files++;
    this.stats.bytes += bytes;
    tally.addTo(this.stats);
    for (const notice of tally.notices(file, this.config)) this.options.notice?.(notice);
  }

  /** An input that could not be read (missing, unreadable, corrupt gzip): reported, exit 1 later. */
  inputFailed(file: string, reason: string): void {
    this.inputFailures++;
    this.errorsTotal++;
    // Always reported, whatever the sample size: a whole input is missing from the result.
    this.errors.push({ file, line: 0, kind: 'input', reason });
  }

  /**
   * The inputs are read: series detectors give what they still hold, the report is built, and
   * every sink gets it in order (the engine's first, so the outputs can say what it indexed).
   */
  async finish(): Promise<ScanReport> {
    const points: SeriesPointBatch = [];
    const seriesSinks = this.sinks.filter((sink) => sink.series !== undefined);
    this.detection.flush({ finding: (finding) => this.addFinding(finding), ...(seriesSinks.length > 0 && { points: (batch) => points.push(...batch) }) });
    await this.drain();
    for (const sink of seriesSinks) if (points.length > 0) await sink.series!(points);
    const report: ScanReport = {
      stats: { ...this.stats, ...(this.config.window ? { outside_window: this.detection.outsideWindow } : {}), findings: { ...this.findings.counts } },
      ...this.findings.result(),
      series: this.detection.hasSeries ? this.detection.summaries() : undefined,
      errors: this.errors,
      errors_total: this.errorsTotal,
    };
    for (const sink of this.sinks) {
      await sink.summary?.(report);
      // A sink's summary may have rejected findings (the engine refused them at the last flush).
      await this.drain();
    }
    return report;
  }

  /** The reference path: one thread frames, parses, validates and classifies every line. */
  private async scanSequential(
    file: string,
    framing: Framing | undefined,
    head: Buffer[],
    rest: AsyncIterable<Buffer>,
    tally: InputTally,
  ): Promise<void> {
    // Framing already told from the head (undefined only if the input ended before a whole line).
    const reader = this.detection.reader(file, { framing }, {
      finding: (finding) => this.addFinding(finding),
      error: (error) => {
        tally.error(error);
        this.addError(error);
      },
    });
    // Pieces of a chunk, each handed over before the next is read: a chunk dense with findings
    // or bad lines must not pile up in memory before the sinks (a dead-letter file) take it.
    const feed = async (chunk: Buffer) => {
      for (let at = 0; at < chunk.length; at += FEED_BYTES) {
        reader.push(chunk.subarray(at, at + FEED_BYTES));
        if (this.pendingFindings.length + this.pendingRejects.length > 0) await this.drain();
      }
    };
    try {
      for (const chunk of head) await feed(chunk);
      await this.drain();
      for await (const chunk of rest) {
        await feed(chunk);
        await this.drain();
      }
    } finally {
      // What was read before a failure (a truncated gzip, say) still counts.
      reader.end();
      tally.add(reader);
    }
  }

  /**
   * NDJSON on worker threads: whole-line blocks are parsed and classified in parallel and merged
   * back strictly in order, so findings, line numbers, errors and series samples equal the
   * sequential path's.
   */
  private async scanParallel(
    pool: WorkerPool,
    file: string,
    head: Buffer[],
    rest: AsyncIterable<Buffer>,
    tally: InputTally,
  ): Promise<void> {
    pool.configure({ config: this.config });
    const counts = tally.counts;
    let lastFindingTime = -Infinity;
    const maxBlock = this.options.blockBytes ?? BLOCK_BYTES;
    let here = false;
    const splitter = new BlockSplitter(Math.min(FIRST_BLOCK_BYTES, maxBlock), this.config.max_record_bytes);
    const inFlight: { item: SplitItem; size: number; result?: Promise<BlockResult> }[] = [];
    const carry = new PartialCarry();
    const maxInFlight = pool.size * 2 + 1;
    const merge = async () => {
      const { item, size, result } = inFlight.shift()!;
      if (item.kind === 'oversized') {
        counts.lines++;
        counts.malformed++;
        this.addError(oversizedLineError(item, file, counts.lines, item.offset, this.config.max_record_bytes));
      } else {
        const place = { lineBase: counts.lines, offset: item.offset };
        const block = carry.settle(await result!, place, (bytes, carried) => pool.runHere(bytes, { file, first: item.first }, carried));
        const entries = handOn(block, place, file, {
          error: (error) => {
            tally.error(error);
            this.addError(error);
          },
          finding: (finding) => {
            // A finding without a time sorts after the input's last finding before it, which may be in an earlier block.
            if (finding.timestamp === null && finding.order === -Infinity) finding.order = lastFindingTime;
            if (finding.timestamp !== null) lastFindingTime = finding.timestamp;
            this.addFinding(finding);
          },
          sample: (tagged, source) => this.detection.addSample(tagged, source, this.seriesOutput),
        });
        this.detection.outsideWindow += block.outside;
        tally.add(block);
        splitter.blockBytes = nextBlockBytes(size, entries, maxBlock);
        // From a block dense even at the smallest size on, the rest of the input is read on this thread.
        if (denseBlock(size, entries)) here = true;
      }
      await this.drain();
    };
    const dispatch = async (items: Iterable<SplitItem>) => {
      for (const item of items) {
        // Its size before the bytes move to a worker.
        const size = item.kind === 'block' ? item.bytes.length : 0;
        const result = item.kind === 'block' ? pool.run(item.bytes, { file, first: item.first }, here) : undefined;
        // Awaited in order by merge(); until then a failure must not count as unhandled.
        result?.catch(() => undefined);
        inFlight.push({ item, size, result });
        while (inFlight.length >= maxInFlight) await merge();
      }
    };
    let readFailure: unknown;
    try {
      for (const chunk of head) await dispatch(splitter.push(chunk));
      for await (const chunk of rest) await dispatch(splitter.push(chunk));
    } catch (error) {
      readFailure = error;
    }
    // What was read before a failure still counts; a worker failure (a bug) is thrown as it is.
    if (readFailure !== undefined && !(readFailure instanceof InputReadError)) throw asError(readFailure);
    await dispatch(splitter.end());
    while (inFlight.length > 0) await merge();
    for (const open of carry.unfinished()) {
      // As the sequential reader counts it: malformed, and its first line now starts an entry.
      counts.malformed++;
      counts.continued--;
      const error = unfinishedPartial(file, open);
      tally.error(error);
      this.addError(error);
    }
    await this.drain();
    if (readFailure) throw asError(readFailure);
  }

  private addFinding(finding: Finding): void {
    try {
      this.findings.add(finding);
    } catch (error) {
      if (!isPoison(error)) throw error;
      this.poisoned(poisonedEntry(finding, 'correlation', error));
      return;
    }
    if (this.findingSinks.length > 0) this.pendingFindings.push(finding);
  }

  /** A record whose finding could not be handled: an error with its file:line, like bad input. */
  private poisoned(entry: Rejected): void {
    this.stats.poisoned++;
    this.addError({ ...entry, kind: 'invalid' });
  }

  private addError(error: InputError): void {
    this.errorsTotal++;
    if (this.errors.length < this.config.error_sample) {
      this.errors.push({ file: error.file, line: error.line, kind: error.kind, reason: error.reason });
    }
    if (this.rejectSinks.length > 0) this.pendingRejects.push(error);
  }

  /** Hands what the last chunk produced to the sinks, waiting for each: the backpressure point. */
  private async drain(): Promise<void> {
    this.options.progress?.(this.rawBytes, this.findings.total);
    while (this.pendingFindings.length > 0 || this.pendingRejects.length > 0) {
      const findings = this.pendingFindings;
      const rejects = this.pendingRejects;
      this.pendingFindings = [];
      this.pendingRejects = [];
      for (const finding of findings) {
        for (const sink of this.findingSinks) {
          try {
            await sink.finding!(finding, noAck);
          } catch (error) {
            if (!isPoison(error)) throw error;
            this.poisoned(poisonedEntry(finding, `the ${sink.name} output`, error));
          }
        }
      }
      for (const entry of rejects) {
        for (const sink of this.rejectSinks) {
          // Awaited only when the sink has something to wait for (a batch being written).
          const taken = sink.rejected!(entry);
          if (taken) await taken;
        }
      }
    }
  }
}

export interface BatchRequest {
  config: Config;
  /** Files, directories, globs, '-' (nothing: stdin). */
  inputs: string[];
  outputs: OutputOptions;
  /** Worker threads for large NDJSON inputs (1: none). */
  threads: number;
  /** A progress bar on stderr (only shown on a terminal). */
  progress: boolean;
}

export interface BatchOutcome {
  report: ScanReport;
  /** Inputs that could not be read. */
  inputFailures: number;
  /** What a sink could not deliver (documents not indexed, a dead-letter file that filled the disk). */
  deliveryFailures: string[];
  run: BatchRun;
}

/** A whole batch run: sinks opened, every input read, the report handed to the sinks, everything closed. */
export async function runBatch(request: BatchRequest): Promise<BatchOutcome> {
  const deliveryFailures: string[] = [];
  let run: BatchRun | undefined;
  const context: SinkContext = {
    mode: 'batch',
    stdout: new Output(process.stdout),
    colors: colorsFor(process.stdout, request.outputs.color),
    warn: (message) => process.stderr.write(`memtrail: ${stripControl(message)}\n`),
    failed: (reason) => deliveryFailures.push(reason),
    reject: (entry) => run?.reject(entry),
  };
  const sinks = await openSinks(request.outputs, context);
  const pool = request.threads > 1 ? new WorkerPool(request.threads) : undefined;
  try {
    const { inputs, problems, notices } = await resolveInputs(request.inputs);
    for (const notice of notices) context.warn(notice);
    const totalBytes = inputs.every((i) => i.size !== undefined) ? inputs.reduce((n, i) => n + (i.size ?? 0), 0) : undefined;
    // cli-progress is loaded only for a terminal that shows the bar.
    const bar = request.progress && process.stderr.isTTY ? new (await import('../sinks/progress.js')).ProgressBar(totalBytes) : undefined;
    run = new BatchRun(request.config, sinks, {
      pool,
      keepFindings: request.outputs.format !== 'ndjson' || request.outputs.html !== undefined,
      progress: bar && ((bytes, findings) => bar.update({ bytes, findings })),
      notice: (message) => context.warn(message),
    });
    for (const problem of problems) run.inputFailed(problem.name, problem.reason);
    try {
      for (const input of inputs) await run.scan(input);
    } finally {
      bar?.stop();
    }
    const report = await run.finish();
    return { report, inputFailures: run.inputFailures, deliveryFailures, run };
  } finally {
    await pool?.close();
    await closeSinks(sinks);
  }
}
