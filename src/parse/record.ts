import { z } from 'zod';
import type { Extracted, Extractor } from './mapping.js';
import { parseTime } from './time.js';

/** A log record reduced to what memtrail reads, after mapping and validation. */
export interface LogRecord {
  /** Epoch milliseconds; null when the record carries no time (see `timestamp_source`). */
  timestamp: number | null;
  /** `record`: the record's own time; `read`: the time memtrail read it (a live tail, no time in the record). */
  timestamp_source?: 'record' | 'read';
  level?: string;
  event?: string;
  message?: string;
  trace_id?: string;
  host?: string;
  service?: string;
  pid?: string;
  usage_percent?: number;
  used_bytes?: number;
  limit_bytes?: number;
  swap_bytes?: number;
  request_bytes?: number;
  response_bytes?: number;
  /** A plain-text line (inside a container or journald envelope), not a JSON record: its text is `message`. */
  text?: boolean;
  /** Where a container runtime or systemd says the line came from. */
  stream?: string;
  container?: string;
  container_id?: string;
  pod?: string;
  namespace?: string;
  unit?: string;
}

const PINO_LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** OpenTelemetry severity numbers: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL. */
const OTEL_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

function levelName(n: number): string {
  if (PINO_LEVELS[n]) return PINO_LEVELS[n];
  if (Number.isInteger(n) && n >= 1 && n <= 24) return OTEL_LEVELS[Math.floor((n - 1) / 4)]!;
  return String(n);
}

const bytes = z.number().nonnegative().finite();
const text = z.string();

const recordShape = z.object({
  level: z.union([text, z.number().transform(levelName)]).optional(),
  event: text.optional(),
  message: text.optional(),
  trace_id: text.optional(),
  host: text.optional(),
  service: text.optional(),
  pid: text.optional(),
  usage_percent: z.number().finite().optional(),
  used_bytes: bytes.optional(),
  limit_bytes: bytes.optional(),
  swap_bytes: bytes.optional(),
  request_bytes: bytes.optional(),
  response_bytes: bytes.optional(),
});

/**
 * Validated on every record, so it goes through zod's ahead-of-time compiler: a generated fast
 * path, falling back to the runtime parser (and its issues) on failure. The time is read by
 * parse/time.ts, which zod has no type for.
 */
export const recordSchema = z.compile(recordShape);

export type RecordResult = { ok: true; record: LogRecord; naive: boolean } | { ok: false; reason: string };

/** Validates a parsed JSON value as a log record under a field mapping; times without a zone are read in `timezone`. */
export function toRecord(value: unknown, extract: Extractor, timezone = 'UTC'): RecordResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `record is not a JSON object (got ${describe(value)})` };
  }
  const fields: Extracted = extract(value as Record<string, unknown>);
  if (fields.wrong) {
    const { field, path, value: wrong } = fields.wrong;
    return { ok: false, reason: `${field}: expected a number at ${path}, got ${describe(wrong)}` };
  }
  let timestamp: number | null = null;
  let naive = false;
  if (fields.timestamp !== undefined) {
    const time = parseTime(fields.timestamp as string | number, timezone);
    if (!time.ok) return { ok: false, reason: `timestamp: ${time.reason}` };
    timestamp = time.ms;
    naive = time.naive;
  }
  const parsed = recordSchema.safeParse(fields, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'record'}: ${issue?.message}` };
  }
  const record = parsed.data as LogRecord;
  if (record.usage_percent === undefined && record.used_bytes !== undefined && record.limit_bytes !== undefined && record.limit_bytes > 0) {
    if (!Number.isFinite((record.used_bytes / record.limit_bytes) * 100)) {
      return { ok: false, reason: 'usage_percent: memory_used_bytes / memory_limit_bytes is not a finite number' };
    }
  }
  record.timestamp = timestamp;
  record.timestamp_source = timestamp === null ? undefined : 'record';
  return { ok: true, record, naive };
}

/** Whether a record carries a memory or payload number: what a record sink (metrics) reads. */
export function carriesMeasure(record: LogRecord): boolean {
  return (
    record.usage_percent !== undefined ||
    record.used_bytes !== undefined ||
    record.limit_bytes !== undefined ||
    record.swap_bytes !== undefined ||
    record.request_bytes !== undefined ||
    record.response_bytes !== undefined
  );
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string ("${value.length > 40 ? `${value.slice(0, 40)}…` : value}")`;
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a number out of range';
  return `a ${typeof value}`;
}
