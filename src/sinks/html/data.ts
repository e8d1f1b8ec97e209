import type { Severity } from '../../classify/finding.js';
import type { ScanReport } from '../../correlate/report.js';
import type { Headline, Thresholds } from '../view.js';

/** One memory (or swap) series: a host, service and process lane, downsampled for display. */
export interface MemorySeriesView {
  host: string | null;
  service: string | null;
  pid: string | null;
  /** Memory used, or swap used (no limit: charted in bytes). */
  measure: 'memory' | 'swap';
  /**
   * Buckets in time order, at most a few thousand per series (min / max / last per bucket, so a
   * sawtooth keeps its shape): epoch ms of the bucket (its middle); used bytes; usage percent
   * where the limit is known (else null).
   */
  points: { t: number; usedMin: number; usedMax: number; usedLast: number; usageMax: number | null; limit: number | null }[];
  /** Epoch ms of each restart seen (a sharp drop, or a new process id). */
  restarts: number[];
  /** The series' verdict: is memory growing? (the runbook's verification step) */
  verdict: 'growing' | 'stable' | 'not_enough_data';
  /** Growth rate of the latest segment, bytes per second (null without enough data). */
  growthBytesPerSecond: number | null;
  /** Segments where growth was detected: start and end (epoch ms), rate, the projected time to the limit, how bad. */
  growth: { start: number; end: number; bytesPerSecond: number; projectedLimitAt: number | null; severity: Severity; restarts: number }[];
  /** The memory limit last seen, null when the records never say. */
  limitBytes: number | null;
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
    /** `--severity`: the traces, timelines, incidents and charts show findings at or above it only. */
    severity?: Severity;
  };
  /** The run's report (stats, coverage, traces with their findings, untraced findings, incidents, errors), as listed. */
  report: ScanReport;
  /** The headline's numbers when they are the whole run's and `report` is filtered (--severity); else taken from `report`. */
  headline?: Headline;
  series: MemorySeriesView[];
  thresholds: Thresholds;
}
