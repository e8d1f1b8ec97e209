// winston bridged into the OpenTelemetry JS Logs SDK with
// @opentelemetry/winston-transport (OpenTelemetryTransportV3), set up as its
// README shows (global LoggerProvider via @opentelemetry/api-logs), exported
// with OTLPLogExporter (OTLP/HTTP, JSON) to a local capture server.
// The app's winston calls are unchanged (message + { event, trace_id, context });
// they run inside the request's active OTel context (AsyncLocalStorage context
// manager), which is where the transport's records take traceId/spanId from.
import os from 'node:os';
import winston from 'winston';
import { logs } from '@opentelemetry/api-logs';
import { ROOT_CONTEXT, TraceFlags, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { OpenTelemetryTransportV3 } from '@opentelemetry/winston-transport';
import { startCapture } from './otlp-capture.mjs';

const collector = await startCapture();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const loggerProvider = new LoggerProvider({
  resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'graphql-api', 'host.name': os.hostname() })),
  processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: collector.url }) })],
});
logs.setGlobalLoggerProvider(loggerProvider);

const log = winston.createLogger({ level: 'info', transports: [new OpenTelemetryTransportV3()] });

// Run `fn` as part of a request whose span context is (traceId, spanId).
const inRequest = (traceId, spanId, fn) =>
  context.with(trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true }), fn);

inRequest('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', () =>
  log.info('GraphQL request started', { trace_id: 'trace_req001', operation_name: 'GetUsers' }));
inRequest('5e2b7c0a9d1f4e38a6b2c4d8e0f13123', '6d1a0e3b9c5f2123', () =>
  log.warn('Application memory usage exceeds threshold', {
    event: 'system.high_memory',
    trace_id: 'trace_mem123',
    context: { memory_used_bytes: 1610612736, memory_limit_bytes: 2147483648, memory_usage_percent: 75.0, threshold_percent: 70.0 },
  }));
inRequest('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', () =>
  log.info('Query result served from cache', { trace_id: 'trace_req002', cache_hit: true }));
inRequest('9c1d3e5f7a2b4c6d8e0f1a3b5c7d9456', '3f8e2a1c7b9d4456', () =>
  log.error('Critical memory usage - OOM risk', {
    event: 'system.memory_critical',
    trace_id: 'trace_mem456',
    context: { memory_used_bytes: 2013265920, memory_limit_bytes: 2147483648, memory_usage_percent: 93.75, swap_used_bytes: 524288000 },
  }));
inRequest('2f4a6c8e0b1d3f5a7c9e1b3d5f7a9789', '8a2c4e6f1b3d5789', () =>
  log.warn('GraphQL request started', {
    event: 'graphql.request.start',
    trace_id: 'trace_big789',
    context: { request_size_bytes: 2000000, operation_name: 'BulkImport' },
  }));
inRequest('7d3e9a1c5b2f4d6e8a0c2e4f6b8d0003', 'c5e7a9b1d3f50003', () =>
  log.info('GraphQL request completed', { trace_id: 'trace_req003', status_code: 200, duration_ms: 42 }));

await new Promise((resolve) => setImmediate(resolve)); // let winston's stream deliver to the transport
await loggerProvider.shutdown(); // flushes the batch to the exporter
await collector.close();
