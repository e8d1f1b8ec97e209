import type { ScanReport } from '../../correlate/report.js';

/** One memory series (a host, service and process id), downsampled for display. */
export interface MemorySeriesView {
  host: string | null;
  service: string | null;
  pid: string | null;
  /**
   * Buckets in time order, at most a few thousand per series (min / max / last per bucket, so a
   * sawtooth keeps its shape): epoch ms of the bucket start; used bytes; usage percent where the
   * limit is known (else null).
   */
  points: { t: number; usedMin: number; usedMax: number; usedLast: number; usageMax: number | null; limit: number | null }[];
  /** Epoch ms of each restart seen (a sharp drop, or a new process id). */
  restarts: number[];
  /** The series' verdict: is memory growing? (the runbook's verification step) */
  verdict: 'growing' | 'stable' | 'not_enough_data';
  /** Growth rate of the latest segment, bytes per second (null without enough data). */
  growthBytesPerSecond: number | null;
  /** Segments where growth was detected: start and end (epoch ms), rate, and the projected time to the limit. */
  growth: { start: number; end: number; bytesPerSecond: number; projectedLimitAt: number | null }[];
}

/** Everything the HTML evidence report shows. */
export interface HtmlReportData {
  meta: {
    /** The exact command line that produced the report. */
    command: string;
    inputs: string[];
    /** Epoch ms. */
    generatedAt: number;
    version: string;
    /** For a report read back from the engine: which engine, where. */
    origin?: string;
  };
  /** The run's report (stats, coverage, traces with their findings, untraced findings, incidents, errors). */
  report: ScanReport;
  series: MemorySeriesView[];
  thresholds: { warnPercent: number; criticalPercent: number; payloadBytes: number };
}
