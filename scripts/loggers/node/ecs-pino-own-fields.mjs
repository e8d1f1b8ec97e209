// pino + @elastic/ecs-pino-format, configured per its docs with a serviceName.
// The app keeps its own runbook field names: a plain `event` string and a
// `trace_id` field; the formatter passes unknown fields through unchanged.
import pino from 'pino';
import { ecsFormat } from '@elastic/ecs-pino-format';

const log = pino(ecsFormat({ serviceName: 'graphql-api' }));

log.info({ trace_id: 'trace_req001', operation_name: 'GetUsers' }, 'GraphQL request started');
log.warn({
  event: 'system.high_memory',
  trace_id: 'trace_mem123',
  context: { memory_used_bytes: 1610612736, memory_limit_bytes: 2147483648, memory_usage_percent: 75.0, threshold_percent: 70.0 },
}, 'Application memory usage exceeds threshold');
log.info({ trace_id: 'trace_req002', cache_hit: true }, 'Query result served from cache');
log.error({
  event: 'system.memory_critical',
  trace_id: 'trace_mem456',
  context: { memory_used_bytes: 2013265920, memory_limit_bytes: 2147483648, memory_usage_percent: 93.75, swap_used_bytes: 524288000 },
}, 'Critical memory usage - OOM risk');
log.warn({
  event: 'graphql.request.start',
  trace_id: 'trace_big789',
  context: { request_size_bytes: 2000000, operation_name: 'BulkImport' },
}, 'GraphQL request started');
log.info({ trace_id: 'trace_req003', status_code: 200, duration_ms: 42 }, 'GraphQL request completed');
