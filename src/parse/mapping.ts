/**
 * Where each field memtrail reads lives in a log record. Each field lists candidate paths, tried
 * in order; the first present value of a usable type wins (null, "" and wrong types count as
 * absent). `auto` knows what real logging libraries write; presets and --field override it.
 */
export const FIELD_NAMES = [
  'timestamp',
  'level',
  'event',
  'message',
  'trace_id',
  'host',
  'service',
  'pid',
  'usage_percent',
  'used_bytes',
  'limit_bytes',
  'swap_bytes',
  'request_bytes',
  'response_bytes',
] as const;

export type FieldName = (typeof FIELD_NAMES)[number];
export type FieldMapping = Record<FieldName, string[]>;

/** The memory and payload numbers: memtrail field → the key applications log it under. */
export const MEASURE_KEYS = {
  usage_percent: 'memory_usage_percent',
  used_bytes: 'memory_used_bytes',
  limit_bytes: 'memory_limit_bytes',
  swap_bytes: 'swap_used_bytes',
  request_bytes: 'request_size_bytes',
  response_bytes: 'response_size_bytes',
} as const satisfies Partial<Record<FieldName, string>>;

export type MeasureField = keyof typeof MEASURE_KEYS;
export const MEASURE_FIELDS = Object.keys(MEASURE_KEYS) as MeasureField[];

/**
 * The objects an application puts its numbers in: the runbook's `context`, the top level
 * (structlog), tracing-subscriber's `fields`, OpenTelemetry's `attributes` (and a `context`
 * object inside them).
 */
const MEASURE_CONTAINERS = ['context.', '', 'fields.', 'attributes.', 'attributes.context.'];

const measures = (containers: string[]) =>
  Object.fromEntries(MEASURE_FIELDS.map((field) => [field, containers.map((c) => `${c}${MEASURE_KEYS[field]}`)])) as Record<
    MeasureField,
    string[]
  >;

/** The special path `spans[-1].trace_id`: the innermost of tracing-subscriber's span list that has one. */
export const INNERMOST_SPAN_TRACE = 'spans[-1].trace_id';

/**
 * `auto`: every shape the README's "Which logs" table lists (pino, bunyan, winston, the ECS
 * formatters, structlog, python-json-logger, OpenTelemetry OTLP/JSON once flattened, the OTel
 * Python console exporter, tracing-subscriber, the runbook's own shape).
 */
export const AUTO: FieldMapping = {
  timestamp: ['timestamp', '@timestamp', 'time', 'ts', 'asctime', 'timeUnixNano', 'observedTimeUnixNano', 'observed_timestamp'],
  level: ['level', 'log.level', 'levelname', 'severity_text', 'severityText', 'severity', 'severityNumber', 'severity_number'],
  event: ['event.action', 'event', 'event_name', 'eventName', 'fields.event', 'attributes.event.name', 'attributes.event'],
  message: ['message', 'msg', 'fields.message', 'body'],
  trace_id: ['trace_id', 'trace.id', 'traceId', 'span.trace_id', INNERMOST_SPAN_TRACE, 'context.trace_id', 'attributes.trace_id'],
  host: ['host.name', 'hostname', 'host.hostname', 'host', 'resource.host.name', 'attributes.host.name'],
  service: ['service.name', 'service', 'resource.service.name', 'attributes.service.name'],
  pid: ['pid', 'process.pid', 'resource.process.pid'],
  ...measures(MEASURE_CONTAINERS),
};

export const PRESET_NAMES = ['fraiseql', 'ecs', 'pino', 'otel'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Presets pin the fields their shape defines; the others are read as `auto` reads them. */
export const PRESETS: Record<PresetName, FieldMapping> = {
  // The runbook's own shape.
  fraiseql: {
    ...AUTO,
    timestamp: ['timestamp'],
    level: ['level'],
    event: ['event'],
    message: ['message'],
    trace_id: ['trace_id'],
    host: ['host', 'hostname'],
    ...measures(['context.']),
  },
  // Elastic Common Schema; ecs-logging libraries write dotted keys ("log.level"), others nest them.
  ecs: {
    ...AUTO,
    timestamp: ['@timestamp'],
    level: ['log.level'],
    event: ['event.action'],
    message: ['message'],
    trace_id: ['trace.id'],
    host: ['host.name', 'host.hostname'],
    ...measures(['context.']),
  },
  // pino: epoch-millisecond `time`, numeric `level`, `msg`.
  pino: {
    ...AUTO,
    timestamp: ['time'],
    level: ['level'],
    event: ['event'],
    message: ['msg'],
    trace_id: ['trace_id', 'traceId'],
    host: ['hostname'],
    ...measures(['context.']),
  },
  // OpenTelemetry-style flat log records: severity_text, body, attributes.
  otel: {
    ...AUTO,
    timestamp: ['timestamp', 'time', 'timeUnixNano', 'observedTimeUnixNano'],
    level: ['severity_text', 'severityText', 'severityNumber'],
    event: ['event_name', 'eventName', 'attributes.event.name', 'attributes.event'],
    message: ['body'],
    trace_id: ['trace_id', 'traceId'],
    host: ['resource.host.name', 'attributes.host.name'],
    ...measures(['attributes.', 'attributes.context.', 'context.']),
  },
};

/** The mapping a run reads with: a preset (or auto), then --field / config overrides field by field. */
export function mappingFor(preset: PresetName | 'auto', overrides: Partial<Record<FieldName, string[]>>): FieldMapping {
  return { ...(preset === 'auto' ? AUTO : PRESETS[preset]), ...overrides };
}

type Getter = (record: Record<string, unknown>) => unknown;

/**
 * A path like `log.level` matches a literal dotted key or nested objects, and any mix of the two
 * (`attributes` holding a literal `"event.name"`), as ECS and OpenTelemetry write either. The
 * splits are worked out once, longest keys first.
 */
export function compilePath(path: string): Getter {
  if (path === INNERMOST_SPAN_TRACE) return innermostSpanTrace;
  const parts = path.split('.');
  if (parts.length === 1) return (record) => record[path];
  const splits = splitsOf(parts);
  return (record) => {
    for (const keys of splits) {
      let current: unknown = record;
      for (const key of keys) {
        if (current === null || typeof current !== 'object') {
          current = undefined;
          break;
        }
        current = (current as Record<string, unknown>)[key];
      }
      if (current !== undefined) return current;
    }
    return undefined;
  };
}

/** Every way to cut a dotted path into keys, whole first: a.b.c → [a.b.c], [a, b.c], [a.b, c], [a, b, c]. */
function splitsOf(parts: string[]): string[][] {
  if (parts.length === 1) return [parts];
  const out: string[][] = [[parts.join('.')]];
  for (let cut = 1; cut < parts.length; cut++) {
    const head = parts.slice(0, cut).join('.');
    for (const rest of splitsOf(parts.slice(cut))) out.push([head, ...rest]);
  }
  return out.sort((a, b) => a.length - b.length);
}

function innermostSpanTrace(record: Record<string, unknown>): unknown {
  const spans = record.spans;
  if (!Array.isArray(spans)) return undefined;
  for (let i = spans.length - 1; i >= 0; i--) {
    const span: unknown = spans[i];
    if (span !== null && typeof span === 'object') {
      const id = (span as Record<string, unknown>).trace_id;
      if (id !== undefined && id !== null && id !== '') return id;
    }
  }
  return undefined;
}

/** What each field reads as usable; anything else counts as absent. */
type Usable = (value: unknown) => unknown;

const text: Usable = (v) => (typeof v === 'string' && v !== '' ? v : undefined);
const timeOrLevel: Usable = (v) => ((typeof v === 'string' && v !== '') || typeof v === 'number' ? v : undefined);
const measure: Usable = (v) => (typeof v === 'number' ? v : undefined);
const pid: Usable = (v) => (typeof v === 'number' ? String(v) : typeof v === 'string' && v !== '' ? v : undefined);

/** A trace id: `0x` stripped (OTel Python), and an empty or all-zero id (no active span) is none. */
export function normalTraceId(v: unknown): string | undefined {
  let id = typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
  if (id === undefined) return undefined;
  if (id.charCodeAt(0) !== 0x30) return id === '' ? undefined : id;
  if (id.startsWith('0x') || id.startsWith('0X')) id = id.slice(2);
  if (id === '' || /^0+$/.test(id)) return undefined;
  return id;
}

const USABLE: Record<FieldName, Usable> = {
  timestamp: timeOrLevel,
  level: timeOrLevel,
  event: text,
  message: text,
  trace_id: normalTraceId,
  host: text,
  service: text,
  pid,
  usage_percent: measure,
  used_bytes: measure,
  limit_bytes: measure,
  swap_bytes: measure,
  request_bytes: measure,
  response_bytes: measure,
};

const MEASURE_SET = new Set<FieldName>(MEASURE_FIELDS);

/** The fields of one record as read, before validation; `wrong` names a number field given something else. */
export type Extracted = Record<FieldName, unknown> & { wrong?: { field: FieldName; path: string; value: unknown } };

export type Extractor = (record: Record<string, unknown>) => Extracted;

/**
 * Builds the function that reads every mapped field of a record. It runs on every record, so it
 * is generated as straight-line code, one property access per key with the key written in (a
 * closure per path shares one inline cache across all keys and was measured at twice the cost
 * of the whole parse). Keys are embedded with JSON.stringify, never as code.
 */
export function compileMapping(mapping: FieldMapping): Extractor {
  const lines: string[] = ['"use strict";', 'return function extract(r) {', 'let v, t, u, wrong;'];
  const read = (field: FieldName): string[] => {
    const out = [`${field}: {`];
    mapping[field].forEach((path, index) => {
      out.push(...candidateCode(path, index));
      const usable = usableCode(field);
      out.push(`if (v !== undefined && v !== null) { u = ${usable}; if (u !== undefined) { f_${field} = u; break ${field}; }`);
      if (MEASURE_SET.has(field)) out.push(`if (wrong === undefined && v !== "") wrong = { field: ${JSON.stringify(field)}, path: ${JSON.stringify(path)}, value: v };`);
      out.push('}');
    });
    out.push('}');
    return out;
  };
  for (const field of FIELD_NAMES) lines.push(`let f_${field};`, ...read(field));
  lines.push(`return { ${FIELD_NAMES.map((f) => `${f}: f_${f}`).join(', ')}, wrong };`, '};');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the mapping, keys embedded as JSON strings
  const factory = new Function('normalTraceId', 'innermostSpanTrace', lines.join('\n')) as (
    normal: typeof normalTraceId,
    innermost: typeof innermostSpanTrace,
  ) => Extractor;
  return factory(normalTraceId, innermostSpanTrace);
}

/** Code that sets `v` to the value at a path: each split of the path, longest keys first. */
function candidateCode(path: string, index: number): string[] {
  if (path === INNERMOST_SPAN_TRACE) return ['v = innermostSpanTrace(r);'];
  const parts = path.split('.');
  if (parts.length === 1) return [`v = r[${JSON.stringify(path)}];`];
  const out: string[] = [];
  splitsOf(parts).forEach((keys, i) => {
    const chain = [`t = r[${JSON.stringify(keys[0])}];`];
    for (const key of keys.slice(1)) chain.push(`t = t !== null && typeof t === "object" ? t[${JSON.stringify(key)}] : undefined;`);
    out.push(`${i === 0 ? '' : 'if (v === undefined) '}{ ${chain.join(' ')} v = t; }`);
  });
  return [`/* ${index}: ${path.replace(/\*\//g, '')} */`, ...out];
}

function usableCode(field: FieldName): string {
  if (field === 'trace_id') return 'normalTraceId(v)';
  if (field === 'pid') return '(typeof v === "number" ? String(v) : typeof v === "string" && v !== "" ? v : undefined)';
  if (MEASURE_SET.has(field)) return '(typeof v === "number" ? v : undefined)';
  if (field === 'timestamp' || field === 'level') return '((typeof v === "string" && v !== "") || typeof v === "number" ? v : undefined)';
  return '(typeof v === "string" && v !== "" ? v : undefined)';
}

/** Which path each field was read from in one record, and its value (for `memtrail inspect`). */
export function tracePaths(record: Record<string, unknown>, mapping: FieldMapping): Partial<Record<FieldName, { path: string; value: unknown }>> {
  const found: Partial<Record<FieldName, { path: string; value: unknown }>> = {};
  for (const name of FIELD_NAMES) {
    for (const path of mapping[name]) {
      const raw = compilePath(path)(record);
      if (raw === undefined || raw === null) continue;
      const value = USABLE[name](raw);
      if (value === undefined) continue;
      found[name] = { path, value };
      break;
    }
  }
  return found;
}
