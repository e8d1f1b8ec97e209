import { isOtlpDocument } from './otlp.js';

/**
 * Which logging library a record looks like it came from, for people (`memtrail inspect`, the
 * notice when an explicit --preset reads nothing). Reading does not depend on it: `auto` reads
 * every record by its own fields.
 */
export function describeShape(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  const has = (key: string) => key in r;
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isOtlpDocument(r)) return 'OpenTelemetry OTLP/JSON';
  // A log record of an OTLP/JSON document, as flattened for reading.
  if (isObject(r.resource) && isObject(r.attributes) && (has('observedTimeUnixNano') || has('timeUnixNano') || has('severityNumber'))) {
    return 'OpenTelemetry OTLP/JSON';
  }
  if (isObject(r.fields) && has('target')) return 'tracing-subscriber JSON (Rust)';
  if (has('@timestamp') && (has('ecs.version') || isObject(r.ecs) || has('log.level'))) return 'ECS (Elastic Common Schema)';
  if (typeof r.level === 'number' && has('v') && has('hostname')) return 'bunyan';
  if (typeof r.level === 'number' && (has('time') || has('msg'))) return 'pino';
  if (has('severity_text') || has('severity_number') || (has('body') && has('attributes'))) return 'OpenTelemetry (flat log record)';
  if (has('asctime') || has('levelname')) return 'python-json-logger (logging format fields)';
  if (has('timestamp') && isObject(r.context)) return "the runbook's own shape (FraiseQL)";
  if (typeof r.event === 'string' && typeof r.level === 'string' && !has('message') && !has('msg')) return 'structlog';
  if (typeof r.level === 'string' && typeof r.message === 'string') return 'winston or a similar JSON logger';
  if (typeof r.message === 'string') return 'python-json-logger or a similar JSON logger';
  return 'JSON of an unknown shape';
}
