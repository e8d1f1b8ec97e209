// Builds fixtures/loggers/expected.json from the fixture files as written.
// Static facts (library, version, configuration, how fields were passed, what
// each finding is) live in FIXTURES below; record counts and the timestamps of
// the three runbook records are read back from the files, so the manifest stays
// true after `npm run fixtures:loggers` rewrites them.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'fixtures', 'loggers');
const nodeVersion = (pkg) => JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;

// Runbook records are the 2nd, 4th and 5th record each program writes.
const FINDINGS = [
  { index: 1, kind: 'memory_warning', severity: 'warning', trace_id: 'trace_mem123', usage_percent: 75, message: 'Application memory usage exceeds threshold' },
  { index: 3, kind: 'memory_critical', severity: 'critical', trace_id: 'trace_mem456', usage_percent: 93.75, message: 'Critical memory usage - OOM risk' },
  { index: 4, kind: 'oversized_payload', severity: 'warning', trace_id: 'trace_big789', payload_bytes: 2000000, message: 'GraphQL request started' },
];
// Hex trace ids the OTel programs use for the runbook's trace ids.
const OTEL_TRACE_IDS = {
  trace_req001: '4bf92f3577b34da6a3ce929d0e0e4736',
  trace_mem123: '5e2b7c0a9d1f4e38a6b2c4d8e0f13123',
  trace_req002: '0af7651916cd43dd8448eb211c80319c',
  trace_mem456: '9c1d3e5f7a2b4c6d8e0f1a3b5c7d9456',
  trace_big789: '2f4a6c8e0b1d3f5a7c9e1b3d5f7a9789',
  trace_req003: '7d3e9a1c5b2f4d6e8a0c2e4f6b8d0003',
};

// ---- timestamp readers: record -> "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) or null -----
// ISO text with any fraction and an optional zone; extra digits are truncated to
// milliseconds; a missing zone is read as UTC (every zoneless fixture was
// written with TZ=UTC or from utcnow()).
function isoText(s) {
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,](\d+))?(Z|[+-]\d\d:\d\d)?$/.exec(s);
  if (!m) throw new Error(`not an ISO time: ${s}`);
  const ms = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  return new Date(`${m[1]}T${m[2]}.${ms}${m[4] ?? 'Z'}`).toISOString();
}
const nanos = (s) => new Date(Number(BigInt(s) / 1000000n)).toISOString();
const READERS = {
  epochMs: (field) => (r) => new Date(r[field]).toISOString(),
  epochSeconds: (field) => (r) => new Date(Math.floor(r[field] * 1000)).toISOString(),
  iso: (field) => (r) => isoText(r[field]),
  none: () => () => null,
  otlp: (field) => (r) => (r[field] === undefined ? null : nanos(r[field])),
};

const F = (o) => o;
const FIXTURES = [
  F({
    file: 'pino-default.ndjson', library: 'pino', version: () => nodeVersion('pino'),
    config: 'pino() defaults, stdout', time: READERS.epochMs('time'),
    how: 'log.warn({ event, trace_id, context: {...} }, message): event and trace_id top-level, runbook numbers under `context`, message in `msg`; level numeric (30/40/50); pino adds pid and hostname',
    timestamp_note: '`time` is epoch milliseconds (number)',
  }),
  F({
    file: 'bunyan-default.ndjson', library: 'bunyan', version: () => nodeVersion('bunyan'),
    config: "bunyan.createLogger({ name: 'graphql-api' }) defaults, stdout", time: READERS.iso('time'),
    how: 'log.warn({ event, trace_id, context: {...} }, message): fields top-level, numbers under `context`, message in `msg`; numeric level; bunyan adds name, hostname, pid, v',
    timestamp_note: '`time` is ISO 8601 UTC with milliseconds and Z',
  }),
  F({
    file: 'winston-timestamp-json.ndjson', library: 'winston', version: () => nodeVersion('winston'),
    config: 'winston.createLogger({ format: format.combine(format.timestamp(), format.json()), transports: [Console] })', time: READERS.iso('timestamp'),
    how: "log.warn(message, { event, trace_id, context: {...} }): meta merged top-level; level as string ('warn', 'error'); format.json() writes keys in sorted order",
    timestamp_note: '`timestamp` is ISO 8601 UTC with milliseconds and Z (added by format.timestamp())',
  }),
  F({
    file: 'winston-json.ndjson', library: 'winston', version: () => nodeVersion('winston'),
    config: 'winston.createLogger({ format: format.json(), transports: [Console] })', time: READERS.none(),
    how: "log.warn(message, { event, trace_id, context: {...} }): meta merged top-level; level string; keys sorted; no host, pid or service",
    timestamp_note: 'no time field at all: format.json() alone adds none',
  }),
  F({
    file: 'ecs-pino-format-own-fields.ndjson', library: '@elastic/ecs-pino-format + pino',
    version: () => `${nodeVersion('@elastic/ecs-pino-format')} (pino ${nodeVersion('pino')})`,
    config: "pino(ecsFormat({ serviceName: 'graphql-api' })), stdout", time: READERS.iso('@timestamp'),
    how: "app's own fields: log.warn({ event: 'system.high_memory', trace_id, context: {...} }, message) passed through unchanged, so the record has BOTH a plain string `event` and the formatter's dotted `event.dataset` key; trace id in `trace_id` (no `trace.id`); level in `log.level`, message in `message`; host.hostname, process.pid, service.name, ecs.version as dotted keys",
    timestamp_note: '`@timestamp` is ISO 8601 UTC with milliseconds and Z',
  }),
  F({
    file: 'ecs-pino-format-ecs-fields.ndjson', library: '@elastic/ecs-pino-format + pino',
    version: () => `${nodeVersion('@elastic/ecs-pino-format')} (pino ${nodeVersion('pino')})`,
    config: "pino(ecsFormat({ serviceName: 'graphql-api' })), stdout", time: READERS.iso('@timestamp'),
    how: "ECS way: log.warn({ event: { action }, trace: { id }, context: {...} }, message); the app's nested objects come out nested (`event.action` is event → action, `trace.id` is trace → id) next to the formatter's flat dotted keys (`event.dataset`, `log.level`, `service.name`, ...)",
    timestamp_note: '`@timestamp` is ISO 8601 UTC with milliseconds and Z',
  }),
  F({
    file: 'ecs-winston-format-own-fields.ndjson', library: '@elastic/ecs-winston-format + winston',
    version: () => `${nodeVersion('@elastic/ecs-winston-format')} (winston ${nodeVersion('winston')})`,
    config: "winston.createLogger({ format: ecsFormat({ serviceName: 'graphql-api' }), transports: [Console] })", time: READERS.iso('@timestamp'),
    how: "log.warn(message, { event, trace_id, context: {...} }): string `event` and dotted `event.dataset` side by side; trace id in `trace_id`; `log.level` string; keys sorted",
    timestamp_note: '`@timestamp` is ISO 8601 UTC with milliseconds and Z',
  }),
  F({
    file: 'otel-js-sdk-logs-otlp-http.ndjson', library: '@opentelemetry/sdk-logs + @opentelemetry/exporter-logs-otlp-http', otlp: true,
    version: () => `sdk-logs ${nodeVersion('@opentelemetry/sdk-logs')}, exporter-logs-otlp-http ${nodeVersion('@opentelemetry/exporter-logs-otlp-http')}, api ${nodeVersion('@opentelemetry/api')}, resources ${nodeVersion('@opentelemetry/resources')}`,
    config: 'LoggerProvider({ resource: defaultResource() + service.name/host.name, processors: [BatchLogRecordProcessor(OTLPLogExporter({ url }))] }); OTLP/HTTP JSON bodies captured by a 127.0.0.1 server, one body per line',
    time: READERS.otlp('timeUnixNano'),
    how: 'logger.emit({ eventName, body: message, attributes: flat runbook numbers, context }): event in the LogRecord `eventName`, message in body.stringValue, trace context passed as `context` (span context of the request) so `traceId`/`spanId` are hex; no trace_id attribute. JS encodes intValue as JSON numbers (not strings) and 75.0/70.0 as intValue 75/70; 93.75 as doubleValue',
    timestamp_note: '`timeUnixNano` (string of nanoseconds, millisecond resolution in JS) set by the SDK at emit; `observedTimeUnixNano` equal',
  }),
  F({
    file: 'otel-js-winston-transport-otlp-http.ndjson', library: '@opentelemetry/winston-transport + winston + @opentelemetry/sdk-logs', otlp: true,
    version: () => `winston-transport ${nodeVersion('@opentelemetry/winston-transport')}, winston ${nodeVersion('winston')}, sdk-logs ${nodeVersion('@opentelemetry/sdk-logs')}, exporter-logs-otlp-http ${nodeVersion('@opentelemetry/exporter-logs-otlp-http')}, api-logs ${nodeVersion('@opentelemetry/api-logs')}, context-async-hooks ${nodeVersion('@opentelemetry/context-async-hooks')}`,
    config: 'winston.createLogger({ transports: [new OpenTelemetryTransportV3()] }), global LoggerProvider (api-logs) with BatchLogRecordProcessor(OTLPLogExporter) to a 127.0.0.1 capture server; AsyncLocalStorage context manager',
    time: READERS.otlp('timeUnixNano'),
    how: "same winston calls as the winston fixtures (message, { event, trace_id, context }) run inside the request's active OTel context: message -> body, `event` -> string attribute `event` (not eventName; the transport only maps `event.name`), `context` -> kvlistValue attribute, app's `trace_id` meta is DROPPED by the transport (it strips trace_id/span_id/trace_flags), the hex `traceId`/`spanId` come from the active context; severityText is winston's level ('warn'); scope name is @opentelemetry/winston-transport",
    timestamp_note: '`timeUnixNano` set by the SDK at emit (millisecond resolution)',
  }),
  F({
    file: 'structlog-iso.ndjson', library: 'structlog', version: () => '22.3.0 (Debian python3-structlog 22.3.0-2)',
    config: 'processors=[merge_contextvars, add_log_level, TimeStamper(fmt="iso"), JSONRenderer()], PrintLogger to stdout', time: READERS.iso('timestamp'),
    how: 'log.warning("system.high_memory", message=..., memory_used_bytes=..., ...): positional argument is the `event` key, message passed as a `message` kwarg, runbook numbers flat top-level (no context object), trace_id bound via structlog.contextvars; level lowercase ("warning", "error")',
    timestamp_note: '`timestamp` ISO 8601 UTC with microseconds and Z; truncated to ms here',
  }),
  F({
    file: 'structlog-epoch.ndjson', library: 'structlog', version: () => '22.3.0 (Debian python3-structlog 22.3.0-2)',
    config: 'processors=[merge_contextvars, add_log_level, TimeStamper(), JSONRenderer()]', time: READERS.epochSeconds('timestamp'),
    how: 'as structlog-iso: `event` = positional, flat kwargs, trace_id from contextvars',
    timestamp_note: '`timestamp` is a float of epoch SECONDS (time.time()); floored to ms here',
  }),
  F({
    file: 'structlog-iso-local.ndjson', library: 'structlog', version: () => '22.3.0 (Debian python3-structlog 22.3.0-2)',
    config: 'processors=[merge_contextvars, add_log_level, TimeStamper(fmt="iso", utc=False), JSONRenderer()]', time: READERS.iso('timestamp'),
    how: 'as structlog-iso: `event` = positional, flat kwargs, trace_id from contextvars',
    timestamp_note: '`timestamp` is ISO local time with microseconds and NO zone; written with TZ=UTC, so read as UTC; truncated to ms',
  }),
  F({
    file: 'python-json-logger-default.ndjson', library: 'python-json-logger', version: () => '2.0.1 (Debian python3-pythonjsonlogger 2.0.1-3)',
    config: 'logging.StreamHandler(sys.stdout) + jsonlogger.JsonFormatter()', time: READERS.none(),
    how: 'logger.warning(message, extra={"event", "trace_id", "context": {...}}): extras top-level, numbers under `context`; the default formatter writes only `message` + extras: NO level, NO time, no logger name',
    timestamp_note: 'no time field (and no level field) with the default JsonFormatter()',
  }),
  F({
    file: 'python-json-logger-timestamp.ndjson', library: 'python-json-logger', version: () => '2.0.1 (Debian python3-pythonjsonlogger 2.0.1-3)',
    config: 'logging.StreamHandler(sys.stdout) + jsonlogger.JsonFormatter(timestamp=True)', time: READERS.iso('timestamp'),
    how: 'as python-json-logger-default (still no level field); timestamp=True adds `timestamp` last',
    timestamp_note: '`timestamp` ISO 8601 UTC with microseconds and +00:00 offset (not Z); truncated to ms',
  }),
  F({
    file: 'python-json-logger-asctime.ndjson', library: 'python-json-logger', version: () => '2.0.1 (Debian python3-pythonjsonlogger 2.0.1-3)',
    config: "logging.StreamHandler(sys.stdout) + jsonlogger.JsonFormatter('%(asctime)s %(levelname)s %(name)s %(message)s')", time: READERS.iso('asctime'),
    how: 'as python-json-logger-default plus asctime, levelname ("WARNING", "ERROR") and name from the format string',
    timestamp_note: '`asctime` is "YYYY-MM-DD HH:MM:SS,mmm" local time, no zone, comma before ms; written with TZ=UTC, so read as UTC',
  }),
  F({
    file: 'fraiseql-v1-monitoring-formatter.ndjson', library: 'FraiseQL v1 docs StructuredFormatter (stdlib logging)', version: () => 'docs/production/monitoring.md (fraiseql/fraiseql @2e9e1df6 / 4cab69d5); Python 3.11 logging',
    config: 'FraiseQL docs' StructuredFormatter (docs/production/monitoring.md) on a StreamHandler(sys.stdout)', time: READERS.iso('timestamp'),
    how: 'logger.warning(message, extra={"event", "trace_id", "context"}). The formatter only copies user_id, query_id and duration(->duration_ms) from extra, so event, trace_id and ALL runbook numbers are DROPPED: each record has only timestamp, level, logger, message, module, function, line. A finding can come from level + message text only',
    timestamp_note: '`timestamp` is datetime.utcnow().isoformat(): UTC with microseconds and NO zone (UTC whatever TZ is); truncated to ms',
    findingOverrides: { trace_id: null, usage_percent: null, payload_bytes: null },
    caveat: 'The findings list what the app logged. In the file only level + message survive: memory_warning/memory_critical are recoverable from message text and level at best, with no trace id or usage number; oversized_payload is not recoverable at all (request_size_bytes dropped; the record is a plain WARNING "GraphQL request started")',
  }),
  F({
    file: 'fraiseql-v1-loki-formatter.ndjson', library: 'FraiseQL v1 docs Loki JSONFormatter (stdlib logging)', version: () => 'docs/production/loki_integration.md (fraiseql/fraiseql @7b9031e9; same class in loki-integration.md @4cab69d5); Python 3.11 logging',
    config: 'FraiseQL docs' Loki JSONFormatter (docs/production/loki_integration.md) on a StreamHandler(sys.stdout)', time: READERS.iso('timestamp'),
    how: 'logger.warning(message, extra={"event", "trace_id", "context"}). The formatter keeps only trace_id/span_id from extra: top-level `trace_id` survives, but `event` and the `context` object are DROPPED (the docs\' "Expected Log Format" shows a context object the formatter never writes); level lowercase',
    timestamp_note: '`timestamp` is datetime.utcnow().isoformat() + "Z": UTC, microseconds, Z; truncated to ms',
    findingOverrides: { usage_percent: null, payload_bytes: null },
    caveat: 'The findings list what the app logged. trace_id and level survive, event and context do not: memory_warning/memory_critical are recoverable from message text + level + trace_id at best, with no usage number; oversized_payload is not recoverable (request_size_bytes dropped; the record is a plain "warning" "GraphQL request started")',
  }),
  F({
    file: 'tracing-subscriber-fraiseql-v2-json.ndjson', library: 'tracing-subscriber (Rust) + tracing', version: () => 'tracing-subscriber 0.3.16, tracing 0.1.37 (Debian librust-*-dev, built offline)',
    config: 'tracing_subscriber::registry().with(EnvFilter).with(fmt::layer().json()).init(), as fraiseql-server init_tracing with FRAISEQL_LOG_FORMAT=json', time: READERS.iso('timestamp'),
    how: 'warn!(event = "system.high_memory", memory_usage_percent = 75.0, ..., "message") inside info_span!("memory_monitor", trace_id = "trace_mem123"): event, message and numbers are under `fields` (fields.event, fields.message, fields.memory_usage_percent); trace_id only in `span.trace_id` and `spans[].trace_id`; level uppercase ("WARN"); `target` = crate name',
    timestamp_note: '`timestamp` ISO 8601 UTC with microseconds and Z; truncated to ms',
  }),
  F({
    file: 'otel-java-otlp-json-wrapper.ndjson', library: 'OpenTelemetry Java SDK + opentelemetry-exporter-logging-otlp', otlp: true,
    version: () => 'opentelemetry-sdk / -api / -exporter-logging-otlp 1.63.0',
    config: 'SdkLoggerProvider + BatchLogRecordProcessor(OtlpStdoutLogRecordExporter.builder().setWrapperJsonObject(true).setOutput(System.out)); resource default + service.name/host.name',
    time: READERS.otlp('observedTimeUnixNano'),
    how: 'logRecordBuilder().setContext(request span context).setEventName(...).setBody(message).setAttribute(longKey/doubleKey ...): event in `eventName`, hex traceId/spanId from the context; intValue as JSON STRINGS, 75.0 as doubleValue 75.0; attributes sorted by key. Same OTLP/JSON a Collector file exporter writes',
    timestamp_note: 'NO timeUnixNano: the Java SDK leaves the record timestamp unset unless the app calls setTimestamp; only `observedTimeUnixNano` (nanosecond string) is present, used here truncated to ms',
  }),
  F({
    file: 'otel-java-otlp-json-plain.ndjson', library: 'OpenTelemetry Java SDK + opentelemetry-exporter-logging-otlp', otlp: true,
    version: () => 'opentelemetry-sdk / -api / -exporter-logging-otlp 1.63.0',
    config: 'SdkLoggerProvider + SimpleLogRecordProcessor(OtlpJsonLoggingLogRecordExporter.create()), printed via java.util.logging with -Djava.util.logging.SimpleFormatter.format=%5$s%n (stderr captured)',
    time: READERS.otlp('observedTimeUnixNano'),
    how: 'as otel-java-otlp-json-wrapper, but each line is ONE ResourceLogs object without the wrapper ({"resource":…,"scopeLogs":[…]}), one line per record (SimpleLogRecordProcessor)',
    timestamp_note: 'NO timeUnixNano (see wrapper variant); `observedTimeUnixNano` used, truncated to ms',
  }),
];

// ---- read records back -------------------------------------------------------
function records(fx) {
  const lines = readFileSync(join(dir, fx.file), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const objs = lines.map((l) => JSON.parse(l));
  if (!fx.otlp) return { lines: lines.length, recs: objs, raw: lines };
  const recs = [];
  for (const o of objs) {
    for (const rl of o.resourceLogs ?? [o]) for (const sl of rl.scopeLogs) recs.push(...sl.logRecords);
  }
  return { lines: lines.length, recs, raw: recs.map((r) => JSON.stringify(r)) };
}

const manifest = [];
for (const fx of FIXTURES) {
  if (!existsSync(join(dir, fx.file))) { console.warn(`expected.json: ${fx.file} missing, left out`); continue; }
  const { recs, raw } = records(fx);
  if (recs.length !== 6) throw new Error(`${fx.file}: ${recs.length} records, expected 6`);
  const findings = FINDINGS.map(({ index, message, ...f }) => {
    if (!raw[index].includes(message)) throw new Error(`${fx.file}: record ${index} is not "${message}"`);
    const out = { ...f };
    if (fx.otlp) out.trace_id = OTEL_TRACE_IDS[f.trace_id];
    Object.assign(out, Object.fromEntries(Object.entries(fx.findingOverrides ?? {}).filter(([k]) => k in out)));
    out.timestamp = fx.time(recs[index]);
    return out;
  });
  manifest.push({
    file: fx.file,
    library: fx.library,
    version: fx.version(),
    config: fx.config,
    how: fx.how,
    records: recs.length,
    findings,
    timestamp_note: fx.timestamp_note,
    ...(fx.caveat ? { caveat: fx.caveat } : {}),
    ...(fx.otlp ? { trace_id_map: OTEL_TRACE_IDS } : {}),
  });
}
writeFileSync(join(dir, 'expected.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`expected.json: ${manifest.length} fixtures`);
