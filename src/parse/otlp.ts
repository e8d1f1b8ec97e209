/**
 * OpenTelemetry's OTLP/JSON log format (what the SDKs' OTLP/HTTP JSON exporters send, the
 * Collector's file exporter and the Java SDK's OTLP JSON logging exporter write): a document
 * `{"resourceLogs":[{"resource":…,"scopeLogs":[{"scope":…,"logRecords":[…]}]}]}`, or one
 * `{"resource":…,"scopeLogs":[…]}` without the wrapper. Each log record becomes one flat record
 * the field mapping reads like any other: attributes and resource attributes as plain objects.
 */

type Json = Record<string, unknown>;

export function isOtlpDocument(value: Json): boolean {
  return Array.isArray(value.resourceLogs) || (Array.isArray(value.scopeLogs) && ('resource' in value || 'schemaUrl' in value));
}

/** One log record of an OTLP/JSON document, flattened; or why it cannot be read. */
export class OtlpRecord {
  constructor(
    readonly record: unknown,
    readonly invalid?: string,
  ) {}
}

/** A value nested past the depth limit: flattening recurses, so it stops there. */
class TooDeep extends Error {}

/** The log records of an OTLP/JSON document, flattened, in order. */
export function* otlpRecords(document: Json, maxDepth = 100): Generator<OtlpRecord> {
  const resourceLogs = Array.isArray(document.resourceLogs) ? (document.resourceLogs as unknown[]) : [document];
  for (const entry of resourceLogs) {
    if (!isObject(entry)) continue;
    let resource: Json;
    try {
      resource = isObject(entry.resource) ? attributesOf(entry.resource.attributes, maxDepth) : {};
    } catch (error) {
      if (!(error instanceof TooDeep)) throw error;
      resource = {};
    }
    const scopeLogs = Array.isArray(entry.scopeLogs) ? (entry.scopeLogs as unknown[]) : [];
    for (const scopeLog of scopeLogs) {
      if (!isObject(scopeLog)) continue;
      const scope = isObject(scopeLog.scope) ? { name: scopeLog.scope.name, version: scopeLog.scope.version } : undefined;
      const records = Array.isArray(scopeLog.logRecords) ? (scopeLog.logRecords as unknown[]) : [];
      for (const record of records) {
        // A log record that is not an object is handed on as it is: it is reported as invalid.
        if (!isObject(record)) {
          yield new OtlpRecord(record);
          continue;
        }
        try {
          yield new OtlpRecord(flatten(record, resource, scope, maxDepth));
        } catch (error) {
          if (!(error instanceof TooDeep)) throw error;
          yield new OtlpRecord(record, `an attribute nested deeper than ${maxDepth} levels (--max-depth)`);
        }
      }
    }
  }
}

function flatten(record: Json, resource: Json, scope: unknown, maxDepth: number): Json {
  const out: Json = {};
  // "0" means unset in OTLP; the observed time stands in for it then.
  if (record.timeUnixNano !== undefined && !isZero(record.timeUnixNano)) out.timeUnixNano = record.timeUnixNano;
  if (record.observedTimeUnixNano !== undefined && !isZero(record.observedTimeUnixNano)) out.observedTimeUnixNano = record.observedTimeUnixNano;
  if (record.severityText !== undefined) out.severityText = record.severityText;
  if (record.severityNumber !== undefined) out.severityNumber = record.severityNumber;
  if (record.body !== undefined) out.body = anyValue(record.body, maxDepth);
  if (record.eventName !== undefined) out.eventName = record.eventName;
  if (record.traceId !== undefined) out.traceId = record.traceId;
  if (record.spanId !== undefined) out.spanId = record.spanId;
  out.attributes = attributesOf(record.attributes, maxDepth);
  out.resource = resource;
  if (scope !== undefined) out.scope = scope;
  return out;
}

/** `[{key, value: AnyValue}]` → `{key: value}`; keys stay as written ("host.name" is one key). */
export function attributesOf(list: unknown, depth = 100): Json {
  const out: Json = {};
  if (!Array.isArray(list)) return out;
  for (const item of list as unknown[]) {
    if (isObject(item) && typeof item.key === 'string') out[item.key] = anyValue(item.value, depth);
  }
  return out;
}

/** An OTLP AnyValue as plain JSON: intValue (a number, or a string of digits) becomes a number. */
export function anyValue(value: unknown, depth = 100): unknown {
  if (!isObject(value)) return value;
  if (depth <= 0) throw new TooDeep();
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) {
    const n = typeof value.intValue === 'string' ? Number(value.intValue) : value.intValue;
    return typeof n === 'number' && Number.isFinite(n) ? n : value.intValue;
  }
  if ('doubleValue' in value) return value.doubleValue;
  if ('boolValue' in value) return value.boolValue;
  if ('bytesValue' in value) return value.bytesValue;
  if ('kvlistValue' in value) return attributesOf(isObject(value.kvlistValue) ? value.kvlistValue.values : undefined, depth - 1);
  if ('arrayValue' in value) {
    const values = isObject(value.arrayValue) && Array.isArray(value.arrayValue.values) ? (value.arrayValue.values as unknown[]) : [];
    return values.map((v) => anyValue(v, depth - 1));
  }
  return value;
}

function isZero(v: unknown): boolean {
  return v === 0 || v === '0';
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
