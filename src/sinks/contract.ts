import type { Finding } from '../classify/finding.js';
import type { Incident } from '../correlate/incidents.js';
import type { TraceSummary } from '../correlate/traces.js';

/** The JSON contract's shapes (docs/ARCHITECTURE.md): keys are a public interface, added to, never renamed. */
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A finding as the JSON contract spells it (docs/ARCHITECTURE.md). */
export function findingJson(f: Finding) {
  return {
    id: f.id,
    trace_id: f.trace_id,
    timestamp: iso(f.timestamp),
    timestamp_source: f.timestamp_source,
    kind: f.kind,
    severity: f.severity,
    event: f.event,
    message: f.message,
    level: f.level,
    host: f.host,
    service: f.service,
    usage_percent: f.usage_percent,
    memory_used_bytes: f.memory_used_bytes,
    payload_bytes: f.payload_bytes,
    origin: f.origin,
    ...f.details,
    source: { file: f.source.file, line: f.source.line, offset: f.source.offset, ...(f.source.record !== undefined ? { record: f.source.record } : {}) },
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
