/** Is a series' memory growing? (the runbook's verification step: "memory should not be growing") */
export type Verdict = 'growing' | 'stable' | 'not_enough_data';

/** What a series measures. */
export type SeriesMeasure = 'memory_used_bytes' | 'swap_used_bytes';

/** One time bucket of a series, as outputs show and index it. */
export interface SeriesPoint {
  /** Bucket start, epoch ms. */
  t: number;
  /** Bucket width, ms (one minute, wider for a long series: the state per series is bounded). */
  width: number;
  samples: number;
  min: number;
  max: number;
  last: number;
  /** The memory limit last seen in the bucket; null when the records never say. */
  limit: number | null;
  /** Swap used, last seen in the bucket (memory series only); null when the records never say. */
  swap: number | null;
}

/** A run of sustained growth in a series (each one is also a growth finding). */
export interface GrowthWindow {
  start: number;
  end: number;
  bytes_per_second: number;
  restarts: number;
  projected_limit_at: number | null;
  severity: 'warning' | 'critical';
}

/** One series (a host and service's process), as a run ends or a live tail is asked. */
export interface SeriesSummary {
  /** Stable across runs: host, service and process lane. */
  key: string;
  measure: SeriesMeasure;
  host: string | null;
  service: string | null;
  /** The latest process id seen, when the records carry one. */
  pid: string | null;
  verdict: Verdict;
  /** The latest measured rate (bytes per second), null without enough data. */
  growth_bytes_per_second: number | null;
  samples: number;
  /** First and last sample, epoch ms. */
  first: number;
  last: number;
  min_bytes: number;
  max_bytes: number;
  last_bytes: number;
  limit_bytes: number | null;
  /** Epoch ms of each restart (a sharp drop, or a new process id). */
  restarts: number[];
  growth: GrowthWindow[];
  /** The buckets in time order (at most MAX_BUCKETS). */
  points: SeriesPoint[];
}

/** Buckets of memory series, each with its series' identity: closed ones (live), or all of them as a run ends (batch). */
export type SeriesPointBatch = { series: Omit<SeriesSummary, 'points'>; points: SeriesPoint[] }[];
