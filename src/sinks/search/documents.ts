import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SeriesPoint, SeriesSummary } from '../../classify/trends/summary.js';
import { SEVERITY_RANK, type Finding, type FindingKind, type Severity } from '../../classify/finding.js';
import { kindSpec } from '../../classify/registry.js';
import { originOf } from '../../classify/rules.js';
import type { TraceSummary } from '../../correlate/traces.js';
import { RuntimeFailure } from '../../errors.js';

/** A document in a findings index that memtrail did not write. */
export class ForeignDocument extends RuntimeFailure {}

/** A finding as stored: ECS fields where ECS has one, the rest under memtrail.*. */
export interface FindingDocument {
  '@timestamp': string;
  message?: string;
  log: { level?: string; file: { path: string } };
  event: { action?: string; kind: 'alert'; severity: number };
  trace?: { id: string };
  host?: { name: string };
  service?: { name: string };
  container?: { name?: string; id?: string };
  kubernetes?: { pod?: { name: string }; namespace?: string };
  memtrail: {
    finding_id: string;
    stream?: string;
    unit?: string;
    kind: FindingKind;
    severity: Severity;
    /** `record`, or `read` when the record had no time and @timestamp is when memtrail read it. */
    timestamp_source: 'record' | 'read';
    usage_percent?: number;
    memory_used_bytes?: number;
    payload_bytes?: number;
    source: { file: string; line: number; offset: number; record?: number };
    indexed_at: string;
    /** A kind's own fields (its spec's `fields`). */
    [field: string]: unknown;
  };
}

/**
 * Built by assignment, in the order the fields are written: the spread-per-optional-field form this
 * replaced was 8 % of a dense `scan --index` (CPU the engine shares on a small machine).
 */
export function findingDocument(f: Finding, indexedAt: string): FindingDocument {
  const origin = f.origin;
  // Every document needs a time: one whose record had none takes the time memtrail read it.
  const doc: Partial<FindingDocument> = { '@timestamp': f.timestamp === null ? indexedAt : new Date(f.timestamp).toISOString() };
  if (f.message !== null) doc.message = f.message;
  doc.log = f.level !== null ? { level: f.level, file: { path: f.source.file } } : { file: { path: f.source.file } };
  const severity = SEVERITY_RANK[f.severity];
  doc.event = f.event !== null ? { action: f.event, kind: 'alert', severity } : { kind: 'alert', severity };
  if (f.trace_id !== null) doc.trace = { id: f.trace_id };
  if (f.host !== null) doc.host = { name: f.host };
  if (f.service !== null) doc.service = { name: f.service };
  if (origin !== null) {
    if (origin.container !== undefined || origin.container_id !== undefined) {
      const container: NonNullable<FindingDocument['container']> = {};
      if (origin.container !== undefined) container.name = origin.container;
      if (origin.container_id !== undefined) container.id = origin.container_id;
      doc.container = container;
    }
    if (origin.pod !== undefined || origin.namespace !== undefined) {
      const kubernetes: NonNullable<FindingDocument['kubernetes']> = {};
      if (origin.pod !== undefined) kubernetes.pod = { name: origin.pod };
      if (origin.namespace !== undefined) kubernetes.namespace = origin.namespace;
      doc.kubernetes = kubernetes;
    }
  }
  const memtrail: Partial<FindingDocument['memtrail']> = { finding_id: f.id };
  if (origin?.stream !== undefined) memtrail.stream = origin.stream;
  if (origin?.unit !== undefined) memtrail.unit = origin.unit;
  memtrail.kind = f.kind;
  memtrail.severity = f.severity;
  memtrail.timestamp_source = f.timestamp_source === 'record' ? 'record' : 'read';
  if (f.usage_percent !== null) memtrail.usage_percent = f.usage_percent;
  if (f.memory_used_bytes !== null) memtrail.memory_used_bytes = f.memory_used_bytes;
  if (f.payload_bytes !== null) memtrail.payload_bytes = f.payload_bytes;
  if (f.details !== undefined) Object.assign(memtrail, f.details);
  memtrail.source = f.source;
  memtrail.indexed_at = indexedAt;
  doc.memtrail = memtrail as FindingDocument['memtrail'];
  return doc as FindingDocument;
}

const storedFinding = z.object({
  '@timestamp': z.iso.datetime({ offset: true }),
  message: z.string().optional(),
  log: z.object({ level: z.string().optional() }).optional(),
  event: z.object({ action: z.string().optional() }).optional(),
  trace: z.object({ id: z.string() }).optional(),
  host: z.object({ name: z.string() }).optional(),
  service: z.object({ name: z.string() }).optional(),
  container: z.object({ name: z.string().optional(), id: z.string().optional() }).optional(),
  kubernetes: z.object({ pod: z.object({ name: z.string() }).optional(), namespace: z.string().optional() }).optional(),
  memtrail: z.looseObject({
    stream: z.string().optional(),
    unit: z.string().optional(),
    finding_id: z.string(),
    kind: z.string(),
    severity: z.enum(['warning', 'critical']),
    timestamp_source: z.enum(['record', 'read']).optional(),
    usage_percent: z.number().optional(),
    memory_used_bytes: z.number().optional(),
    payload_bytes: z.number().optional(),
    source: z.object({ file: z.string(), line: z.number(), offset: z.number(), record: z.number().optional() }),
  }),
});

/**
 * Back from a stored document to a finding, for timelines read from the engine. The document is
 * checked first: an index another tool wrote into gives a clear error, not a crash.
 */
export function findingFromDocument(raw: unknown, id: string): Finding {
  const parsed = storedFinding.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ForeignDocument(`document ${id} is not a memtrail finding (${issue.path.join('.') || 'document'}: ${issue.message})`);
  }
  const doc = parsed.data;
  const m = doc.memtrail;
  const own = Object.keys(kindSpec(m.kind)?.fields ?? {}).filter((field) => field in m);
  const details = Object.fromEntries(own.map((field) => [field, m[field] as number | string | null]));
  return {
    id: m.finding_id,
    trace_id: doc.trace?.id ?? null,
    timestamp: Date.parse(doc['@timestamp']),
    timestamp_source: m.timestamp_source ?? 'record',
    kind: m.kind,
    severity: m.severity,
    event: doc.event?.action ?? null,
    message: doc.message ?? null,
    level: doc.log?.level ?? null,
    host: doc.host?.name ?? null,
    service: doc.service?.name ?? null,
    usage_percent: m.usage_percent ?? null,
    memory_used_bytes: m.memory_used_bytes ?? null,
    payload_bytes: m.payload_bytes ?? null,
    origin: originOf({
      timestamp: null,
      stream: m.stream,
      unit: m.unit,
      container: doc.container?.name,
      container_id: doc.container?.id,
      pod: doc.kubernetes?.pod?.name,
      namespace: doc.kubernetes?.namespace,
    }),
    ...(own.length > 0 ? { details } : {}),
    source: m.source,
  };
}

export function traceDocument(t: TraceSummary, updatedAt: string) {
  const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());
  return {
    '@timestamp': iso(t.first_seen) ?? updatedAt,
    trace: { id: t.trace_id },
    ...(t.hosts.length > 0 ? { host: { name: t.hosts } } : {}),
    event: { severity: SEVERITY_RANK[t.severity] },
    memtrail: {
      first_seen: iso(t.first_seen),
      last_seen: iso(t.last_seen),
      duration_ms: t.duration_ms ?? undefined,
      severity: t.severity,
      ...(t.peak_usage_percent !== null ? { peak_usage_percent: t.peak_usage_percent } : {}),
      ...(t.max_payload_bytes !== null ? { max_payload_bytes: t.max_payload_bytes } : {}),
      findings: Object.values(t.counts).reduce<number>((a, b) => a + (b ?? 0), 0),
      counts: t.counts,
      files: t.files,
      updated_at: updatedAt,
    },
  };
}

/** A memory series' bucket as stored; its id is the series and the bucket's start, so a re-run or a later bucket update replaces it. */
export function memoryDocument(series: Omit<SeriesSummary, 'points'>, point: SeriesPoint, updatedAt: string) {
  return {
    '@timestamp': new Date(point.t).toISOString(),
    ...(series.host !== null ? { host: { name: series.host } } : {}),
    ...(series.service !== null ? { service: { name: series.service } } : {}),
    memtrail: {
      series: series.key,
      ...(series.pid !== null ? { pid: series.pid } : {}),
      bucket_seconds: point.width / 1000,
      samples: point.samples,
      memory: {
        used_min_bytes: point.min,
        used_max_bytes: point.max,
        used_last_bytes: point.last,
        ...(point.limit !== null ? { limit_bytes: point.limit, usage_max_percent: (point.max / point.limit) * 100 } : {}),
        ...(point.swap !== null ? { swap_used_bytes: point.swap } : {}),
      },
      verdict: series.verdict,
      ...(series.growth_bytes_per_second !== null ? { growth_bytes_per_second: series.growth_bytes_per_second } : {}),
      updated_at: updatedAt,
    },
  };
}

export function memoryDocumentId(series: Pick<SeriesSummary, 'key'>, point: Pick<SeriesPoint, 't'>): string {
  return createHash('sha256').update(`${series.key}\n${point.t}`).digest('hex').slice(0, 32);
}
