import type { MeasureUnit } from '../../classify/kind.js';

/**
 * The JSON the page script reads (embedded once, in `#memtrail-data`): what the charts and the
 * trace timelines need, compact. Findings are tuples and their repeated strings (events,
 * messages, hosts, files) are stored once in `strings`, so 20,000 findings stay about 2 MB.
 * Everything else (headline, tables, captions) is rendered on the server, escaped.
 */
export interface ReportView {
  kinds: ViewKind[];
  thresholds: { warnPercent: number; criticalPercent: number; payloadBytes: number };
  /** The memory charts, in the order of their figures (`data-chart` is the index). */
  charts: MemoryChart[];
  findings: FindingRow[];
  /** The listed traces, ranked; their findings are `findings[from, to)`. */
  traces: ViewTrace[];
  /** Findings without a trace id. */
  untraced: { from: number; to: number };
  strings: string[];
}

/** Where a kind's findings are drawn: memory charts (usage), the payload chart, or as events on memory charts. */
export type KindRole = 'memory' | 'payload' | 'event';

export interface ViewKind {
  name: string;
  description: string;
  unit: MeasureUnit;
  role: KindRole;
}

/** 0: warning, 1: critical. */
export type SeverityCode = 0 | 1;

/** Row `trace` values besides an index into `traces`. */
export const NO_TRACE = -1;
export const TRACE_NOT_LISTED = -2;

/** One finding. String fields are indexes into `strings`, -1 for none. */
export type FindingRow = [
  t: number | null,
  severity: SeverityCode,
  kind: number,
  trace: number,
  /** The memory chart it is drawn on, -1 for none. */
  chart: number,
  usage: number | null,
  usedBytes: number | null,
  payloadBytes: number | null,
  /** As text output shows it (measureText). */
  measure: string,
  event: number,
  message: number,
  host: number,
  file: number,
  line: number,
];

export interface ViewTrace {
  id: string;
  from: number;
  to: number;
}

/** A memory series: min and max per bucket, in percent of the limit or in bytes. */
export interface SeriesChart {
  type: 'series';
  mode: ChartMode;
  t: number[];
  lo: (number | null)[];
  hi: (number | null)[];
  restarts: number[];
  /** Growth segments: start, end (epoch ms). */
  growth: [number, number][];
}

/** The memory findings' own values over time: no series, or findings outside the charted ones. */
export interface FindingsChart {
  type: 'findings';
  mode: ChartMode;
}

export type ChartMode = 'percent' | 'bytes';
export type MemoryChart = SeriesChart | FindingsChart;
