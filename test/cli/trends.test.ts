import assert from 'node:assert/strict';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildConfig } from '../../src/config.js';
import { BatchRun } from '../../src/pipeline/batch.js';
import { WorkerPool } from '../../src/pipeline/parallel/worker-pool.js';
import { runCli, scanJson, withTempDir, type Json } from '../support/helpers.js';
import { TailProcess, until } from '../support/tail-process.js';

const pool = new WorkerPool(2);
const scanJsonAny = async (args: string[], options: Parameters<typeof scanJson>[1] = {}) => {
  const result = await scanJson(args, options);
  return { ...result, report: result.report as Json };
};
after(() => pool.close());

/** `memtrail generate --trends`: the trend scenarios and their truth. */
async function generateTrends(dir: string): Promise<{ log: string; truth: Json[]; lines: string[] }> {
  const log = join(dir, 'trends.log');
  const manifest = join(dir, 'manifest.json');
  const generated = await runCli(['generate', '--trends', '--start', '2026-11-28T08:00:00Z', '-o', log, '--manifest', manifest]);
  assert.equal(generated.code, 0, generated.stderr);
  const truth = (JSON.parse(await readFile(manifest, 'utf8')) as { trends: Json[] }).trends;
  assert.ok(truth.length >= 6, 'the manifest holds each scenario\'s truth');
  return { log, truth, lines: (await readFile(log, 'utf8')).split('\n').filter(Boolean) };
}

test('scan: each trend scenario comes out as its truth says, in JSON and in the text report', async () => {
  await withTempDir(async (dir) => {
    const { log, truth } = await generateTrends(dir);
    const { report: json } = await scanJsonAny([log]);
    for (const expected of truth) {
      const found = json.untraced_findings.filter((f: Json) => f.host === expected.host && f.kind.endsWith('_growth'));
      assert.deepEqual(
        found.map((f: Json) => [f.kind, f.severity]),
        expected.finding ? [[expected.finding.kind, expected.finding.severity]] : [],
        expected.scenario,
      );
      const series = json.series.find((s: Json) => s.host === expected.host && s.measure === 'memory_used_bytes');
      assert.equal(series.verdict, expected.verdict, expected.scenario);
      assert.equal(series.restarts.length, expected.restarts, expected.scenario);
    }
    const text = await runCli(['scan', log]);
    assert.match(text.stdout, /Memory trends \(\d+ series\)/);
    assert.match(text.stdout, /trend-oom\/fraiseql-api +LEAK +\+1 GB per 30m +\S*\|\S*\|/, 'a leak at a glance: verdict, rate, sparkline with restarts');
    assert.match(text.stdout, /trend-stable\/fraiseql-api +stable/);
    const ndjson = await runCli(['scan', log, '--format', 'ndjson']);
    const seriesLines = ndjson.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((l) => l.type === 'series');
    assert.equal(seriesLines.length, json.series.length, 'NDJSON: one series line per series');
  });
});

test('a series split across two files (a rotated app.log.1 read after app.log) joins in time order', async () => {
  await withTempDir(async (dir) => {
    const { log, lines } = await generateTrends(dir);
    const half = Math.floor(lines.length / 2);
    await writeFile(join(dir, 'app.log.1'), `${lines.slice(0, half).join('\n')}\n`);
    await writeFile(join(dir, 'app.log'), `${lines.slice(half).join('\n')}\n`);
    const whole = (await scanJsonAny([log])).report;
    const split = (await scanJsonAny([join(dir, 'app.log'), join(dir, 'app.log.1')])).report;
    const view = (json: Json) => ({
      series: json.series.map((s: Json) => [s.key, s.verdict, s.restarts, s.samples, s.growth]),
      growth: json.untraced_findings.filter((f: Json) => f.kind.endsWith('_growth')).map((f: Json) => [f.id, f.severity, f.restarts]),
    });
    assert.deepEqual(view(split), view(whole));
  });
});

test('worker threads and the sequential path give the same series and growth findings', async () => {
  await withTempDir(async (dir) => {
    const { log } = await generateTrends(dir);
    const config = buildConfig(undefined, {});
    const sequential = new BatchRun(config, []);
    await sequential.scan({ name: log, size: (await stat(log)).size });
    const threaded = new BatchRun(config, [], { pool, parallelMinBytes: 0, blockBytes: 64 << 10 });
    await threaded.scan({ name: log, size: (await stat(log)).size });
    const [a, b] = [await sequential.finish(), await threaded.finish()];
    assert.ok(a.series!.length >= 8);
    assert.deepEqual(b.series, a.series);
    assert.deepEqual(b.untraced, a.untraced);
  });
});

test('scan --since answers "is it stable now?": only the window is judged', async () => {
  await withTempDir(async (dir) => {
    const { log } = await generateTrends(dir);
    // The step scenario is flat in its last hours: stable, and no growth finding in the window.
    const { report: json } = await scanJsonAny([log, '--since', '2026-11-28T10:00:00Z']);
    const step = json.series.find((s: Json) => s.host === 'trend-step');
    assert.equal(step.verdict, 'stable');
    assert.ok(json.stats.outside_window > 0, 'records before the window are counted as left out');
    assert.ok(json.series.every((s: Json) => Date.parse(s.first) >= Date.parse('2026-11-28T10:00:00Z')));
  });
});

test('bad trend flags are usage errors that name the flag', async () => {
  const bad = await runCli(['scan', '--growth-rate', '10MB', '-']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--growth-rate: not a growth rate: "10MB"/);
  const off = await scanJsonAny(['--no-trends', '-'], { stdin: '{"timestamp":"2026-11-28T08:00:00Z","memory_used_bytes":1}\n' });
  assert.equal(off.report.series, undefined, '--no-trends: no series');
});

test('tail: a leak appended live is reported once the rule holds, with its restarts', async () => {
  await withTempDir(async (dir) => {
    const { lines } = await generateTrends(dir);
    const oom = lines.filter((l) => l.includes('"trend-oom"'));
    const log = join(dir, 'live.log');
    await writeFile(log, '');
    const tail = new TailProcess([log, '--from', 'start', '--state', join(dir, 'state.json')]);
    try {
      // The samples arrive as they would, in pieces.
      for (let i = 0; i < oom.length; i += 100) await appendFile(log, `${oom.slice(i, i + 100).join('\n')}\n`);
      await until('a memory_growth finding', () => tail.findings().some((f) => f.kind === 'memory_growth'));
      const growth = tail.findings().find((f) => f.kind === 'memory_growth')!;
      assert.equal(growth.host, 'trend-oom');
      assert.equal(growth.severity, 'critical');
      assert.ok(growth.restarts >= 1, 'the restarts so far');
      assert.match(growth.message, /through \d+ restarts?/);
    } finally {
      assert.equal(await tail.stop(), 0, tail.stderr);
    }
    const ids = new Set(tail.findings().filter((f) => f.kind === 'memory_growth').map((f) => f.id));
    assert.equal(ids.size, 1, 'one leak, one id (reports of it update one document)');
  });
});
