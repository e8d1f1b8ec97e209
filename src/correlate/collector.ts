import { SEVERITY_RANK, type Finding, type FindingKind, type Severity } from '../classify/finding.js';
import { emptyCounts } from '../classify/registry.js';
import { incidentsOf, pointOf, type Incident, type IncidentPoint } from './incidents.js';
import { byTime, TraceBook, type TraceSummary } from './traces.js';

/**
 * Everything correlation keeps about a run's findings: counts, trace summaries, the findings
 * without a trace id, and compact points for incidents. Grows with findings, never with lines.
 */
export class FindingCollector {
  readonly counts: Record<FindingKind, number> = emptyCounts();
  total = 0;
  worstSeverity: Severity | undefined;
  private readonly book: TraceBook;
  private readonly points: IncidentPoint[] = [];
  private readonly untraced: Finding[] = [];

  constructor(maxFindingsPerTrace: number) {
    this.book = new TraceBook({ maxFindingsPerTrace });
  }

  add(finding: Finding): void {
    this.counts[finding.kind] = (this.counts[finding.kind] ?? 0) + 1;
    this.total++;
    if (this.worstSeverity === undefined || SEVERITY_RANK[finding.severity] > SEVERITY_RANK[this.worstSeverity]) {
      this.worstSeverity = finding.severity;
    }
    // A finding without a time has no place in an incident.
    if (finding.timestamp !== null) this.points.push(pointOf(finding, finding.timestamp));
    if (finding.trace_id === null) this.untraced.push(finding);
    else this.book.add(finding);
  }

  /** True when a finding at or above `severity` was seen (for --fail-on). */
  reached(severity: Severity): boolean {
    return this.worstSeverity !== undefined && SEVERITY_RANK[this.worstSeverity] >= SEVERITY_RANK[severity];
  }

  result(incidentGapMs: number): { traces: TraceSummary[]; untraced: Finding[]; incidents: Incident[] } {
    return {
      traces: this.book.summaries(),
      untraced: [...this.untraced].sort(byTime),
      incidents: incidentsOf(this.points, incidentGapMs),
    };
  }
}
