import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTO, compileMapping, mappingFor, PRESETS } from '../../src/parse/mapping.js';
import { anyValue, otlpRecords } from '../../src/parse/otlp.js';
import { toRecord, type LogRecord } from '../../src/parse/record.js';
import { describeShape } from '../../src/parse/shape.js';
import { parseTime } from '../../src/parse/time.js';

const auto = compileMapping(AUTO);
const fraiseql = compileMapping(PRESETS.fraiseql);

function read(value: unknown, extract = auto, timezone?: string): LogRecord | string {
  const r = toRecord(value, extract, timezone);
  return r.ok ? r.record : r.reason;
}

test('a runbook record maps and validates', () => {
  const record = read({
    timestamp: '2025-12-29T11:20:15.456Z',
    level: 'ERROR',
    event: 'system.memory_critical',
    message: 'Critical memory usage - OOM risk',
    context: { memory_used_bytes: 2013265920, memory_limit_bytes: 2147483648, memory_usage_percent: 93.75, swap_used_bytes: 524288000 },
    trace_id: 'trace_mem456',
  }) as LogRecord;
  assert.equal(record.timestamp, Date.parse('2025-12-29T11:20:15.456Z'));
  assert.deepEqual(
    [record.usage_percent, record.used_bytes, record.limit_bytes, record.swap_bytes, record.trace_id, record.event],
    [93.75, 2013265920, 2147483648, 524288000, 'trace_mem456', 'system.memory_critical'],
  );
});

test('times: ISO with Z or an offset, naive ISO and asctime in the given zone, epoch numbers by magnitude, OTLP digit strings', () => {
  const ms = (value: string | number, zone?: string) => {
    const r = parseTime(value, zone);
    return r.ok ? r.ms : r.reason;
  };
  const t = Date.parse('2025-12-29T11:20:15.456Z');
  assert.equal(ms('2025-12-29T12:20:15.456+01:00'), t);
  assert.equal(ms('2025-12-29T12:20:15.456+0100'), t);
  assert.equal(ms('2025-12-29T11:20:15.456789Z'), t, 'microseconds truncated to the millisecond');
  assert.equal(ms('2025-12-29T11:20:15.456'), t, 'naive: UTC by default');
  assert.equal(ms('2025-12-29 11:20:15,456'), t, "Python's asctime");
  assert.equal(ms('2025-12-29T12:20:15.456', 'Europe/Paris'), t, 'naive, in the zone given');
  assert.equal(ms('2025-07-01T13:20:15.456', 'Europe/Paris'), Date.parse('2025-07-01T11:20:15.456Z'), 'summer time');
  assert.equal(ms(1767007215.456), t, 'epoch seconds with a fraction (structlog)');
  assert.equal(ms(1767007215456), t, 'epoch milliseconds (pino)');
  assert.equal(ms(1767007215456789), t, 'epoch microseconds');
  const nanoseconds = Number('1767007215456789123'); // as JSON.parse gives it: beyond 2^53, not exact
  assert.equal(ms(nanoseconds), Math.floor(nanoseconds / 1e6), 'epoch nanoseconds (as a JSON number)');
  assert.equal(ms('1767007215456789123'), t, 'OTLP nanoseconds, exact as a digit string');
  assert.equal(ms('2025-12-29T11:20Z'), Date.parse('2025-12-29T11:20:00Z'), 'to the minute');
  assert.equal(ms('2025-12-29T16:50:15.4+05:30'), Date.parse('2025-12-29T11:20:15.400Z'));
  assert.equal(ms('2025-12-29T11:20:15.456 +00'), t, 'a space before the zone, an hour-only offset');
  assert.equal(ms('2024-02-29T00:00:00Z'), Date.parse('2024-02-29T00:00:00Z'), 'a leap day');
  assert.match(String(ms('2025-02-29T00:00:00Z')), /not a valid date/);
  assert.match(String(ms('2025-12-29T11:20:15Zx')), /^expected/, 'nothing may follow the zone');
  assert.match(String(ms('2025-12-29T11:20:15.Z')), /^expected/, 'a fraction needs digits');
  assert.match(String(ms('2025-02-30T00:00:00Z')), /not a valid date/);
  assert.match(String(ms('yesterday')), /^expected an ISO 8601 time/);
  assert.match(String(ms(8640000000000001)), /out of range/, 'beyond 2100 is no log time');
  assert.match(String(ms(-5)), /out of range/);
  assert.match(String(ms('0099-06-15T10:11:12Z')), /out of range/, 'a year below 100 is not read as 1999');
  assert.match(String(ms('0070-01-01T00:00:00', 'Europe/Paris')), /out of range/, 'nor in a zone');
});

test('times read one after another agree with Date.UTC: across days, months and years, back and forth, a leap second', () => {
  const read = (value: string) => {
    const r = parseTime(value);
    return r.ok ? r.ms : r.reason;
  };
  // Days alternate, so the day cached for one time must never serve the next.
  const times = [
    '2025-12-31T23:59:59.999Z',
    '2026-01-01T00:00:00.000Z',
    '2025-12-31T23:59:59.998Z',
    '2024-02-29T12:00:00.001+05:30',
    '2024-03-01T00:00:00Z',
    '2024-02-29T23:59:60Z',
    '2026-01-01T00:00:00.000Z',
    '2026-01-01T01:00:00.000-01:00',
    // Neighbours that differ in one of day, month or year only: a day cached under a key that left one out would serve the other.
    '2026-01-02T00:00:00Z',
    '2026-02-02T00:00:00Z',
    '2025-02-02T00:00:00Z',
    '2025-02-03T00:00:00Z',
    '2099-12-31T23:59:59.999Z',
  ];
  for (const value of [...times, ...times.reverse()]) {
    const [, y, mo, d, h, mi, sec, frac, zone] = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(value)!;
    const offset = zone === 'Z' ? 0 : (zone!.startsWith('-') ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4)));
    const expected = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number((frac ?? '0').padEnd(3, '0').slice(0, 3))) - offset * 60_000;
    assert.equal(read(value), expected, value);
  }
});

test('a record without a time is still a record; a time that cannot be read makes it invalid', () => {
  const untimed = read({ event: 'system.high_memory', context: { memory_usage_percent: 85 } }) as LogRecord;
  assert.equal(untimed.timestamp, null);
  assert.equal(untimed.event, 'system.high_memory');
  assert.match(read({ timestamp: 'yesterday at noon' }) as string, /^timestamp: expected an ISO 8601 time/);
  assert.match(read({ timestamp: 1e16 }) as string, /^timestamp: out of range/);
});

test('numbers of the wrong type make a record invalid, naming the field and the path; a usage that is not finite too', () => {
  const reason = (context: object) => read({ timestamp: '2025-12-29T11:20:15Z', context });
  assert.equal(reason({ memory_usage_percent: '93' }), 'usage_percent: expected a number at context.memory_usage_percent, got a string ("93")');
  assert.match(reason({ memory_used_bytes: -1 }) as string, /^used_bytes: /);
  assert.match(reason({ request_size_bytes: { big: true } }) as string, /^request_bytes: expected a number at context\.request_size_bytes, got a object/);
  assert.equal(reason({ memory_used_bytes: 1e307, memory_limit_bytes: 1e-300 }), 'usage_percent: memory_used_bytes / memory_limit_bytes is not a finite number');
  assert.match(reason({ memory_usage_percent: Infinity }) as string, /^usage_percent: /);
  assert.equal(typeof reason({ memory_usage_percent: 93 }), 'object');
});

test('null, "" and wrong types count as absent: the next candidate is read', () => {
  const r = read({ timestamp: '', '@timestamp': '2025-12-29T11:20:15Z', event: { dataset: 'x' }, 'event.action': 'system.high_memory', trace_id: null, traceId: '0x4bf92f35' }) as LogRecord;
  assert.equal(r.timestamp, Date.parse('2025-12-29T11:20:15Z'));
  assert.equal(r.event, 'system.high_memory');
  assert.equal(r.trace_id, '4bf92f35', '0x stripped');
  assert.equal((read({ trace_id: '00000000000000000000000000000000' }) as LogRecord).trace_id, undefined, 'all-zero: no trace');
  assert.equal((read({ trace_id: '' }) as LogRecord).trace_id, undefined);
});

test('ECS: dotted keys, nested objects and their mix read alike', () => {
  const ecs = compileMapping(PRESETS.ecs);
  const dotted = read({ '@timestamp': '2025-12-29T11:20:15Z', 'log.level': 'warn', 'trace.id': 't1', 'event.action': 'system.high_memory' }, ecs);
  const nested = read({ '@timestamp': '2025-12-29T11:20:15Z', log: { level: 'warn' }, trace: { id: 't1' }, event: { action: 'system.high_memory' } }, ecs);
  assert.deepEqual(dotted, nested);
  assert.equal((dotted as LogRecord).event, 'system.high_memory');
  const mixed = read({ attributes: { 'event.name': 'system.memory_critical' } }) as LogRecord;
  assert.equal(mixed.event, 'system.memory_critical', 'a literal dotted key inside an object');
});

test('levels: pino and OTel severity numbers become names; numeric trace ids become strings', () => {
  const pino = read({ time: 1767006015456, level: 50, msg: 'x', trace_id: 12345 }) as LogRecord;
  assert.deepEqual([pino.level, pino.trace_id, pino.message], ['ERROR', '12345', 'x']);
  assert.equal((read({ severityNumber: 13 }) as LogRecord).level, 'WARN');
  assert.equal((read({ levelname: 'WARNING' }) as LogRecord).level, 'WARNING');
});

test('tracing-subscriber: fields.*, the span trace id, the innermost span of spans[]', () => {
  const r = read({
    timestamp: '2026-11-28T12:44:15.770973Z',
    level: 'WARN',
    fields: { message: 'm', event: 'system.high_memory', memory_usage_percent: 75.0 },
    target: 'x',
    spans: [{ trace_id: 'outer' }, { name: 'no id' }, { trace_id: 'inner' }],
  }) as LogRecord;
  assert.deepEqual([r.event, r.message, r.usage_percent, r.trace_id], ['system.high_memory', 'm', 75, 'inner']);
  assert.equal((read({ span: { trace_id: 'current' }, spans: [{ trace_id: 'x' }] }) as LogRecord).trace_id, 'current');
});

test('OTLP/JSON: one record per logRecord, attributes and resource flattened, AnyValues as plain values', () => {
  const document = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'host.name', value: { stringValue: 'h1' } }, { key: 'service.name', value: { stringValue: 'api' } }] },
        scopeLogs: [
          {
            scope: { name: 's' },
            logRecords: [
              {
                timeUnixNano: '0',
                observedTimeUnixNano: '1767007215456789123',
                severityText: 'WARN',
                body: { stringValue: 'high' },
                eventName: 'system.high_memory',
                traceId: '5e2b7c0a9d1f4e38a6b2c4d8e0f13123',
                attributes: [
                  { key: 'context', value: { kvlistValue: { values: [{ key: 'memory_usage_percent', value: { doubleValue: 75 } }] } } },
                  { key: 'request_size_bytes', value: { intValue: '2000000' } },
                ],
              },
              7,
            ],
          },
        ],
      },
    ],
  };
  const [first, second] = [...otlpRecords(document)];
  const r = read(first!.record) as LogRecord;
  assert.deepEqual(
    [r.timestamp, r.level, r.message, r.event, r.trace_id, r.host, r.service, r.usage_percent, r.request_bytes],
    [Date.parse('2025-12-29T11:20:15.456Z'), 'WARN', 'high', 'system.high_memory', '5e2b7c0a9d1f4e38a6b2c4d8e0f13123', 'h1', 'api', 75, 2000000],
    'timeUnixNano "0" is unset: the observed time stands in',
  );
  assert.equal(read(second!.record), 'record is not a JSON object (got a number)');
  assert.deepEqual(anyValue({ arrayValue: { values: [{ boolValue: true }, { intValue: 3 }] } }), [true, 3]);
});

test('the OpenTelemetry Python console exporter shape: attributes.context.*, "0x" trace ids, empty event_name', () => {
  const r = read({
    body: 'Critical memory usage - OOM risk',
    severity_number: 17,
    severity_text: 'ERROR',
    attributes: { context: { memory_usage_percent: 93.75 } },
    timestamp: '2026-11-28T08:59:33.630000Z',
    trace_id: '0x9c1d3e5f7a2b4c6d8e0f1a3b5c7d9456',
    event_name: '',
  }) as LogRecord;
  assert.deepEqual([r.usage_percent, r.trace_id, r.event, r.level, r.message], [93.75, '9c1d3e5f7a2b4c6d8e0f1a3b5c7d9456', undefined, 'ERROR', 'Critical memory usage - OOM risk']);
  assert.equal((read({ trace_id: '0x00000000000000000000000000000000' }) as LogRecord).trace_id, undefined);
});

test('a record that is not an object is invalid', () => {
  assert.equal(read([1, 2]), 'record is not a JSON object (got an array)');
  assert.equal(read('x'), 'record is not a JSON object (got a string ("x"))');
  assert.equal(read(null), 'record is not a JSON object (got null)');
});

test('custom field paths replace a field of a preset or of auto', () => {
  const mapping = mappingFor('auto', { trace_id: ['request.trace'], usage_percent: ['mem.pct'] });
  const r = read({ timestamp: '2025-12-29T11:20:15Z', trace_id: 'ignored', request: { trace: 'abc' }, mem: { pct: 91 } }, compileMapping(mapping)) as LogRecord;
  assert.equal(r.trace_id, 'abc');
  assert.equal(r.usage_percent, 91);
  const pinned = read({ '@timestamp': '2025-12-29T11:20:15Z' }, fraiseql) as LogRecord;
  assert.equal(pinned.timestamp, null, 'a preset reads only its own time field');
});

test('shapes are named for people', () => {
  assert.equal(describeShape({ '@timestamp': 'x', 'log.level': 'info', 'ecs.version': '8' }), 'ECS (Elastic Common Schema)');
  assert.equal(describeShape({ time: 1, level: 30, msg: 'x' }), 'pino');
  assert.equal(describeShape({ resourceLogs: [] }), 'OpenTelemetry OTLP/JSON');
  assert.equal(describeShape({ timestamp: 'x', level: 'INFO', fields: {}, target: 't' }), 'tracing-subscriber JSON (Rust)');
  assert.equal(describeShape({ timestamp: 'x', context: {} }), "the runbook's own shape (FraiseQL)");
});
