import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding, FindingKind } from '../../src/classify/finding.js';
import { incidentsOf, pointOf } from '../../src/correlate/incidents.js';
import { TraceBook, type TraceSummary } from '../../src/correlate/traces.js';

let seq = 0;
function finding(trace: string | null, timestamp: number, kind: FindingKind, extra: Partial<Finding> = {}): Finding {
  seq++;
  return {
    id: `id${seq}`,
    trace_id: trace,
    timestamp,
    timestamp_source: 'record',
    kind,
    severity: kind === 'memory_critical' ? 'critical' : 'warning',
    event: null,
    message: null,
    level: null,
    host: null,
    service: null,
    usage_percent: kind === 'oversized_payload' ? null : 85,
    memory_used_bytes: null,
    payload_bytes: kind === 'oversized_payload' ? 2e6 : null,
    origin: null,
    source: { file: 'a.log', line: seq, offset: 0 },
    ...extra,
  };
}

const point = (f: Finding) => pointOf(f, f.timestamp!);

test('a trace summary: span, severity, peak usage, max payload, counts, findings in time order', () => {
  const book = new TraceBook({ maxFindingsPerTrace: 100 });
  book.add(finding('t1', 5000, 'memory_warning', { usage_percent: 81, host: 'b' }));
  book.add(finding('t1', 1000, 'oversized_payload', { payload_bytes: 3e6, usage_percent: 99, host: 'a' }));
  book.add(finding('t1', 9000, 'memory_critical', { usage_percent: 95.5, source: { file: 'b.log', line: 1, offset: 0 } }));
  book.add(finding('t2', 2000, 'oversized_payload'));
  book.add(finding(null, 3000, 'memory_warning'));
  const [t1, t2] = book.summaries();
  assert.equal(book.size, 2, 'untraced findings make no trace');
  assert.deepEqual(
    { ...t1, findings: t1!.findings.map((f) => f.timestamp) },
    {
      trace_id: 't1',
      first_seen: 1000,
      last_seen: 9000,
      duration_ms: 8000,
      severity: 'critical',
      peak_usage_percent: 95.5,
      max_payload_bytes: 3e6,
      counts: { memory_warning: 1, memory_critical: 1, oversized_payload: 1 },
      hosts: ['a', 'b'],
      files: ['a.log', 'b.log'],
      findings: [1000, 5000, 9000],
      findings_omitted: 0,
    },
  );
  assert.equal(t2!.peak_usage_percent, null, 'no memory finding, no peak');
  assert.equal(t2!.severity, 'warning');
});

test('findings beyond the per-trace cap are counted, not kept', () => {
  const book = new TraceBook({ maxFindingsPerTrace: 3 });
  for (let i = 0; i < 10; i++) book.add(finding('t', i, 'memory_warning', { usage_percent: 81 + i }));
  const [t] = book.summaries();
  assert.equal(t!.findings.length, 3);
  assert.equal(t!.findings_omitted, 7);
  assert.equal(t!.counts.memory_warning, 10);
  assert.equal(t!.peak_usage_percent, 90, 'peaks stay exact past the cap');
});

test('bounded eviction: beyond maxTraces the least recently updated trace is summarised and let go', () => {
  const evicted: TraceSummary[] = [];
  const book = new TraceBook({ maxFindingsPerTrace: 10, maxTraces: 2, onEvict: (s) => evicted.push(s) });
  book.add(finding('a', 1, 'memory_warning'));
  book.add(finding('b', 2, 'memory_warning'));
  book.add(finding('a', 3, 'memory_warning')); // a is now the most recent
  book.add(finding('c', 4, 'memory_warning'));
  assert.deepEqual(
    evicted.map((s) => s.trace_id),
    ['b'],
  );
  assert.equal(book.size, 2);
  for (let i = 0; i < 1000; i++) book.add(finding(`x${i}`, 10 + i, 'memory_warning'));
  assert.equal(book.size, 2, 'the number of traces kept never passes the bound');
  assert.equal(book.evicted, 1001);
  assert.equal(evicted.length, 1001);
});

test('take() removes one trace and returns its summary', () => {
  const book = new TraceBook({ maxFindingsPerTrace: 10 });
  book.add(finding('a', 1, 'memory_warning'));
  assert.equal(book.take('a')?.trace_id, 'a');
  assert.equal(book.take('a'), undefined);
  assert.equal(book.size, 0);
});

test('incidents: consecutive findings at most the gap apart are one incident, in any input order', () => {
  const gap = 5 * 60_000;
  const points = [
    finding('a', gap, 'memory_warning', { usage_percent: 82 }),
    finding('b', 0, 'oversized_payload'),
    finding('c', 2 * gap + 1, 'memory_critical', { usage_percent: 97 }),
    finding(null, 2 * gap, 'memory_warning', { usage_percent: 88 }),
  ].map(point);
  const incidents = incidentsOf(points, gap);
  assert.deepEqual(incidents, [
    { start: 0, end: 2 * gap + 1, findings: 4, traces: 3, severity: 'critical', peak_usage_percent: 97 },
  ]);
  const split = incidentsOf(
    [finding('a', 0, 'memory_warning'), finding('a', gap + 1, 'memory_warning')].map(point),
    gap,
  );
  assert.equal(split.length, 2, 'one millisecond past the gap starts a new incident');
  assert.deepEqual(incidentsOf([], gap), []);
});

test('payload findings do not set an incident peak', () => {
  const [incident] = incidentsOf([point(finding('a', 0, 'oversized_payload', { usage_percent: 99 }))], 1000);
  assert.equal(incident?.peak_usage_percent, null);
});

test('a finding without a time counts, sorts where its input put it, and is left out of the span and incidents', () => {
  const book = new TraceBook({ maxFindingsPerTrace: 100 });
  book.add(finding('t', 5000, 'memory_warning'));
  book.add(finding('t', null as unknown as number, 'memory_critical', { timestamp: null, timestamp_source: 'none', order: 5000 }));
  book.add(finding('t', 9000, 'memory_warning'));
  book.add(finding('u', null as unknown as number, 'memory_warning', { timestamp: null, timestamp_source: 'none', order: -Infinity }));
  const [t, u] = book.summaries();
  assert.deepEqual([t!.first_seen, t!.last_seen, t!.duration_ms, t!.severity], [5000, 9000, 4000, 'critical']);
  assert.deepEqual(
    t!.findings.map((f) => [f.timestamp, f.kind]),
    [
      [5000, 'memory_warning'],
      [null, 'memory_critical'],
      [9000, 'memory_warning'],
    ],
    'placed right after the record that came before it',
  );
  assert.deepEqual([u!.trace_id, u!.first_seen, u!.last_seen, u!.duration_ms], ['u', null, null, null], 'a trace with no time at all');
});
