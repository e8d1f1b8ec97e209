import type { Config } from '../config.js';
import type { FieldName } from '../parse/mapping.js';
import type { LogRecord } from '../parse/record.js';
import type { Source } from '../parse/source.js';
import type { Finding } from './finding.js';
import type { KindSpec } from './kind.js';

export type Emit = (finding: Finding) => void;

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
  add(sample: S, emit: Emit): void;
  /** Live runs only: the wall clock moved on (`now`, epoch ms). */
  tick?(now: number, emit: Emit): void;
  /** The input is over (batch) or the tail stops: what is still pending. */
  flush(emit: Emit): void;
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
  create(config: Config): Detector;
  /** Without it, raw bytes cannot tell which lines matter to this detector: `--fast` then reads every line. */
  needles?(config: Config): Needles;
}
