import { z } from 'zod';
import type { Extractor } from './mapping.js';

/** A log record reduced to what memtrail reads, after mapping and validation. */
export interface LogRecord {
  timestamp: number;
  level?: string;
  event?: string;
  message?: string;
  trace_id?: string;
  host?: string;
  usage_percent?: number;
  used_bytes?: number;
  limit_bytes?: number;
  request_bytes?: number;
  response_bytes?: number;
}

const PINO_LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

const timestamp = z.union(
  [
    z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)),
    z.number().nonnegative().finite(),
  ],
  { error: 'expected an ISO 8601 timestamp with Z or an offset, or epoch milliseconds' },
);

const bytes = z.number().nonnegative().finite();
const text = z.string();

const recordShape = z.object({
  timestamp,
  level: z.union([text, z.number().transform((n) => PINO_LEVELS[n] ?? String(n))]).optional(),
  event: text.optional(),
  message: text.optional(),
  trace_id: z.union([text, z.number().transform(String)]).optional(),
  host: text.optional(),
  usage_percent: z.number().finite().optional(),
  used_bytes: bytes.optional(),
  limit_bytes: bytes.optional(),
  request_bytes: bytes.optional(),
  response_bytes: bytes.optional(),
});

/**
 * Validated on every line, so it goes through zod's ahead-of-time compiler: a generated fast path,
 * falling back to the runtime parser (and its issues) on failure. Measured in `npm run bench`.
 */
export const recordSchema = z.compile(recordShape);

export type RecordResult = { ok: true; record: LogRecord } | { ok: false; reason: string };

/** Validates a parsed JSON value as a log record under a field mapping. */
export function toRecord(value: unknown, extract: Extractor): RecordResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `record is not a JSON object (got ${describe(value)})` };
  }
  const parsed = recordSchema.safeParse(extract(value as Record<string, unknown>), { reportInput: true });
  if (parsed.success) return { ok: true, record: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'record';
  const missing = issue !== undefined && issue.input === undefined;
  return { ok: false, reason: `${field}: ${missing ? 'missing' : issue?.message}` };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
