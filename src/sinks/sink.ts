import type { Finding, Severity } from '../classify/finding.js';
import type { SeriesPointBatch, SeriesSummary } from '../classify/trends/summary.js';
import type { LiveEvent } from '../correlate/live.js';
import type { ScanReport } from '../correlate/report.js';
import type { LogRecord } from '../parse/record.js';
import type { Source } from '../parse/source.js';
import type { Output } from './output.js';
import type { Connection } from './search/connection.js';
import type { Colors } from './terminal.js';

/** A malformed line, an invalid record, or a finding a sink could not deliver: kept with its raw text. */
export interface Rejected {
  file: string;
  line: number;
  offset: number;
  /** malformed / invalid input, or a finding the search engine did not take (not_indexed). */
  kind: 'malformed' | 'invalid' | 'not_indexed';
  reason: string;
  raw: string;
  finding_id?: string;
  /** not_indexed: the engine's status and error type, and how often it was retried. */
  status?: number;
  error_type?: string;
  retried?: number;
}

/**
 * Where the pipeline's results go: stdout in a format, the dead-letter file, the search engine.
 * Every method is optional but `close`; a sink implements what it takes. Methods that return a
 * promise are awaited before more input is read: that is how a slow sink holds reading back.
 */
export interface Sink {
  readonly name: string;
  /**
   * A finding, as found. Resolves once the sink has taken it; `ack` runs once it is delivered for
   * good (written out; confirmed by the engine). A live tail checkpoints a line only when every
   * sink that takes findings has acknowledged all of its findings.
   */
  finding?(finding: Finding, ack: () => void): Promise<void> | void;
  /** Input that could not become a record, or a finding another sink could not deliver. */
  rejected?(entry: Rejected): Promise<void> | void;
  /** Live correlation: a trace summary, an incident opened or closed. */
  event?(event: LiveEvent): Promise<void> | void;
  /**
   * Live runs: every record that carries a memory or payload number (carriesMeasure), as read;
   * synchronous, so cheap. Only sinks that define it cost anything (records read on a worker
   * thread are sent back for it).
   */
  record?(record: LogRecord, source: Source): void;
  /** Buckets of the memory series as they close (live), or all of them as the run ends (batch). */
  series?(points: SeriesPointBatch): Promise<void> | void;
  /** Is this sink delivering? (a search engine that stopped answering is not) */
  health?(): SinkHealth;
  /** Sends what is buffered (a live run calls it every second). */
  flush?(): Promise<void>;
  /**
   * The run is over. Sinks get the report in their order: the engine's adds what it indexed,
   * then the outputs render it.
   */
  summary?(report: ScanReport): Promise<void>;
  close(): Promise<void>;
}

export interface SinkHealth {
  up: boolean;
  /** Why not, for /healthz and the status line. */
  reason?: string;
  /** Deliveries that failed for good, by reason (bulk item errors, say). */
  failures?: Record<string, number>;
}

/** What a live run is doing now, for sinks that report on it (metrics, health). */
export interface LiveProbe {
  status(): Promise<PipelineStatus>;
  /** Every memory series as it stands. */
  series(): SeriesSummary[];
  /** Every other sink's health, by name. */
  sinks(): { name: string; health: SinkHealth }[];
}

/** A live run's state: what is followed, how far behind, what waits. */
export interface PipelineStatus {
  files: { path: string; lagBytes: number }[];
  linesRead: number;
  /** Bad input by kind (malformed, invalid, poisoned). */
  bad: Record<string, number>;
  /** Findings read but not yet confirmed by every sink. */
  waiting: number;
  /** Epoch ms of the last checkpoint write, or undefined. */
  lastCheckpoint: number | undefined;
}

export type Mode = 'batch' | 'live';

/** What every sink may use: the run's mode, stdout, and the channels back to the run. */
export interface SinkContext {
  mode: Mode;
  stdout: Output;
  /** Colours for stdout (off when piped or with NO_COLOR, unless forced). */
  colors: Colors;
  /** A diagnostic for people, on stderr. */
  warn(message: string): void;
  /** A sink could not deliver something (a full disk, documents the engine refused): the run exits 1. */
  failed(reason: string): void;
  /** A finding this sink could not deliver, for the sinks that keep rejects (the dead-letter file). */
  reject(entry: Rejected): void;
  /** Live runs: aborted once the run is told to stop (a sink waiting for its engine gives up). */
  stopping?: AbortSignal;
  /** Live runs: the pipeline's state, asked when a sink needs it (set once the run starts). */
  probe?: LiveProbe;
}

/** The outputs a run asked for, from the command line (or the config file). */
export interface OutputOptions {
  format: 'text' | 'json' | 'ndjson';
  /** Force colours on or off. */
  color?: boolean;
  /** Keep malformed lines, invalid records and findings not indexed here. */
  deadLetter?: string;
  /** Also index into Elasticsearch / OpenSearch. */
  index?: Connection;
  /** Write the HTML evidence report to this file. */
  html?: string;
  /** Text: how many traces the report lists (default 10); `all` lists every one. */
  top?: number;
  all?: boolean;
  /** Text: keep long messages whole (else cut to the terminal's width). */
  wide?: boolean;
  /** Only findings at or above this severity. */
  severity?: Severity;
  /** Live: serve Prometheus metrics and /healthz on this host:port. */
  metricsListen?: string;
  /** The command line that produced the run (the HTML report says it). */
  command?: string;
}

/** A sink as the registry knows it: which runs want it, and how to open it. */
export interface SinkRegistration {
  readonly name: string;
  readonly modes: readonly Mode[];
  wanted(options: OutputOptions): boolean;
  open(options: OutputOptions, context: SinkContext): Promise<Sink>;
}
