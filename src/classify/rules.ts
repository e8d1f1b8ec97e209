import { createHash } from 'node:crypto';
import type { LogRecord } from '../parse/record.js';
import type { Finding, FindingKind, Severity, Source } from './finding.js';

export interface Rules {
  warnPercent: number;
  criticalPercent: number;
  payloadBytes: number;
  criticalEvents: ReadonlySet<string>;
  warningEvents: ReadonlySet<string>;
}

/** usage = memory_usage_percent, else used / limit × 100 (DESIGN.md). */
export function usageOf(record: LogRecord): number | undefined {
  if (record.usage_percent !== undefined) return record.usage_percent;
  if (record.used_bytes !== undefined && record.limit_bytes !== undefined && record.limit_bytes > 0) {
    return (record.used_bytes / record.limit_bytes) * 100;
  }
  return undefined;
}

/** The memory finding kind a record earns, if any. Thresholds are strict "exceeds" comparisons. */
export function memoryKind(record: LogRecord, usage: number | undefined, rules: Rules): FindingKind | undefined {
  const event = record.event;
  if ((event !== undefined && rules.criticalEvents.has(event)) || (usage !== undefined && usage > rules.criticalPercent)) {
    return 'memory_critical';
  }
  if ((event !== undefined && rules.warningEvents.has(event)) || (usage !== undefined && usage > rules.warnPercent)) {
    return 'memory_warning';
  }
  return undefined;
}

/** The largest request or response size that exceeds the payload threshold, if any. */
export function oversizedPayload(record: LogRecord, rules: Rules): number | undefined {
  let largest: number | undefined;
  for (const size of [record.request_bytes, record.response_bytes]) {
    if (size !== undefined && size > rules.payloadBytes && (largest === undefined || size > largest)) largest = size;
  }
  return largest;
}

/**
 * A record's findings: at most one memory finding and at most one payload finding.
 * `recordBytes` is the record's text; the finding id hashes it with the kind, so the same line
 * read again (a re-run, a rotated copy) always gets the same id.
 */
export function classify(record: LogRecord, recordBytes: string, source: Source, rules: Rules): Finding[] {
  const usage = usageOf(record);
  const memory = memoryKind(record, usage, rules);
  const payload = oversizedPayload(record, rules);
  if (memory === undefined && payload === undefined) return [];
  const findings: Finding[] = [];
  if (memory !== undefined) {
    findings.push(makeFinding(record, recordBytes, source, memory, memory === 'memory_critical' ? 'critical' : 'warning', usage, null));
  }
  if (payload !== undefined) {
    findings.push(makeFinding(record, recordBytes, source, 'oversized_payload', 'warning', usage, payload));
  }
  return findings;
}

export function findingId(recordBytes: string, kind: FindingKind): string {
  return createHash('sha256').update(kind).update('\n').update(recordBytes).digest('hex').slice(0, 32);
}

function makeFinding(
  record: LogRecord,
  recordBytes: string,
  source: Source,
  kind: FindingKind,
  severity: Severity,
  usage: number | undefined,
  payloadBytes: number | null,
): Finding {
  return {
    id: findingId(recordBytes, kind),
    trace_id: record.trace_id ?? null,
    timestamp: record.timestamp,
    kind,
    severity,
    event: record.event ?? null,
    message: record.message ?? null,
    level: record.level ?? null,
    host: record.host ?? null,
    usage_percent: usage ?? null,
    memory_used_bytes: record.used_bytes ?? null,
    payload_bytes: payloadBytes,
    source,
  };
}

export function rulesFrom(config: {
  thresholds: { warn_percent: number; critical_percent: number; payload_bytes: number };
  events: { critical: string[]; warning: string[] };
}): Rules {
  return {
    warnPercent: config.thresholds.warn_percent,
    criticalPercent: config.thresholds.critical_percent,
    payloadBytes: config.thresholds.payload_bytes,
    criticalEvents: new Set(config.events.critical),
    warningEvents: new Set(config.events.warning),
  };
}
