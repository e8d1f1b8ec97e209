/**
 * memtrail's Prometheus alert rules (prometheus/memtrail-rules.yml): promtool's check and unit
 * tests, and a real Prometheus (test/support/prometheus.ts) scraping a static exposition and
 * firing the shipped rules. Needs Debian's prometheus package (apt-get install -y prometheus):
 * without it these tests skip and say so.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import {
  PROMETHEUS_BIN,
  PROMTOOL_BIN,
  RULES_FILE,
  RULES_TEST_FILE,
  SETPRIV,
  isRunning,
  readRules,
  rulesVariant,
  scaleDuration,
  startPrometheus,
  unavailable,
  type Alert,
} from '../support/prometheus.js';
import { ROOT } from '../support/helpers.js';
import { until } from '../support/tail-process.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('promtool on the shipped rules', { skip: unavailable(PROMTOOL_BIN) }, () => {
  test('promtool check rules: the three runbook alerts are valid rules', async () => {
    const result = await run(PROMTOOL_BIN, ['check', 'rules', RULES_FILE]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS: 3 rules found/);
  });

  test('promtool test rules: every unit test in memtrail-rules.test.yml passes', async () => {
    const result = await run(PROMTOOL_BIN, ['test', 'rules', RULES_TEST_FILE]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS/);
    assert.doesNotMatch(result.stdout, /FAILED/);
  });

  test('the unit tests fail for rules that fire too early, too late or at the threshold', async (t) => {
    const shipped = await readFile(RULES_FILE, 'utf8');
    const testText = await readFile(RULES_TEST_FILE, 'utf8');
    const dir = await mkdtemp(join(tmpdir(), 'memtrail-rules-mutants-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const forOf = (alert: string, duration: string) => (name: string, kept: string) => (name === alert ? duration : kept);
    const mutants: Record<string, string> = {
      'HighMemoryUsage for 4m': rulesVariant(shipped, { for: forOf('HighMemoryUsage', '4m') }),
      'HighMemoryUsage for 6m': rulesVariant(shipped, { for: forOf('HighMemoryUsage', '6m') }),
      'CriticalMemoryUsage for 90s': rulesVariant(shipped, { for: forOf('CriticalMemoryUsage', '90s') }),
      'MemoryLeak for 59m': rulesVariant(shipped, { for: forOf('MemoryLeak', '59m') }),
      'HighMemoryUsage at >= 80 %': shipped.replace('memtrail_memory_usage_ratio > 0.80', 'memtrail_memory_usage_ratio >= 0.80'),
      'CriticalMemoryUsage at >= 90 %': shipped.replace('memtrail_memory_usage_ratio > 0.90', 'memtrail_memory_usage_ratio >= 0.90'),
      'MemoryLeak on deriv() of the used bytes': shipped.replace(
        'expr: memtrail_memory_growth_bytes_per_second > 10485760 / 1800',
        'expr: deriv(memtrail_memory_used_bytes[30m]) * 1800 > 10485760',
      ),
    };
    for (const [name, text] of Object.entries(mutants)) {
      assert.notEqual(text, shipped, `${name}: the mutation changed nothing`);
      // The test file names its rules file relatively: the mutant takes the shipped file's name.
      const caseDir = await mkdtemp(join(dir, 'case-'));
      await writeFile(join(caseDir, 'memtrail-rules.yml'), text);
      await writeFile(join(caseDir, 'memtrail-rules.test.yml'), testText);
      const result = await run(PROMTOOL_BIN, ['test', 'rules', join(caseDir, 'memtrail-rules.test.yml')]);
      assert.notEqual(result.code, 0, `${name}: promtool test rules passed a wrong rule`);
      assert.match(result.stdout + result.stderr, /FAILED/, name);
    }
  });
});

/** A local HTTP server whose /metrics is a fixed Prometheus exposition. */
async function exposition(text: string) {
  let scrapes = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    scrapes: () => scrapes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const EXPOSITION = `# HELP memtrail_memory_usage_ratio Last memory usage seen in the logs (0..1).
# TYPE memtrail_memory_usage_ratio gauge
memtrail_memory_usage_ratio{host="a",service="s"} 0.95
memtrail_memory_usage_ratio{host="b",service="s"} 0.8
`;

const firing = (alerts: Alert[], name: string, host: string) =>
  alerts.find((a) => a.labels.alertname === name && a.labels.host === host && a.state === 'firing');

describe('the Prometheus harness', { skip: unavailable(PROMETHEUS_BIN) }, () => {
  test('a real Prometheus scrapes the target and fires the shipped CriticalMemoryUsage', async (t) => {
    const target = await exposition(EXPOSITION);
    t.after(() => target.close());
    // The shipped expressions, with every duration a sixtieth: for 5m is 5s, 2m is 2s, 1h is 60s.
    const started = await startPrometheus({
      target: target.url,
      rulesVariant: { interval: '1s', for: (_alert, shipped) => scaleDuration(shipped, 1 / 60) },
    });
    const prometheus = started.prometheus;
    if (!prometheus) return t.skip(started.skipped);
    t.after(() => prometheus.stop());

    const shippedRules = readRules(await readFile(RULES_FILE, 'utf8')).flatMap((g) => g.rules);
    const loadedGroups = readRules(await readFile(prometheus.rulesFile, 'utf8'));
    const loadedRules = loadedGroups.flatMap((g) => g.rules);
    assert.deepEqual(
      loadedRules.map((r) => [r.alert, r.expr, r.labels, r.annotations]),
      shippedRules.map((r) => [r.alert, r.expr, r.labels, r.annotations]),
      'the variant keeps the shipped expressions, labels and annotations',
    );
    assert.deepEqual(
      loadedRules.map((r) => r.for),
      ['5000ms', '2000ms', '60000ms'],
    );
    assert.deepEqual(
      loadedGroups.map((g) => g.interval),
      ['1s'],
    );

    // Scraped: both series, with the job and instance labels of the harness's one scrape job.
    const instance = new URL(target.url).host;
    await until('the two series are scraped', async () => (await prometheus.query('memtrail_memory_usage_ratio')).length === 2);
    const series = await prometheus.query('memtrail_memory_usage_ratio');
    assert.deepEqual(
      series.map((s) => [s.labels, s.value]).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
      [
        [{ __name__: 'memtrail_memory_usage_ratio', host: 'a', service: 's', job: 'memtrail', instance }, 0.95],
        [{ __name__: 'memtrail_memory_usage_ratio', host: 'b', service: 's', job: 'memtrail', instance }, 0.8],
      ],
    );
    assert.ok(target.scrapes() > 0);
    const [scrapeTarget] = await prometheus.targets();
    assert.equal(scrapeTarget?.health, 'up', scrapeTarget?.lastError);
    assert.equal(scrapeTarget.scrapeUrl, target.url);

    await until('CriticalMemoryUsage fires for host a', async () => firing(await prometheus.alerts(), 'CriticalMemoryUsage', 'a') !== undefined);
    const critical = firing(await prometheus.alerts(), 'CriticalMemoryUsage', 'a')!;
    assert.deepEqual(critical.labels, { alertname: 'CriticalMemoryUsage', severity: 'critical', host: 'a', service: 's', job: 'memtrail', instance });
    assert.deepEqual(critical.annotations, { summary: 'Critical memory usage (> 90%)', description: 'Memory usage: 95% - OOM risk! (s on a)' });
    assert.equal(critical.value, 0.95);

    // HighMemoryUsage fires for 95 % once its (shortened) 5m hold is over; exactly 80 % (host b)
    // never even becomes pending, and nothing here feeds MemoryLeak.
    await until('HighMemoryUsage fires for host a', async () => firing(await prometheus.alerts(), 'HighMemoryUsage', 'a') !== undefined);
    const alerts = await prometheus.alerts();
    assert.deepEqual(
      alerts.filter((a) => a.labels.host === 'b'),
      [],
    );
    assert.deepEqual(
      alerts.filter((a) => a.labels.alertname === 'MemoryLeak'),
      [],
    );
    assert.equal(firing(alerts, 'HighMemoryUsage', 'a')?.annotations.description, 'Memory usage: 95% (s on a)');

    const { pid, dir } = prometheus;
    await prometheus.stop();
    assert.equal(isRunning(pid), false, 'stop() ends the process');
    assert.equal(existsSync(dir), false, 'stop() removes its directory');
  });

  test('a Prometheus that cannot load its rules is an error with its log, not a hang', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'memtrail-bad-rules-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, 'groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: memtrail_memory_usage_ratio >\n');
    await assert.rejects(startPrometheus({ target: 'http://127.0.0.1:9/metrics', rulesFile: bad }), /prometheus ended before it was ready[\s\S]*bad\.yml/);
  });

  /** Runs a child Node process that starts Prometheus through the harness and prints its pid and directory. */
  function childWithPrometheus(mode: 'returns' | 'hangs') {
    const script = `
      const { startPrometheus } = await import(process.env.HARNESS);
      const { prometheus, skipped } = await startPrometheus({ target: 'http://127.0.0.1:9/metrics' });
      if (!prometheus) throw new Error(skipped);
      console.log(JSON.stringify({ pid: prometheus.pid, dir: prometheus.dir }));
      if (process.env.MODE === 'hangs') setInterval(() => {}, 1 << 30);
    `;
    const harness = pathToFileURL(join(ROOT, 'test', 'support', 'prometheus.ts')).href;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, HARNESS: harness, MODE: mode },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const started = async () => {
      await until('the child prints the Prometheus pid', () => stdout.includes('\n') || child.exitCode !== null);
      assert.ok(stdout.includes('\n'), `the child ended early: ${stderr}`);
      return JSON.parse(stdout.split('\n')[0]!) as { pid: number; dir: string };
    };
    return { child, closed, started, stderr: () => stderr };
  }

  test('a test process that ends without stop() leaves no Prometheus behind', async (t) => {
    const run = childWithPrometheus('returns');
    t.after(() => run.child.kill('SIGKILL'));
    const { pid, dir } = await run.started();
    t.after(() => rm(dir, { recursive: true, force: true }));
    assert.equal(await run.closed, 0, run.stderr());
    await until('Prometheus is gone', () => !isRunning(pid, dir));
  });

  test('a test process killed with SIGKILL leaves no Prometheus behind', { skip: unavailable(SETPRIV) }, async (t) => {
    const run = childWithPrometheus('hangs');
    t.after(() => run.child.kill('SIGKILL'));
    const { pid, dir } = await run.started();
    t.after(() => rm(dir, { recursive: true, force: true }));
    assert.ok(isRunning(pid, dir), 'Prometheus runs while its test process does');
    run.child.kill('SIGKILL');
    await run.closed;
    await until('Prometheus is gone', () => !isRunning(pid, dir));
  });
});
