/**
 * `memtrail tail --metrics-listen`: a real Prometheus (Debian's binary, test/support/prometheus.ts)
 * scrapes a real `memtrail tail` child every second and evaluates the shipped alert rules (their
 * `for` durations shortened); a critical period planted in the followed log makes
 * CriticalMemoryUsage fire. Then /healthz's 503s and the listen errors. The Prometheus test skips,
 * and says why, only when /usr/bin/prometheus is missing (apt-get install -y prometheus).
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli, withTempDir } from '../support/helpers.js';
import { PROMETHEUS_BIN, scaleDuration, startPrometheus, unavailable, type Alert, type Prometheus } from '../support/prometheus.js';
import { TailProcess, until } from '../support/tail-process.js';

const MINUTE = 60_000;

/** The address the tail printed on stderr ("serving Prometheus metrics on http://127.0.0.1:PORT/metrics …"). */
async function metricsBase(tail: TailProcess): Promise<string> {
  const pattern = /serving Prometheus metrics on (http:\/\/\S+)\/metrics/;
  await until('the tail says where it serves its metrics', () => pattern.test(tail.stderr) || tail.child.exitCode !== null);
  const match = pattern.exec(tail.stderr);
  assert.ok(match, `the tail did not start its metrics server: ${tail.stderr}`);
  return match[1]!;
}

async function healthz(base: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${base}/healthz`);
  return { status: response.status, body: await response.text() };
}

/** One sample's value per host of an instant query. */
async function byHost(prometheus: Prometheus, promql: string): Promise<Record<string, number>> {
  return Object.fromEntries((await prometheus.query(promql)).map((s) => [s.labels.host ?? '', s.value]));
}

const firing = (alerts: Alert[], name: string, host: string) =>
  alerts.find((a) => a.labels.alertname === name && a.labels.host === host && a.state === 'firing');

/** A runbook-shaped memory record. */
function memoryLine(time: number, host: string, service: string, event: string, context: Record<string, number>): string {
  const critical = event === 'system.memory_critical';
  return `${JSON.stringify({
    timestamp: new Date(time).toISOString(),
    level: critical ? 'ERROR' : 'INFO',
    event,
    message: critical ? 'Critical memory usage - OOM risk' : 'Memory sample',
    host,
    service,
    trace_id: `trace_${host}_${time}`,
    context,
  })}\n`;
}

describe('a real Prometheus scraping memtrail tail', { skip: unavailable(PROMETHEUS_BIN) }, () => {
  test('sees the findings counter and the usage series, and fires CriticalMemoryUsage on a planted critical period', async (t) => {
    await withTempDir(async (dir) => {
      // The background: a generated log of one host's request traffic and memory samples, none critical.
      const log = join(dir, 'app.log');
      const manifestFile = join(dir, 'manifest.json');
      const start = Date.now() - 10 * MINUTE;
      const generated = await runCli(['generate', '-n', '2000', '--no-plant', '--start', new Date(start).toISOString(), '-o', log, '--manifest', manifestFile]);
      assert.equal(generated.code, 0, generated.stderr);
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
      assert.equal(manifest.findings.memory_critical, 0, 'the background has no critical period of its own');
      const requests = (await readFile(log, 'utf8')).split('\n').filter((l) => l.includes('"request_size_bytes"')).length;

      const tail = new TailProcess(['--from', 'start', '--state', join(dir, 'state.json'), '--metrics-listen', '127.0.0.1:0', log]);
      t.after(() => tail.stop('SIGKILL'));
      const base = await metricsBase(tail);
      await until('the background is read', async () => (await (await fetch(`${base}/metrics`)).text()).includes(`memtrail_lines_read_total ${manifest.lines}\n`));
      assert.deepEqual(await healthz(base), { status: 200, body: 'ok: following 1 file\n' });

      // The shipped rules, every duration a sixtieth (CriticalMemoryUsage's 2m is 2s), evaluated every second.
      const started = await startPrometheus({
        target: `${base}/metrics`,
        rulesVariant: { interval: '1s', for: (_alert, shipped) => scaleDuration(shipped, 1 / 60) },
      });
      const prometheus = started.prometheus;
      if (!prometheus) return t.skip(started.skipped);
      t.after(() => prometheus.stop());

      await until('Prometheus has scraped the background', async () => (await byHost(prometheus, 'memtrail_lines_read_total'))[''] === manifest.lines);
      const before = await byHost(prometheus, 'memtrail_memory_usage_ratio');
      assert.deepEqual(Object.keys(before), ['app-1']);
      assert.ok(before['app-1']! < 0.9, `the background ends below 90 % (${before['app-1']})`);
      assert.deepEqual(await byHost(prometheus, 'memtrail_request_size_bytes_count'), { 'app-1': requests }, 'every request size is in the histogram');
      assert.deepEqual(await byHost(prometheus, 'sum by (host) (memtrail_findings_total{kind="oversized_payload"})'), { 'app-1': manifest.findings.oversized_payload });
      assert.deepEqual(await byHost(prometheus, 'sum by (host) (memtrail_findings_total{kind="memory_critical"})'), { 'app-1': 0 }, 'the counter exists at 0 before the first');
      const [target] = await prometheus.targets();
      assert.equal(target?.health, 'up', target?.lastError);

      // The critical period, appended while tailing: app-1 logs bytes only (96 % of its limit at
      // the end); worker-1 logs only a percentage, as the runbook's critical example.
      const now = Date.now();
      const planted = [
        memoryLine(now, 'app-1', 'fraiseql-api', 'system.memory_critical', { memory_used_bytes: 1_850_000_000, memory_limit_bytes: 2_000_000_000 }),
        memoryLine(now + 100, 'worker-1', 'batch-jobs', 'system.memory_critical', { memory_usage_percent: 92 }),
        memoryLine(now + 200, 'app-1', 'fraiseql-api', 'system.memory_critical', { memory_used_bytes: 1_900_000_000, memory_limit_bytes: 2_000_000_000 }),
        memoryLine(now + 300, 'worker-1', 'batch-jobs', 'system.memory_critical', { memory_usage_percent: 93.75 }),
        memoryLine(now + 400, 'app-1', 'fraiseql-api', 'system.memory_critical', { memory_used_bytes: 1_920_000_000, memory_limit_bytes: 2_000_000_000 }),
      ];
      await appendFile(log, planted.join(''));

      await until('Prometheus counts the planted critical findings', async () => {
        const counts = await byHost(prometheus, 'sum by (host) (memtrail_findings_total{kind="memory_critical",severity="critical"})');
        return counts['app-1'] === 3 && counts['worker-1'] === 2;
      });
      assert.equal(
        tail.findings().filter((f) => f.kind === 'memory_critical').length,
        5,
        'the counter agrees with the findings the tail printed',
      );
      await until('the usage series reach the planted values', async () => {
        const usage = await byHost(prometheus, 'memtrail_memory_usage_ratio');
        return usage['app-1'] === 0.96 && usage['worker-1'] === 0.9375;
      });
      const usage = await prometheus.query('memtrail_memory_usage_ratio');
      assert.deepEqual(
        usage.map((s) => [s.labels.host, s.labels.service, s.labels.job, s.value]).sort(),
        [
          ['app-1', 'fraiseql-api', 'memtrail', 0.96],
          ['worker-1', 'batch-jobs', 'memtrail', 0.9375],
        ],
      );
      assert.deepEqual(await byHost(prometheus, 'memtrail_memory_used_bytes'), { 'app-1': 1_920_000_000 }, 'worker-1 logs no bytes');
      assert.deepEqual(await byHost(prometheus, 'topk(1, memtrail_memory_usage_ratio)'), { 'app-1': 0.96 }, "the runbook's worst first");

      // The runbook's alert, over series derived from the logs.
      await until('CriticalMemoryUsage fires for both hosts', async () => {
        const alerts = await prometheus.alerts();
        return firing(alerts, 'CriticalMemoryUsage', 'app-1') !== undefined && firing(alerts, 'CriticalMemoryUsage', 'worker-1') !== undefined;
      });
      const alerts = await prometheus.alerts();
      const instance = new URL(base).host;
      const app = firing(alerts, 'CriticalMemoryUsage', 'app-1')!;
      assert.deepEqual(app.labels, { alertname: 'CriticalMemoryUsage', severity: 'critical', host: 'app-1', service: 'fraiseql-api', job: 'memtrail', instance });
      assert.deepEqual(app.annotations, { summary: 'Critical memory usage (> 90%)', description: 'Memory usage: 96% - OOM risk! (fraiseql-api on app-1)' });
      assert.equal(firing(alerts, 'CriticalMemoryUsage', 'worker-1')!.annotations.description, 'Memory usage: 93.75% - OOM risk! (batch-jobs on worker-1)');

      // app-1 recovers (the log says so): its gauge follows and its alert resolves; worker-1's stays.
      await appendFile(log, memoryLine(now + 1000, 'app-1', 'fraiseql-api', 'system.memory_sample', { memory_used_bytes: 1_000_000_000, memory_limit_bytes: 2_000_000_000 }));
      await until('app-1 is back to 50 % and its alert is gone', async () => {
        const ratios = await byHost(prometheus, 'memtrail_memory_usage_ratio');
        const now = await prometheus.alerts();
        return ratios['app-1'] === 0.5 && !now.some((a) => a.labels.alertname === 'CriticalMemoryUsage' && a.labels.host === 'app-1');
      });
      assert.ok(firing(await prometheus.alerts(), 'CriticalMemoryUsage', 'worker-1'));

      // The tail stops cleanly, and its server with it.
      assert.equal(await tail.stop(), 0, tail.stderr);
      await assert.rejects(fetch(`${base}/healthz`));
    });
  });
});

/** A loopback port nobody listens on (taken, then let go). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('/healthz and --metrics-listen errors', () => {
  test('503 with the reason while no file is followed; 200 once one is', async () => {
    await withTempDir(async (dir) => {
      const logs = join(dir, 'logs');
      await mkdir(logs);
      const tail = new TailProcess(['--from', 'start', '--state', join(dir, 'state.json'), '--scan-interval', '100ms', '--metrics-listen', '127.0.0.1:0', join(logs, '*.log')]);
      try {
        const base = await metricsBase(tail);
        await until('the run has started', async () => !(await healthz(base)).body.startsWith('starting'));
        assert.deepEqual(await healthz(base), { status: 503, body: 'no file is followed (no path matches yet, or none can be read)\n' });
        await writeFile(join(logs, 'app.log'), '');
        await until('the new file is followed', async () => (await healthz(base)).status === 200);
        assert.equal((await healthz(base)).body, 'ok: following 1 file\n');
      } finally {
        assert.equal(await tail.stop(), 0, tail.stderr);
      }
    });
  });

  test('503 naming the search engine while --index waits for one that does not answer', async () => {
    await withTempDir(async (dir) => {
      const log = join(dir, 'app.log');
      await writeFile(log, '');
      const port = await closedPort();
      const tail = new TailProcess(
        ['--from', 'start', '--state', join(dir, 'state.json'), '--metrics-listen', '127.0.0.1:0', '--index', '--es-url', `http://127.0.0.1:${port}`, log],
      );
      try {
        const base = await metricsBase(tail);
        const health = await healthz(base);
        assert.equal(health.status, 503);
        assert.equal(health.body, 'starting: the outputs are still opening (with --index: waiting for the search engine)\n');
        await until('the tail says it waits for the engine', () => tail.stderr.includes('waiting'));
        assert.equal((await healthz(base)).status, 503, 'still not healthy');
        const metrics = await fetch(`${base}/metrics`);
        assert.equal(metrics.status, 200, 'metrics are served meanwhile (the process ones at least)');
        assert.match(await metrics.text(), /^process_resident_memory_bytes \d+/m);
      } finally {
        assert.equal(await tail.stop(), 0, tail.stderr);
      }
    });
  });

  test('an address that is not HOST:PORT is a usage error (exit 2); a port in use a runtime one (exit 1)', async () => {
    await withTempDir(async (dir) => {
      const log = join(dir, 'app.log');
      await writeFile(log, '');
      const state = join(dir, 'state.json');
      const bad = await runCli(['tail', '--from', 'start', '--state', state, '--metrics-listen', '9464', log]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /--metrics-listen 9464: expected HOST:PORT/);

      const blocker: Server = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = blocker.address() as AddressInfo;
        const taken = await runCli(['tail', '--from', 'start', '--state', state, '--metrics-listen', `127.0.0.1:${port}`, log]);
        assert.equal(taken.code, 1, taken.stderr);
        assert.match(taken.stderr, new RegExp(`--metrics-listen 127\\.0\\.0\\.1:${port}: the address is already in use`));
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    });
  });
});
