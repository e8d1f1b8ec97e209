import { SEVERITY_RANK, type Finding, type Severity } from '../classify/finding.js';
import { kindSpec } from '../classify/registry.js';
import type { ScanReport } from '../correlate/report.js';
import type { TraceSummary } from '../correlate/traces.js';
import type { OutputOptions } from './sink.js';

/**
 * What the outputs for people (the text report, the HTML report) show of a run's report, decided
 * in one place: the headline's numbers, the order traces are ranked in, the `--severity` view and
 * why a finding fired. Pure: no formatting here.
 */

/** The thresholds the run classified with (findings do not carry them). */
export interface Thresholds {
  warnPercent: number;
  criticalPercent: number;
  payloadBytes: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warnPercent: 80, criticalPercent: 90, payloadBytes: 1048576 };

/**
 * What the outputs for people also need from the run, beyond OutputOptions: the thresholds (to say
 * why a finding fired), the inputs as given and the incident gap (to say what an incident is).
 */
export interface ViewOptions {
  thresholds?: Thresholds;
  inputs?: string[];
  incidentGapMs?: number;
}

export type ReportOptions = OutputOptions & ViewOptions;

export interface Headline {
  worst: Severity | null;
  bySeverity: Record<Severity, number>;
  /** A kind with several severities had findings past the budget: their severity is not known. */
  bySeverityAtLeast: boolean;
  /** Traces with findings, those past the trace budget included. */
  traces: number;
  hosts: string[];
  /** First and last finding (or incident bound), epoch ms. */
  from: number | null;
  to: number | null;
  peakUsage: number | null;
  maxPayload: number | null;
}

export function* allFindings(report: Pick<ScanReport, 'traces' | 'untraced'>): Generator<Finding> {
  for (const trace of report.traces) yield* trace.findings;
  yield* report.untraced;
}

function maxOf(values: Iterable<number | null>): number | null {
  let max: number | null = null;
  for (const v of values) if (v !== null && (max === null || v > max)) max = v;
  return max;
}

/** The first screen's numbers. Counts come from the stats (every finding, kept or not). */
export function headlineOf(report: ScanReport): Headline {
  const bySeverity: Record<Severity, number> = { warning: 0, critical: 0 };
  const kept: Record<string, Record<Severity, number>> = {};
  for (const f of allFindings(report)) {
    const k = (kept[f.kind] ??= { warning: 0, critical: 0 });
    k[f.severity]++;
  }
  let bySeverityAtLeast = false;
  for (const [name, total] of Object.entries(report.stats.findings)) {
    const severities = kindSpec(name)?.severities ?? [];
    const only = severities.length === 1 ? severities[0] : undefined;
    if (only !== undefined) {
      bySeverity[only] += total;
      continue;
    }
    const k = kept[name] ?? { warning: 0, critical: 0 };
    bySeverity.warning += k.warning;
    bySeverity.critical += k.critical;
    if (k.warning + k.critical < total) bySeverityAtLeast = true;
  }
  const hosts = new Set<string>();
  for (const t of report.traces) for (const h of t.hosts) hosts.add(h);
  for (const f of report.untraced) if (f.host !== null) hosts.add(f.host);
  const times = [
    ...report.traces.flatMap((t) => [t.first_seen, t.last_seen]),
    ...report.untraced.map((f) => f.timestamp),
    ...report.incidents.flatMap((i) => [i.start, i.end]),
  ].filter((t): t is number => t !== null);
  const worst = bySeverity.critical > 0 ? 'critical' : bySeverity.warning > 0 ? 'warning' : null;
  return {
    worst,
    bySeverity,
    bySeverityAtLeast,
    traces: report.traces.length + report.tracesOmitted,
    hosts: [...hosts].sort(),
    from: times.length ? times.reduce((a, b) => Math.min(a, b)) : null,
    to: times.length ? times.reduce((a, b) => Math.max(a, b)) : null,
    peakUsage: maxOf([...report.traces.map((t) => t.peak_usage_percent), ...report.untraced.map((f) => (kindSpec(f.kind)?.memory ? f.usage_percent : null))]),
    maxPayload: maxOf([...report.traces.map((t) => t.max_payload_bytes), ...report.untraced.map((f) => f.payload_bytes)]),
  };
}

/** Most important first: severity, then peak usage, then payload size; earliest first on ties. */
export function rankTraces(traces: readonly TraceSummary[]): TraceSummary[] {
  return [...traces].sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      (b.peak_usage_percent ?? -1) - (a.peak_usage_percent ?? -1) ||
      (b.max_payload_bytes ?? -1) - (a.max_payload_bytes ?? -1) ||
      (a.first_seen ?? Infinity) - (b.first_seen ?? Infinity) ||
      (a.trace_id < b.trace_id ? -1 : a.trace_id > b.trace_id ? 1 : 0),
  );
}

export const atLeast = (severity: Severity, floor: Severity | undefined) => floor === undefined || SEVERITY_RANK[severity] >= SEVERITY_RANK[floor];

/**
 * `--severity`: the report as the outputs for people show it. Traces, untraced findings and
 * incidents below the floor are left out, and so are the findings below it within a trace (its
 * summary line, counts and peaks stay the whole trace's). The stats stay the run's: the headline
 * still tells the whole truth.
 */
export function filterBySeverity(report: ScanReport, floor: Severity | undefined): ScanReport {
  if (floor === undefined) return report;
  const keep = (f: Finding) => atLeast(f.severity, floor);
  return {
    ...report,
    traces: report.traces.filter((t) => atLeast(t.severity, floor)).map((t) => ({ ...t, findings: t.findings.filter(keep) })),
    untraced: report.untraced.filter(keep),
    incidents: report.incidents.filter((i) => atLeast(i.severity, floor)),
  };
}

/**
 * Whether a memory finding fired because of its record's event rather than its usage: usage
 * unknown, or not above its severity's threshold (a `system.high_memory` at 71 %, say). Unknown
 * without the run's thresholds.
 */
export function decidedByEvent(finding: Finding, thresholds: Thresholds | undefined): boolean {
  if (thresholds === undefined || finding.event === null) return false;
  const spec = kindSpec(finding.kind);
  if (spec === undefined || !spec.memory || spec.measure !== 'usage_percent' || spec.basis === 'series') return false;
  const threshold = finding.severity === 'critical' ? thresholds.criticalPercent : thresholds.warnPercent;
  return finding.usage_percent === null || finding.usage_percent <= threshold;
}

/** The findings without a trace id as one more "trace", ranked and shown like the others. */
export function untracedSummary(report: ScanReport, label = '(no trace id)'): TraceSummary | undefined {
  const findings = report.untraced;
  if (findings.length === 0) return undefined;
  const timed = findings.map((f) => f.timestamp).filter((t): t is number => t !== null);
  const first = timed.length > 0 ? timed.reduce((a, b) => Math.min(a, b)) : null;
  const last = timed.length > 0 ? timed.reduce((a, b) => Math.max(a, b)) : null;
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  return {
    trace_id: label,
    first_seen: first,
    last_seen: last,
    duration_ms: first === null || last === null ? null : last - first,
    severity: findings.some((f) => f.severity === 'critical') ? 'critical' : 'warning',
    peak_usage_percent: maxOf(findings.map((f) => (kindSpec(f.kind)?.memory ? f.usage_percent : null))),
    max_payload_bytes: maxOf(findings.map((f) => f.payload_bytes)),
    counts,
    hosts: [...new Set(findings.map((f) => f.host).filter((h): h is string => h !== null))].sort(),
    files: [...new Set(findings.map((f) => f.source.file))].sort(),
    findings,
    findings_omitted: report.untracedOmitted,
  };
}
