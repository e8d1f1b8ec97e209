import { SEVERITY_RANK, type Finding, type Severity } from '../classify/finding.js';
import { isMemoryKind } from '../classify/registry.js';

export interface Incident {
  start: number;
  end: number;
  findings: number;
  traces: number;
  severity: Severity;
  peak_usage_percent: number | null;
}

/** The few facts of a finding that incidents need, kept compactly for every finding of a run. */
export interface IncidentPoint {
  timestamp: number;
  severity: Severity;
  usage: number | null;
  trace: string | null;
}

export function pointOf(finding: Finding, timestamp: number): IncidentPoint {
  return {
    timestamp,
    severity: finding.severity,
    usage: isMemoryKind(finding.kind) ? finding.usage_percent : null,
    trace: finding.trace_id,
  };
}

/**
 * Incidents: runs of findings (any trace) whose consecutive timestamps are at most `gapMs` apart.
 * Pure; the points may come in any order.
 */
export function incidentsOf(points: readonly IncidentPoint[], gapMs: number): Incident[] {
  const sorted = [...points].sort((a, b) => a.timestamp - b.timestamp);
  const incidents: Incident[] = [];
  let open: IncidentBuilder | undefined;
  for (const point of sorted) {
    if (open === undefined || point.timestamp - open.end > gapMs) {
      if (open) incidents.push(open.build());
      open = new IncidentBuilder(point);
    } else {
      open.add(point);
    }
  }
  if (open) incidents.push(open.build());
  return incidents;
}

/** An incident being grown one finding at a time (also used by live tails). */
export class IncidentBuilder {
  start: number;
  end: number;
  private count = 0;
  private readonly traces = new Set<string>();
  private severity: Severity = 'warning';
  private peak: number | null = null;

  constructor(first: IncidentPoint) {
    this.start = first.timestamp;
    this.end = first.timestamp;
    this.add(first);
  }

  add(point: IncidentPoint): void {
    this.count++;
    this.start = Math.min(this.start, point.timestamp);
    this.end = Math.max(this.end, point.timestamp);
    if (point.trace !== null) this.traces.add(point.trace);
    if (SEVERITY_RANK[point.severity] > SEVERITY_RANK[this.severity]) this.severity = point.severity;
    if (point.usage !== null) this.peak = Math.max(this.peak ?? -Infinity, point.usage);
  }

  /** Takes in another run's points (two runs a point bridged). */
  merge(other: IncidentBuilder): void {
    this.count += other.count;
    this.start = Math.min(this.start, other.start);
    this.end = Math.max(this.end, other.end);
    for (const trace of other.traces) this.traces.add(trace);
    if (SEVERITY_RANK[other.severity] > SEVERITY_RANK[this.severity]) this.severity = other.severity;
    if (other.peak !== null) this.peak = Math.max(this.peak ?? -Infinity, other.peak);
  }

  build(): Incident {
    return {
      start: this.start,
      end: this.end,
      findings: this.count,
      traces: this.traces.size,
      severity: this.severity,
      peak_usage_percent: this.peak,
    };
  }
}

/**
 * Incidents as the points arrive, in any order, in memory that grows with the number of
 * incidents (not of findings): runs of points kept sorted by start, each more than the gap from
 * the next. A point joins the run it falls within the gap of (merging two runs it bridges), or
 * starts one. The same partition as incidentsOf on all the points at once.
 */
export class IncidentTracker {
  private runs: IncidentBuilder[] = [];

  constructor(private readonly gapMs: number) {}

  add(point: IncidentPoint): void {
    const t = point.timestamp;
    const gap = this.gapMs;
    // The first run that does not end more than the gap before the point (time-ordered input: the last).
    let lo = 0;
    let hi = this.runs.length;
    if (hi > 0 && this.runs[hi - 1]!.end + gap >= t) lo = hi - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.runs[mid]!.end + gap < t) lo = mid + 1;
      else hi = mid;
    }
    const run = this.runs[lo];
    if (run === undefined || run.start - gap > t) {
      this.runs.splice(lo, 0, new IncidentBuilder(point));
      return;
    }
    run.add(point);
    let i = lo;
    while (i + 1 < this.runs.length && this.runs[i + 1]!.start - this.runs[i]!.end <= gap) {
      this.runs[i]!.merge(this.runs[i + 1]!);
      this.runs.splice(i + 1, 1);
    }
    while (i > 0 && this.runs[i]!.start - this.runs[i - 1]!.end <= gap) {
      this.runs[i - 1]!.merge(this.runs[i]!);
      this.runs.splice(i, 1);
      i--;
    }
  }

  incidents(): Incident[] {
    return this.runs.map((run) => run.build());
  }
}
