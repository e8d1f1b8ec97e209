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
