// winston + @elastic/ecs-winston-format (`format: ecsFormat({ serviceName })`)
// on the Console transport. The app passes its own `event` string and
// `trace_id` as winston metadata.
import winston from 'winston';
import { ecsFormat } from '@elastic/ecs-winston-format';

const log = winston.createLogger({
  level: 'info',
  format: ecsFormat({ serviceName: 'graphql-api' }),
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
