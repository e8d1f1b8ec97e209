import type { Severity } from './finding.js';

/** How a measure is shown: the text column, the report, the charts. */
export type MeasureUnit = 'percent' | 'bytes' | 'bytes_per_second';

/** Index mapping types a kind's own fields may use. */
export type FieldType = 'long' | 'double' | 'date' | 'keyword';

/**
 * What the rest of the pipeline knows about a finding kind: counts, text columns, JSON and the
 * index template are derived from these, so a kind added to the registry is counted, shown and
 * indexed without touching them.
 */
export interface KindSpec {
  readonly name: string;
  /** One line for people (README, legends). */
  readonly description: string;
  readonly severities: readonly Severity[];
  /** The finding field the text column shows: a common one, or one of `fields`. */
  readonly measure: string;
  readonly unit: MeasureUnit;
  /** A memory finding: its usage counts toward a trace's and an incident's peak usage. */
  readonly memory: boolean;
  /** `series`: found over many records of one series (a trend), not in one record; no line stands behind it alone. */
  readonly basis?: 'record' | 'series';
  /** Fields only this kind carries (Finding.details), with their index mapping types. */
  readonly fields: Readonly<Record<string, FieldType>>;
}
