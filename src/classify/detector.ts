import type { Config } from '../config.js';
import type { FieldName } from '../parse/mapping.js';
import type { LogRecord } from '../parse/record.js';
import type { Source } from '../parse/source.js';
import type { Finding } from './finding.js';
import type { KindSpec } from './kind.js';
import type { SeriesPointBatch, SeriesSummary } from './trends/summary.js';

export type Emit = (finding: Finding) => void;

/** Where a series detector sends what it makes: findings, and the buckets of its series. */
export interface SeriesOutput {
  finding: Emit;
  /** Buckets closed (live), or every bucket as a batch run ends; absent when no output takes them. */
  points?(batch: SeriesPointBatch): void;
}

/** How the run around a detector reads: a batch of inputs, or live files. */
export interface DetectorContext {
  live: boolean;
}

/** A detector that judges each record alone. Pure: the same record always gives the same findings. */
export interface RecordDetector {
  readonly type: 'record';
  detect(record: LogRecord, text: string, source: Source, emit: Emit): void;
}

/**
 * A detector with state over many records (a memory series, say). Where records are parsed (a
 * worker thread too) it takes only a compact sample of each; the samples of one input reach
 * `add` in input order, inputs one after the other, so the worker path and the sequential path
 * feed it the same sequence.
 */
export interface SeriesDetector<S = unknown> {
  readonly type: 'series';
  /** Pure: what this detector needs from a record, if anything. */
  sample(record: LogRecord, source: Source): S | undefined;
  /** `source`: where the sample's record is, placed in its input (a worker's is block-relative). */
  add(sample: S, source: Source, out: SeriesOutput): void;
  /** Live runs only: the wall clock moved on (`now`, epoch ms). */
  tick?(now: number, out: SeriesOutput): void;
  /** The input is over (batch) or the tail stops: what is still pending. */
  flush(out: SeriesOutput): void;
  /** Every series as it stands (outputs, metrics). */
  summaries?(): SeriesSummary[];
}

export type Detector = RecordDetector | SeriesDetector;

/**
 * What the `--fast` prefilter may look for in a line's raw bytes: a line with none of these
 * cannot give this detector anything.
 */
export interface Needles {
  /** Fields whose key alone may make a finding. */
  fields: FieldName[];
  /** Event names that make a finding. */
  events: string[];
  /** Fields that make a finding only as a number above `value`. */
  above?: { fields: FieldName[]; value: number };
}

/** One detector: the kinds it can report, how to build it from the config, what the prefilter may look for. */
export interface DetectorModule {
  readonly name: string;
  readonly kinds: readonly KindSpec[];
  create(config: Config, context: DetectorContext): Detector;
  /** Without it the detector always runs; with it, only when the config turns it on. */
  enabled?(config: Config): boolean;
  /** Without it, raw bytes cannot tell which lines matter to this detector: `--fast` then reads every line. */
  needles?(config: Config): Needles;
}
