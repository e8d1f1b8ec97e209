import type { Finding } from '../classify/finding.js';
import { kindSpec } from '../classify/registry.js';
import type { SeriesSummary } from '../classify/trends/summary.js';
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
    ...detailsJson(f),
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

/** A kind's own fields, dates as ISO times like every other time in the contract. */
function detailsJson(f: Finding): Record<string, number | string | null> | undefined {
  const details = f.details;
  if (details === undefined) return undefined;
  const fields = kindSpec(f.kind)?.fields ?? {};
  const out: Record<string, number | string | null> = {};
  for (const [key, value] of Object.entries(details)) out[key] = fields[key] === 'date' && typeof value === 'number' ? iso(value) : value;
  return out;
}

/** A memory series: its verdict and rate, restarts, range, growth windows (its buckets are for the charts and the engine). */
export function seriesJson(s: SeriesSummary) {
  return {
    key: s.key,
    measure: s.measure,
    host: s.host,
    service: s.service,
    pid: s.pid,
    verdict: s.verdict,
    growth_bytes_per_second: s.growth_bytes_per_second,
    samples: s.samples,
    first: iso(s.first),
    last: iso(s.last),
    min_bytes: s.min_bytes,
    max_bytes: s.max_bytes,
    last_bytes: s.last_bytes,
    limit_bytes: s.limit_bytes,
    restarts: s.restarts.map((t) => iso(t)),
    growth: s.growth.map((g) => ({
      start: iso(g.start),
      end: iso(g.end),
      bytes_per_second: g.bytes_per_second,
      restarts: g.restarts,
      projected_limit_at: g.projected_limit_at === null ? null : iso(g.projected_limit_at),
      severity: g.severity,
    })),
  };
}
