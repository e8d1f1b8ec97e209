// OpenTelemetry JS Logs SDK: LoggerProvider + BatchLogRecordProcessor +
// OTLPLogExporter (OTLP/HTTP, JSON encoding) posting to a local capture server.
// Resource: SDK defaults merged with service.name and host.name.
// Each record is emitted with the request's trace context (the span context an
// incoming W3C `traceparent` would carry), so traceId/spanId are real hex ids;
// the event name goes in the LogRecord's eventName, the message in body and the
// runbook context as flat attributes.
import os from 'node:os';
import { ROOT_CONTEXT, SeverityNumber, TraceFlags, trace } from '@opentelemetry/api';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { startCapture } from './otlp-capture.mjs';

const collector = await startCapture();
const loggerProvider = new LoggerProvider({
  resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'graphql-api', 'host.name': os.hostname() })),
  processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: collector.url }) })],
});
const logger = loggerProvider.getLogger('graphql-api', '1.0.0');

// The span context of the request being handled.
const requestContext = (traceId, spanId) =>
  trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });

logger.emit({
  severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'GraphQL request started',
  attributes: { 'graphql.operation.name': 'GetUsers' },
  context: requestContext('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'),
});
logger.emit({
  severityNumber: SeverityNumber.WARN, severityText: 'WARN', eventName: 'system.high_memory',
  body: 'Application memory usage exceeds threshold',
  attributes: { memory_used_bytes: 1610612736, memory_limit_bytes: 2147483648, memory_usage_percent: 75.0, threshold_percent: 70.0 },
  context: requestContext('5e2b7c0a9d1f4e38a6b2c4d8e0f13123', '6d1a0e3b9c5f2123'),
});
logger.emit({
  severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'Query result served from cache',
  attributes: { cache_hit: true },
  context: requestContext('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'),
});
logger.emit({
  severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', eventName: 'system.memory_critical',
  body: 'Critical memory usage - OOM risk',
  attributes: { memory_used_bytes: 2013265920, memory_limit_bytes: 2147483648, memory_usage_percent: 93.75, swap_used_bytes: 524288000 },
  context: requestContext('9c1d3e5f7a2b4c6d8e0f1a3b5c7d9456', '3f8e2a1c7b9d4456'),
});
logger.emit({
  severityNumber: SeverityNumber.WARN, severityText: 'WARN', eventName: 'graphql.request.start',
  body: 'GraphQL request started',
  attributes: { request_size_bytes: 2000000, 'graphql.operation.name': 'BulkImport' },
  context: requestContext('2f4a6c8e0b1d3f5a7c9e1b3d5f7a9789', '8a2c4e6f1b3d5789'),
});
logger.emit({
  severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'GraphQL request completed',
  attributes: { 'http.response.status_code': 200, duration_ms: 42 },
  context: requestContext('7d3e9a1c5b2f4d6e8a0c2e4f6b8d0003', 'c5e7a9b1d3f50003'),
});

await loggerProvider.shutdown(); // flushes the batch to the exporter
await collector.close();
