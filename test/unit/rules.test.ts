import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingId } from '../../src/classify/rules.js';
import { configSchema, type Config } from '../../src/config.js';
import type { LogRecord } from '../../src/parse/record.js';
import { classify } from '../support/classify.js';

const rules = configSchema.parse({});
const kinds = (record: Partial<LogRecord>, r: Config = rules) => classify({ timestamp: 0, ...record }, r).map((f) => `${f.kind}/${f.severity}`);

test('usage thresholds are strict: 80 and 90 do not exceed, just above does', () => {
  assert.deepEqual(kinds({ usage_percent: 80 }), []);
  assert.deepEqual(kinds({ usage_percent: 80.0001 }), ['memory_warning/warning']);
  assert.deepEqual(kinds({ usage_percent: 90 }), ['memory_warning/warning']);
  assert.deepEqual(kinds({ usage_percent: 90.0001 }), ['memory_critical/critical']);
  assert.deepEqual(kinds({ usage_percent: 0 }), []);
});

test('usage falls back to used / limit × 100', () => {
  assert.deepEqual(kinds({ used_bytes: 81, limit_bytes: 100 }), ['memory_warning/warning']);
  assert.deepEqual(kinds({ used_bytes: 80, limit_bytes: 100 }), []);
  assert.deepEqual(kinds({ used_bytes: 91, limit_bytes: 100 }), ['memory_critical/critical']);
  assert.deepEqual(kinds({ used_bytes: 91, limit_bytes: 0 }), [], 'no limit, no usage');
  assert.deepEqual(kinds({ usage_percent: 50, used_bytes: 99, limit_bytes: 100 }), [], 'the stated percent wins');
});

test('events decide regardless of usage; critical wins over warning', () => {
  assert.deepEqual(kinds({ event: 'system.memory_critical' }), ['memory_critical/critical']);
  assert.deepEqual(kinds({ event: 'system.memory_critical', usage_percent: 10 }), ['memory_critical/critical']);
  assert.deepEqual(kinds({ event: 'system.high_memory', usage_percent: 75 }), ['memory_warning/warning']);
  assert.deepEqual(kinds({ event: 'system.memory_warning' }), ['memory_warning/warning']);
  assert.deepEqual(kinds({ event: 'system.high_memory', usage_percent: 95 }), ['memory_critical/critical']);
  assert.deepEqual(kinds({ event: 'system.memory_sample' }), []);
});

test('payloads over 1 MiB (request or response) are one finding with the larger size', () => {
  assert.deepEqual(kinds({ request_bytes: 1048576 }), []);
  assert.deepEqual(kinds({ request_bytes: 1048577 }), ['oversized_payload/warning']);
  assert.deepEqual(kinds({ response_bytes: 1048577 }), ['oversized_payload/warning']);
  const [finding] = classify({ timestamp: 0, request_bytes: 2e6, response_bytes: 3e6 }, rules);
  assert.equal(finding?.payload_bytes, 3e6);
});

test('a record yields at most one memory and one payload finding', () => {
  assert.deepEqual(kinds({ event: 'system.high_memory', usage_percent: 99, request_bytes: 5e6, response_bytes: 6e6 }), [
    'memory_critical/critical',
    'oversized_payload/warning',
  ]);
});

test('thresholds and events come from the config', () => {
  const custom = configSchema.parse({
    thresholds: { warn_percent: 70, critical_percent: 85, payload_bytes: 1000 },
    events: { critical: ['oom'], warning: [] },
  });
  assert.deepEqual(kinds({ usage_percent: 71 }, custom), ['memory_warning/warning']);
  assert.deepEqual(kinds({ usage_percent: 86 }, custom), ['memory_critical/critical']);
  assert.deepEqual(kinds({ event: 'system.high_memory' }, custom), []);
  assert.deepEqual(kinds({ event: 'oom' }, custom), ['memory_critical/critical']);
  assert.deepEqual(kinds({ request_bytes: 1001 }, custom), ['oversized_payload/warning']);
});

test('finding ids are deterministic per record text and kind', () => {
  assert.equal(findingId('{"a":1}', 'memory_warning'), findingId('{"a":1}', 'memory_warning'));
  assert.notEqual(findingId('{"a":1}', 'memory_warning'), findingId('{"a":1}', 'oversized_payload'));
  assert.notEqual(findingId('{"a":1}', 'memory_warning'), findingId('{"a":2}', 'memory_warning'));
  assert.match(findingId('x', 'memory_critical'), /^[0-9a-f]{32}$/);
  // Pinned: an id is the engine's document id, so a re-run by another version must give the same one.
  assert.equal(findingId('{"a":1,"m":"é"}', 'memory_warning'), '263b5bfbfd89c8a00f43bbec97c413f3', 'sha256 of kind, newline, text (UTF-8), first 32 hex digits');
  assert.equal(findingId('{"m":"\ud800"}', 'oom_kill'), '2cc6584bf04909f4bebdc7cec4c7e844', 'a lone surrogate encodes as U+FFFD, as Hash#update encoded it');
});
