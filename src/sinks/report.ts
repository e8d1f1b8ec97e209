import type { Finding, FindingKind } from '../classify/finding.js';
import type { Incident } from '../correlate/incidents.js';
import type { TraceSummary } from '../correlate/traces.js';
import type { IndexResult } from './search/search-sink.js';

export interface ScanStats {
  files: number;
  bytes: number;
  lines: number;
  records: number;
  malformed: number;
  invalid: number;
  /** Lines the --fast path did not parse (0 on the exact path). */
  skipped: number;
  findings: Record<FindingKind, number>;
}

export interface ReportedError {
  file: string;
  line: number;
  kind: 'malformed' | 'invalid' | 'input';
  reason: string;
}

/** Everything a finished scan hands to its output sink. */
export interface ScanReport {
  stats: ScanStats;
  traces: TraceSummary[];
  /** Findings whose record carried no trace id. */
  untraced: Finding[];
  incidents: Incident[];
  /** A bounded sample; `errors_total` counts all of them. */
  errors: ReportedError[];
  errors_total: number;
  /** With --index: what the search engine took. */
  index?: IndexResult;
  /** Where the findings came from when not from inputs read by this run (timeline). */
  origin?: string;
}

export function emptyStats(): ScanStats {
  return {
    files: 0,
    bytes: 0,
    lines: 0,
    records: 0,
    malformed: 0,
    invalid: 0,
    skipped: 0,
    findings: { memory_warning: 0, memory_critical: 0, oversized_payload: 0 },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A finding as DESIGN.md's JSON contract spells it. */
export function findingJson(f: Finding) {
  return {
    id: f.id,
    trace_id: f.trace_id,
    timestamp: iso(f.timestamp),
    kind: f.kind,
    severity: f.severity,
    event: f.event,
    message: f.message,
    level: f.level,
    host: f.host,
    usage_percent: f.usage_percent,
    memory_used_bytes: f.memory_used_bytes,
    payload_bytes: f.payload_bytes,
    source: { file: f.source.file, line: f.source.line, offset: f.source.offset },
  };
}

export function traceJson(t: TraceSummary, withFindings = true) {
  return {
    trace_id: t.trace_id,
    first_seen: iso(t.first_seen),
    last_seen: iso(t.last_seen),
    duration_ms: t.duration_ms,
    severity: t.severity,
    peak_usage_percent: t.peak_usage_percent,
    max_payload_bytes: t.max_payload_bytes,
    counts: t.counts,
    hosts: t.hosts,
    files: t.files,
    ...(withFindings ? { findings: t.findings.map(findingJson) } : {}),
    findings_omitted: t.findings_omitted,
  };
}

export function incidentJson(i: Incident) {
  return {
    start: iso(i.start),
    end: iso(i.end),
    duration_ms: i.end - i.start,
    findings: i.findings,
    traces: i.traces,
    severity: i.severity,
    peak_usage_percent: i.peak_usage_percent,
  };
}
