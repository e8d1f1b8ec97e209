import * as crypto from 'node:crypto';
import type { Config } from '../config.js';
import type { LogRecord } from '../parse/record.js';
import type { Source } from '../parse/source.js';
import type { Finding, FindingKind, Origin, Severity } from './finding.js';

/** The thresholds and event names of the memory and payload rules, from the config. */
export interface Rules {
  warnPercent: number;
  criticalPercent: number;
  payloadBytes: number;
  criticalEvents: ReadonlySet<string>;
  warningEvents: ReadonlySet<string>;
}

export function rulesFrom(config: Pick<Config, 'thresholds' | 'events'>): Rules {
  return {
    warnPercent: config.thresholds.warn_percent,
    criticalPercent: config.thresholds.critical_percent,
    payloadBytes: config.thresholds.payload_bytes,
    criticalEvents: new Set(config.events.critical),
    warningEvents: new Set(config.events.warning),
  };
}

/** usage = memory_usage_percent, else used / limit × 100. */
export function usageOf(record: LogRecord): number | undefined {
  if (record.usage_percent !== undefined) return record.usage_percent;
  if (record.used_bytes !== undefined && record.limit_bytes !== undefined && record.limit_bytes > 0) {
    return (record.used_bytes / record.limit_bytes) * 100;
  }
  return undefined;
}

/**
 * A finding's id hashes its kind and its record's text, so the same line read again (a re-run, a
 * rotated copy) always gets the same id: the document id in the engine, so nothing is duplicated.
 */
export function findingId(recordText: string, kind: FindingKind): string {
  const text = `${kind}\n${recordText}`;
  // One-shot hashing (Node 20.12 and later) is about twice as fast per finding as a Hash object; the same digest.
  const digest = oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
  return digest.slice(0, 32);
}

const oneShot = (crypto as Partial<Pick<typeof crypto, 'hash'>>).hash;

/** A finding about one record, with the record's common fields. */
export function recordFinding(
  record: LogRecord,
  text: string,
  source: Source,
  kind: FindingKind,
  severity: Severity,
  measures: { usage: number | undefined; payloadBytes: number | null },
): Finding {
  return {
    id: findingId(text, kind),
    trace_id: record.trace_id ?? null,
    timestamp: record.timestamp,
    timestamp_source: record.timestamp === null ? 'none' : (record.timestamp_source ?? 'record'),
    kind,
    severity,
    event: record.event ?? null,
    message: record.message ?? null,
    level: record.level ?? null,
    host: record.host ?? null,
    service: record.service ?? null,
    usage_percent: measures.usage ?? null,
    memory_used_bytes: record.used_bytes ?? null,
    payload_bytes: measures.payloadBytes,
    origin: originOf(record),
    source,
  };
}

/** The record's container / systemd origin, or null for a record from a plain log file. */
export function originOf(record: LogRecord): Origin | null {
  const { stream, container, container_id, pod, namespace, unit } = record;
  if (stream === undefined && container === undefined && container_id === undefined && pod === undefined && namespace === undefined && unit === undefined) {
    return null;
  }
  return Object.fromEntries(Object.entries({ stream, container, container_id, pod, namespace, unit }).filter(([, v]) => v !== undefined));
}
