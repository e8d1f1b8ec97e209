import type { FindingKind, Severity } from '../../classify/finding.js';
import { KINDS } from '../../classify/registry.js';
import type { TraceSummary } from '../../correlate/traces.js';

/** Trace ids per aggregation request. */
export const TRACES_PER_QUERY = 1000;

/**
 * One aggregation over every indexed finding of the given traces, whatever file, host or run
 * indexed them: the summary stays right when a trace spans several of them.
 */
export function traceSummaryQuery(traceIds: string[]): object {
  return {
    size: 0,
    query: { terms: { 'trace.id': traceIds } },
    aggs: {
      traces: {
        terms: { field: 'trace.id', size: traceIds.length },
        aggs: {
          first: { min: { field: '@timestamp' } },
          last: { max: { field: '@timestamp' } },
          severity: { max: { field: 'event.severity' } },
          memory: {
            filter: { terms: { 'memtrail.kind': KINDS.filter((k) => k.memory).map((k) => k.name) } },
            aggs: { peak: { max: { field: 'memtrail.usage_percent' } } },
          },
          payload: { max: { field: 'memtrail.payload_bytes' } },
          kinds: { terms: { field: 'memtrail.kind', size: KINDS.length } },
          hosts: { terms: { field: 'host.name', size: 100 } },
          files: { terms: { field: 'log.file.path', size: 100 } },
        },
      },
    },
  };
}

interface Bucket {
  key: string;
  doc_count: number;
  first: { value: number | null };
  last: { value: number | null };
  severity: { value: number | null };
  memory: { doc_count: number; peak: { value: number | null } };
  payload: { value: number | null };
  kinds: { buckets: { key: string; doc_count: number }[] };
  hosts: { buckets: { key: string }[] };
  files: { buckets: { key: string }[] };
}

export function summariesFromAggregation(aggregations: Record<string, unknown> | undefined): TraceSummary[] {
  const buckets = ((aggregations?.traces as { buckets?: Bucket[] } | undefined)?.buckets ?? []);
  return buckets.map((b) => {
    const first = b.first.value ?? 0;
    const last = b.last.value ?? first;
    const severity: Severity = (b.severity.value ?? 1) >= 2 ? 'critical' : 'warning';
    const counts: Partial<Record<FindingKind, number>> = {};
    for (const k of b.kinds.buckets) counts[k.key] = k.doc_count;
    return {
      trace_id: b.key,
      first_seen: first,
      last_seen: last,
      duration_ms: last - first,
      severity,
      peak_usage_percent: b.memory.doc_count > 0 ? b.memory.peak.value : null,
      max_payload_bytes: b.payload.value,
      counts,
      hosts: b.hosts.buckets.map((h) => h.key).sort(),
      files: b.files.buckets.map((f) => f.key).sort(),
      findings: [],
      findings_omitted: 0,
    };
  });
}
