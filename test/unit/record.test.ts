import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileMapping, detectPreset, mappingFor, PRESETS } from '../../src/parse/mapping.js';
import { toRecord } from '../../src/parse/record.js';

const fraiseql = compileMapping(PRESETS.fraiseql);

test('a runbook record maps and validates', () => {
  const result = toRecord(
    {
      timestamp: '2025-12-29T11:20:15.456Z',
      level: 'ERROR',
      event: 'system.memory_critical',
      message: 'Critical memory usage - OOM risk',
      context: { memory_used_bytes: 2013265920, memory_limit_bytes: 2147483648, memory_usage_percent: 93.75 },
      trace_id: 'trace_mem456',
    },
    fraiseql,
  );
  assert.ok(result.ok);
  assert.equal(result.record.timestamp, Date.parse('2025-12-29T11:20:15.456Z'));
  assert.equal(result.record.usage_percent, 93.75);
  assert.equal(result.record.trace_id, 'trace_mem456');
});

test('timestamps: ISO with Z or an offset, microseconds, or epoch milliseconds', () => {
  const ts = (timestamp: unknown) => {
    const r = toRecord({ timestamp }, fraiseql);
    return r.ok ? r.record.timestamp : r.reason;
  };
  assert.equal(ts('2025-12-29T12:20:15.456+01:00'), Date.parse('2025-12-29T11:20:15.456Z'));
  assert.equal(ts('2025-12-29T11:20:15.456789Z'), Date.parse('2025-12-29T11:20:15.456Z'));
  assert.equal(ts('2025-12-29T11:20:15Z'), Date.parse('2025-12-29T11:20:15Z'));
  assert.equal(ts(1767006015456), 1767006015456);
  assert.match(String(ts('2025-12-29T11:20:15.456')), /^timestamp: expected an ISO 8601 timestamp/);
  assert.match(String(ts('2025-02-30T00:00:00Z')), /^timestamp: expected/);
  assert.match(String(ts('yesterday')), /^timestamp: expected/);
  assert.equal(ts(undefined), 'timestamp: missing');
  assert.equal(ts(null), 'timestamp: missing');
});

test('wrongly typed fields make a record invalid, naming the field', () => {
  const reason = (context: object) => {
    const r = toRecord({ timestamp: '2025-12-29T11:20:15Z', context }, fraiseql);
    return r.ok ? 'ok' : r.reason;
  };
  assert.match(reason({ memory_usage_percent: '93' }), /^usage_percent: /);
  assert.match(reason({ memory_used_bytes: -1 }), /^used_bytes: /);
  assert.match(reason({ request_size_bytes: { big: true } }), /^request_bytes: /);
  assert.equal(reason({ memory_usage_percent: 93 }), 'ok');
});

test('a record that is not an object is invalid', () => {
  assert.deepEqual(toRecord([1, 2], fraiseql), { ok: false, reason: 'record is not a JSON object (got an array)' });
  assert.deepEqual(toRecord('x', fraiseql), { ok: false, reason: 'record is not a JSON object (got a string)' });
  assert.deepEqual(toRecord(null, fraiseql), { ok: false, reason: 'record is not a JSON object (got null)' });
});

test('ECS reads dotted keys and nested objects alike', () => {
  const ecs = compileMapping(PRESETS.ecs);
  const dotted = toRecord({ '@timestamp': '2025-12-29T11:20:15Z', 'log.level': 'warn', 'trace.id': 't1', 'event.action': 'system.high_memory' }, ecs);
  const nested = toRecord({ '@timestamp': '2025-12-29T11:20:15Z', log: { level: 'warn' }, trace: { id: 't1' }, event: { action: 'system.high_memory' } }, ecs);
  assert.ok(dotted.ok && nested.ok);
  assert.deepEqual(dotted.record, nested.record);
  assert.equal(dotted.record.event, 'system.high_memory');
});

test('pino numeric levels become names; numeric trace ids become strings', () => {
  const r = toRecord({ time: 1767006015456, level: 50, msg: 'x', trace_id: 12345 }, compileMapping(PRESETS.pino));
  assert.ok(r.ok);
  assert.equal(r.record.level, 'ERROR');
  assert.equal(r.record.trace_id, '12345');
  assert.equal(r.record.message, 'x');
});

test('presets are detected from a record', () => {
  assert.equal(detectPreset({ '@timestamp': 'x' }), 'ecs');
  assert.equal(detectPreset({ time: 1, level: 30, msg: 'x' }), 'pino');
  assert.equal(detectPreset({ timestamp: 'x', severity_text: 'WARN', body: 'x' }), 'otel');
  assert.equal(detectPreset({ timestamp: 'x', level: 'INFO' }), 'fraiseql');
});

test('custom field paths replace a preset field by field', () => {
  const mapping = mappingFor('fraiseql', { trace_id: ['request.trace'], usage_percent: ['mem.pct'] });
  const r = toRecord({ timestamp: '2025-12-29T11:20:15Z', request: { trace: 'abc' }, mem: { pct: 91 } }, compileMapping(mapping));
  assert.ok(r.ok);
  assert.equal(r.record.trace_id, 'abc');
  assert.equal(r.record.usage_percent, 91);
});
