// winston with format.json() alone on the Console transport (stdout):
// no timestamp format, so records carry no time field at all.
import winston from 'winston';

const log = winston.createLogger({
  level: 'info',
  format: winston.format.json(),
  transports: [new winston.transports.Console()],
});

log.info('GraphQL request started', { trace_id: 'trace_req001', operation_name: 'GetUsers' });
log.warn('Application memory usage exceeds threshold', {
  event: 'system.high_memory',
  trace_id: 'trace_mem123',
  context: { memory_used_bytes: 1610612736, memory_limit_bytes: 2147483648, memory_usage_percent: 75.0, threshold_percent: 70.0 },
});
log.info('Query result served from cache', { trace_id: 'trace_req002', cache_hit: true });
log.error('Critical memory usage - OOM risk', {
  event: 'system.memory_critical',
  trace_id: 'trace_mem456',
  context: { memory_used_bytes: 2013265920, memory_limit_bytes: 2147483648, memory_usage_percent: 93.75, swap_used_bytes: 524288000 },
});
log.warn('GraphQL request started', {
  event: 'graphql.request.start',
  trace_id: 'trace_big789',
  context: { request_size_bytes: 2000000, operation_name: 'BulkImport' },
});
log.info('GraphQL request completed', { trace_id: 'trace_req003', status_code: 200, duration_ms: 42 });
