import type { Finding } from '../classify/finding.js';
import type { LiveEvent } from '../correlate/live.js';
import type { ScanReport } from '../correlate/report.js';
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
  /** Sends what is buffered (a live run calls it every second). */
  flush?(): Promise<void>;
  /**
   * The run is over. Sinks get the report in their order: the engine's adds what it indexed,
   * then the outputs render it.
   */
  summary?(report: ScanReport): Promise<void>;
  close(): Promise<void>;
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
}

/** A sink as the registry knows it: which runs want it, and how to open it. */
export interface SinkRegistration {
  readonly name: string;
  readonly modes: readonly Mode[];
  wanted(options: OutputOptions): boolean;
  open(options: OutputOptions, context: SinkContext): Promise<Sink>;
}
