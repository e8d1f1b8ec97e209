import { SEVERITY_RANK, type Finding, type FindingKind, type Severity } from '../classify/finding.js';
import { emptyCounts } from '../classify/registry.js';
import { IncidentTracker, pointOf, type Incident } from './incidents.js';
import { byTime, TraceBook, type TraceSummary } from './traces.js';

export interface CollectorOptions {
  /** Findings kept per trace (counts and peaks stay exact beyond it). */
  maxFindingsPerTrace: number;
  /** Findings kept in all for the report (0: aggregates only, when the output does not list findings). */
  maxFindings: number;
  /** Traces summarised; beyond it the least severe are left out of the report (and counted). */
  maxTraces: number;
  incidentGapMs: number;
}

export interface CollectedResult {
  traces: TraceSummary[];
  untraced: Finding[];
  /** Findings without a trace id counted but not listed (past the findings budget). */
  untracedOmitted: number;
  /** Traces left out of the report (past the trace budget), the least severe first. */
  tracesOmitted: number;
  incidents: Incident[];
}

/**
 * Everything correlation keeps about a run's findings: counts, trace summaries, the findings
 * without a trace id, and incidents. Memory is bounded whatever the input: findings are kept up
 * to a budget (past it only counted: `findings_omitted`), traces up to a budget (past it the least
 * severe are dropped and counted), incidents as merged runs.
 */
export class FindingCollector {
  readonly counts: Record<FindingKind, number> = emptyCounts();
  total = 0;
  worstSeverity: Severity | undefined;
  private readonly book: TraceBook;
  private readonly incidents: IncidentTracker;
  private readonly untraced: Finding[] = [];
  private untracedOmitted = 0;
  private tracesOmitted = 0;
  private kept = 0;

  constructor(private readonly options: CollectorOptions) {
    this.book = new TraceBook({ maxFindingsPerTrace: options.maxFindingsPerTrace });
    this.incidents = new IncidentTracker(options.incidentGapMs);
  }

  add(finding: Finding): void {
    this.counts[finding.kind] = (this.counts[finding.kind] ?? 0) + 1;
    this.total++;
    if (this.worstSeverity === undefined || SEVERITY_RANK[finding.severity] > SEVERITY_RANK[this.worstSeverity]) {
      this.worstSeverity = finding.severity;
    }
    // A finding without a time has no place in an incident.
    if (finding.timestamp !== null) this.incidents.add(pointOf(finding, finding.timestamp));
    const keep = this.kept < this.options.maxFindings;
    if (finding.trace_id === null) {
      if (keep) this.untraced.push(finding);
      else this.untracedOmitted++;
    } else {
      this.book.add(finding, keep);
      if (this.book.size > this.options.maxTraces) this.tracesOmitted += this.book.prune(Math.floor(this.options.maxTraces * 0.9));
    }
    if (keep) this.kept++;
  }

  /** True when a finding at or above `severity` was seen (for --fail-on). */
  reached(severity: Severity): boolean {
    return this.worstSeverity !== undefined && SEVERITY_RANK[this.worstSeverity] >= SEVERITY_RANK[severity];
  }

  result(): CollectedResult {
    return {
      traces: this.book.summaries(),
      untraced: [...this.untraced].sort(byTime),
      untracedOmitted: this.untracedOmitted,
      tracesOmitted: this.tracesOmitted,
      incidents: this.incidents.incidents(),
    };
  }
}
