import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SeriesOutput } from '../../src/classify/detector.js';
import type { Finding } from '../../src/classify/finding.js';
import { trendsDetector } from '../../src/classify/detectors/trends.js';
import { theilSen } from '../../src/classify/trends/theil-sen.js';
import type { SeriesPointBatch, SeriesSummary } from '../../src/classify/trends/summary.js';
import { configSchema, type ConfigInput } from '../../src/config.js';
import { trendScenarios, type TrendTruth } from '../../src/generate/trends.js';

const MB = 1024 * 1024;
const END = Date.parse('2026-11-28T12:00:00Z');

function seeded(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

interface Run {
  findings: Finding[];
  series: SeriesSummary[];
  points: SeriesPointBatch;
}

/** Feeds samples (in the order given) to the trend detector, as the pipeline does. */
function detect(samples: { t: number; record: Record<string, unknown> }[], options: { live?: boolean; config?: ConfigInput } = {}): Run {
  const detector = trendsDetector.create(configSchema.parse(options.config ?? {}), { live: options.live ?? false });
  assert.equal(detector.type, 'series');
  const run: Run = { findings: [], series: [], points: [] };
  const out: SeriesOutput = { finding: (f) => run.findings.push(f), points: (batch) => run.points.push(...batch) };
  samples.forEach(({ t, record }, i) => {
    const context = (record.context ?? {}) as Record<string, number>;
    const sample = detector.sample(
      {
        timestamp: t,
        host: record.host as string,
        service: record.service as string,
        pid: typeof record.pid === 'number' ? String(record.pid) : undefined,
        used_bytes: context.memory_used_bytes,
        limit_bytes: context.memory_limit_bytes,
        swap_bytes: context.swap_used_bytes,
      },
      { file: 'app.log', line: i + 1, offset: 0 },
    );
    if (sample) detector.add(sample, { file: 'app.log', line: i + 1, offset: 0 }, out);
  });
  detector.flush(out);
  run.series = detector.summaries!();
  return run;
}

const { records, truth } = trendScenarios(END, seeded(11));
const batch = detect(records);

for (const expected of truth) {
  test(`trend scenario "${expected.scenario}": ${expected.finding ? `${expected.finding.severity} ${expected.finding.kind}` : 'no finding'}, ${expected.verdict}`, () => {
    const found = batch.findings.filter((f) => f.host === expected.host);
    if (expected.finding === null) {
      assert.deepEqual(found.map((f) => f.message), [], 'no growth finding');
    } else {
      assert.equal(found.length, 1, `one ${expected.finding.kind} finding: ${found.map((f) => f.message).join(' | ')}`);
      assert.equal(found[0]!.kind, expected.finding.kind);
      assert.equal(found[0]!.severity, expected.finding.severity);
      assert.equal(found[0]!.details?.restarts, expected.restarts);
    }
    const memory = batch.series.filter((s) => s.host === expected.host && s.measure === 'memory_used_bytes');
    assert.equal(memory.length, 1, `one memory series for ${expected.host}: ${memory.map((s) => s.key).join(', ')}`);
    assert.equal(memory[0]!.verdict, expected.verdict);
    assert.equal(memory[0]!.restarts.length, expected.restarts, 'restarts on the series');
    if (expected.swap_verdict) {
      const swap = batch.series.find((s) => s.host === expected.host && s.measure === 'swap_used_bytes');
      assert.equal(swap?.verdict, expected.swap_verdict);
    }
    if (expected.growth_bytes_per_second !== null && expected.finding !== null) {
      const rate = Number(found[0]!.details?.growth_bytes_per_second);
      assert.ok(Math.abs(rate - expected.growth_bytes_per_second) / expected.growth_bytes_per_second < 0.15, `rate ${rate} near ${expected.growth_bytes_per_second}`);
    }
  });
}

test('the projected time to the limit is within 5 % of the truth (of the time left)', () => {
  const expected = truth.find((t): t is TrendTruth & { projected_limit_at: string } => t.projected_limit_at !== null)!;
  const finding = batch.findings.find((f) => f.host === expected.host)!;
  const projected = Number(finding.details?.projected_limit_at);
  const truthAt = Date.parse(expected.projected_limit_at);
  const left = truthAt - END;
  assert.ok(Math.abs(projected - truthAt) <= 0.05 * left, `projected ${new Date(projected).toISOString()}, truth ${expected.projected_limit_at}`);
  assert.match(finding.message!, /reaches its 2 GB limit at \d\d:\d\d UTC, in \d+ hours?/);
});

test('a leak near its limit is critical and says when: within the horizon', () => {
  // 1.6 GB growing 60 MB per 30 min toward 2 GB: the limit is about 3 h away at the end, 1 h with --limit-horizon 4h.
  const samples = Array.from({ length: 2 * 240 }, (_, i) => {
    const t = END - 2 * 3600_000 + i * 15_000;
    return { t, record: { host: 'h', service: 's', context: { memory_used_bytes: 1600 * MB + ((60 * MB) / 1800) * i * 15, memory_limit_bytes: 2048 * MB } } };
  });
  assert.equal(detect(samples).findings[0]?.severity, 'warning');
  const critical = detect(samples, { config: { trends: { limit_horizon: '4h' } } }).findings;
  assert.equal(critical.length, 1);
  assert.equal(critical[0]!.severity, 'critical');
});

test('growth ids are the series and the episode start: a live run and a batch run update one document', () => {
  const leak = records.filter((r) => r.record.host === 'trend-leak' || r.record.host === 'trend-oom');
  const live = detect(leak, { live: true });
  const again = detect(leak);
  const batchIds = new Set(again.findings.map((f) => f.id));
  assert.ok(live.findings.length >= 2, 'live: reported when the rule first holds (and flushed on stop)');
  for (const finding of live.findings) assert.ok(batchIds.has(finding.id), `live ${finding.kind} ${finding.host} has the batch id`);
  // Live reports a finding when it is confirmed and again only when it escalates, then the final state once.
  const reports = new Map<string, number>();
  for (const f of live.findings) reports.set(f.id, (reports.get(f.id) ?? 0) + 1);
  for (const [, n] of reports) assert.ok(n <= 3, `reported ${n} times`);
  assert.ok(live.points.length > 0, 'live: closed buckets go to the outputs');
});

test('samples out of time order (a rotated file read after the current one) give the same series', () => {
  const leak = records.filter((r) => r.record.host === 'trend-oom');
  const half = Math.floor(leak.length / 2);
  const rotated = detect([...leak.slice(half), ...leak.slice(0, half)]);
  const ordered = detect(leak);
  const summary = (run: Run) => run.series.map((s) => ({ key: s.key, verdict: s.verdict, restarts: s.restarts, growth: s.growth, samples: s.samples }));
  assert.deepEqual(summary(rotated), summary(ordered));
  assert.deepEqual(
    rotated.findings.map((f) => [f.id, f.severity]),
    ordered.findings.map((f) => [f.id, f.severity]),
  );
});

test('workers of one service logging side by side are separate series, not restarts', () => {
  const samples = Array.from({ length: 3 * 240 * 2 }, (_, i) => {
    const worker = i % 2;
    const t = END - 3 * 3600_000 + Math.floor(i / 2) * 15_000;
    return { t, record: { host: 'h', service: 's', pid: 100 + worker, context: { memory_used_bytes: (worker === 0 ? 500 : 900) * MB + (i % 7) * MB } } };
  });
  const run = detect(samples);
  assert.deepEqual(
    run.series.map((s) => [s.key, s.restarts.length, s.verdict]),
    [
      ['h/s', 0, 'stable'],
      ['h/s#1', 0, 'stable'],
    ],
  );
});

test('the state per series is bounded: a long series is kept in at most 512 buckets', () => {
  const samples = Array.from({ length: 20_000 }, (_, i) => ({ t: END - 20_000 * 30_000 + i * 30_000, record: { host: 'h', service: 's', context: { memory_used_bytes: 500 * MB } } }));
  const [series] = detect(samples).series;
  assert.ok(series!.points.length <= 512, `${series!.points.length} buckets`);
  assert.equal(series!.samples, 20_000);
  assert.equal(series!.points.reduce((n, p) => n + p.samples, 0), 20_000);
});

test('Theil–Sen ignores outliers and pairs across segments', () => {
  const times = [0, 1, 2, 3, 4, 5, 6];
  assert.equal(theilSen(times, [0, 2, 4, 6, 100, 10, 12], [0, 0, 0, 0, 0, 0, 0]), 2);
  assert.equal(theilSen(times, [10, 12, 14, 0, 2, 4, 6], [0, 0, 0, 1, 1, 1, 1]), 2);
  assert.equal(theilSen([0], [1], [0]), undefined);
});

test('growth rates are read as the runbook writes them; a bad one is a clear error', () => {
  const config = configSchema.parse({ trends: { growth_rate: '5MiB/10m', stable_rate: '512KB/10m' } });
  assert.equal(config.trends.growth_rate.bytes, 5 * MB);
  assert.equal(config.trends.growth_rate.perMs, 600_000);
  const bad = configSchema.safeParse({ trends: { growth_rate: '10MB' } });
  assert.equal(bad.success, false);
  assert.match(bad.error.issues[0]!.message, /not a growth rate: "10MB" \(use a size per duration, e\.g\. 10MB\/30m/);
});
