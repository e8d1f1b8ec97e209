/** Where each field memtrail reads lives in a log record. Each field lists candidate paths; the first present wins. */
export const FIELD_NAMES = [
  'timestamp',
  'level',
  'event',
  'message',
  'trace_id',
  'host',
  'usage_percent',
  'used_bytes',
  'limit_bytes',
  'request_bytes',
  'response_bytes',
] as const;

export type FieldName = (typeof FIELD_NAMES)[number];
export type FieldMapping = Record<FieldName, string[]>;

export const PRESET_NAMES = ['fraiseql', 'ecs', 'pino', 'otel'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const CONTEXT_FIELDS = {
  usage_percent: ['context.memory_usage_percent'],
  used_bytes: ['context.memory_used_bytes'],
  limit_bytes: ['context.memory_limit_bytes'],
  request_bytes: ['context.request_size_bytes'],
  response_bytes: ['context.response_size_bytes'],
};

export const PRESETS: Record<PresetName, FieldMapping> = {
  // The runbook's own shape.
  fraiseql: {
    timestamp: ['timestamp'],
    level: ['level'],
    event: ['event'],
    message: ['message'],
    trace_id: ['trace_id'],
    host: ['host', 'hostname'],
    ...CONTEXT_FIELDS,
  },
  // Elastic Common Schema; ecs-logging libraries write dotted keys ("log.level"), others nest them.
  ecs: {
    timestamp: ['@timestamp'],
    level: ['log.level'],
    event: ['event.action'],
    message: ['message'],
    trace_id: ['trace.id'],
    host: ['host.name', 'host.hostname'],
    ...CONTEXT_FIELDS,
  },
  // pino: epoch-millisecond `time`, numeric `level`, `msg`.
  pino: {
    timestamp: ['time'],
    level: ['level'],
    event: ['event'],
    message: ['msg'],
    trace_id: ['trace_id', 'traceId'],
    host: ['hostname'],
    ...CONTEXT_FIELDS,
  },
  // OpenTelemetry-style flat log records: severity_text, body, attributes.
  otel: {
    timestamp: ['timestamp', 'time'],
    level: ['severity_text'],
    event: ['event_name', 'attributes.event.name', 'attributes.event'],
    message: ['body'],
    trace_id: ['trace_id', 'traceId'],
    host: ['resource.host.name', 'attributes.host.name'],
    usage_percent: ['attributes.memory_usage_percent', 'context.memory_usage_percent'],
    used_bytes: ['attributes.memory_used_bytes', 'context.memory_used_bytes'],
    limit_bytes: ['attributes.memory_limit_bytes', 'context.memory_limit_bytes'],
    request_bytes: ['attributes.request_size_bytes', 'context.request_size_bytes'],
    response_bytes: ['attributes.response_size_bytes', 'context.response_size_bytes'],
  },
};

/** Which preset a record looks like; used by `--preset auto` on the first object of each input. */
export function detectPreset(record: Record<string, unknown>): PresetName {
  if ('@timestamp' in record) return 'ecs';
  if (typeof record.level === 'number' && ('time' in record || 'msg' in record)) return 'pino';
  if ('severity_text' in record || 'body' in record || 'attributes' in record) return 'otel';
  return 'fraiseql';
}

/** Overrides (from flags or the config file) replace a preset's paths field by field. */
export function mappingFor(preset: PresetName, overrides: Partial<Record<FieldName, string[]>>): FieldMapping {
  return { ...PRESETS[preset], ...overrides };
}

type Getter = (record: Record<string, unknown>) => unknown;

/** A path like `log.level` matches a literal dotted key or nested objects, as ECS allows both. */
export function compilePath(path: string): Getter {
  const parts = path.split('.');
  if (parts.length === 1) return (record) => record[path];
  return (record) => {
    const direct = record[path];
    if (direct !== undefined) return direct;
    let current: unknown = record;
    for (const part of parts) {
      if (current === null || typeof current !== 'object') return undefined;
      current = (current as Record<string, unknown>)[part];
    }
    return current;
  };
}

export type Extractor = (record: Record<string, unknown>) => Record<FieldName, unknown>;

/** Builds a function that reads every mapped field of a record (null counts as absent). */
export function compileMapping(mapping: FieldMapping): Extractor {
  const field = (name: FieldName): Getter => {
    const candidates = mapping[name].map(compilePath);
    if (candidates.length === 1) {
      const only = candidates[0]!;
      return (record) => only(record) ?? undefined;
    }
    return (record) => {
      for (const get of candidates) {
        const value = get(record);
        if (value !== undefined && value !== null) return value;
      }
      return undefined;
    };
  };
  const [timestamp, level, event, message, trace_id, host, usage_percent, used_bytes, limit_bytes, request_bytes, response_bytes] =
    FIELD_NAMES.map(field) as [Getter, Getter, Getter, Getter, Getter, Getter, Getter, Getter, Getter, Getter, Getter];
  // One object literal with every key keeps a single hidden class on the per-line hot path.
  return (record) => ({
    timestamp: timestamp(record),
    level: level(record),
    event: event(record),
    message: message(record),
    trace_id: trace_id(record),
    host: host(record),
    usage_percent: usage_percent(record),
    used_bytes: used_bytes(record),
    limit_bytes: limit_bytes(record),
    request_bytes: request_bytes(record),
    response_bytes: response_bytes(record),
  });
}
