import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../../src/classify/finding.js';
import { LiveCorrelator } from '../../src/correlate/live.js';
import { AckTracker } from '../../src/sources/tail/ack-tracker.js';

let seq = 0;
const finding = (trace: string | null, timestamp: number, usage = 85): Finding => ({
  id: `f${++seq}`,
  trace_id: trace,
  timestamp,
  timestamp_source: 'record',
  kind: usage > 90 ? 'memory_critical' : 'memory_warning',
  severity: usage > 90 ? 'critical' : 'warning',
  event: null,
  message: null,
  level: null,
  host: null,
  service: null,
  usage_percent: usage,
  memory_used_bytes: null,
  payload_bytes: null,
  origin: null,
  source: { file: 'a.log', line: seq, offset: 0 },
});

const options = { traceIdleMs: 30_000, incidentGapMs: 300_000, maxTraces: 100, maxFindingsPerTrace: 100 };

test('incidents open with a finding and close past the gap in log time', () => {
  const live = new LiveCorrelator(options);
  assert.deepEqual(
    live.add(finding('a', 0), 0).map((e) => e.type),
    ['incident_opened'],
  );
  assert.deepEqual(live.add(finding('a', 299_000), 1), []);
  const events = live.add(finding('b', 700_000, 95), 2);
  assert.deepEqual(
    events.map((e) => e.type),
    ['incident_closed', 'incident_opened'],
  );
  const closed = events[0]!;
  assert.ok(closed.type === 'incident_closed' && closed.incident.findings === 2 && closed.incident.end === 299_000);
});

test('an incident closes when no finding came for the gap in wall time; a trace summary comes once it is idle', () => {
  const live = new LiveCorrelator(options);
  live.add(finding('t', 1000, 81), 10_000);
  live.add(finding('t', 2000, 95), 20_000);
  assert.deepEqual(live.tick(40_000), [], 'idle for 20 s: not yet');
  const idle = live.tick(50_000);
  assert.equal(idle.length, 1);
  const [event] = idle;
  assert.ok(event?.type === 'trace' && event.reason === 'idle');
  assert.equal(event.summary.trace_id, 't');
  assert.equal(event.summary.peak_usage_percent, 95);
  assert.equal(event.summary.severity, 'critical');
  assert.equal(live.openTraces, 0);
  assert.deepEqual(
    live.tick(20_000 + 300_000).map((e) => e.type),
    ['incident_closed'],
  );
});

test('open traces are bounded: the least recent is summarised early', () => {
  const live = new LiveCorrelator({ ...options, maxTraces: 2 });
  live.add(finding('a', 0), 0);
  live.add(finding('b', 1), 0);
  const events = live.add(finding('c', 2), 0);
  assert.deepEqual(
    events.filter((e) => e.type === 'trace').map((e) => e.type === 'trace' && [e.summary.trace_id, e.reason]),
    [['a', 'evicted']],
  );
  assert.equal(live.openTraces, 2);
  assert.deepEqual(
    live.flush().map((e) => (e.type === 'trace' ? e.summary.trace_id : e.type)),
    ['b', 'c', 'incident_closed'],
  );
});

test('the committable offset stops at the first line a sink has not confirmed', () => {
  const acks = new AckTracker();
  assert.deepEqual(acks.committable(100, 3), { offset: 100, line: 3 }, 'nothing outstanding: every complete line');
  const first = acks.mark(100, 3, 2); // two sinks
  const second = acks.mark(180, 4, 2);
  assert.deepEqual(acks.committable(260, 5), { offset: 100, line: 3 });
  acks.done(second);
  acks.done(second);
  assert.deepEqual(acks.committable(260, 5), { offset: 100, line: 3 }, 'a later confirmation does not jump an earlier gap');
  acks.done(first);
  assert.equal(acks.outstanding, 2);
  acks.done(first);
  assert.deepEqual(acks.committable(260, 5), { offset: 260, line: 5 });
  assert.equal(acks.outstanding, 0);
  // A growth episode's finding is marked when found, at the earlier line where the episode began.
  const record = acks.mark(300, 6, 1);
  const growth = acks.mark(120, 2, 1);
  assert.deepEqual(acks.committable(400, 8), { offset: 120, line: 2 }, 'the earliest line waiting, not the first marked');
  acks.done(record);
  assert.deepEqual(acks.committable(400, 8), { offset: 120, line: 2 });
  acks.done(growth);
  assert.deepEqual(acks.committable(400, 8), { offset: 400, line: 8 });
  acks.mark(300, 6, 1);
  acks.reset();
  assert.deepEqual(acks.committable(0, 0), { offset: 0, line: 0 }, 'a truncated file starts over');
});
