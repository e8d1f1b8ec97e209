/**
 * The metrics sink in-process: label caps ("_other"), the gauges fed by records, the findings
 * counter, what is read from the live run's probe, /healthz, and the HTTP server's edges.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { Finding } from '../../src/classify/finding.js';
import { KINDS } from '../../src/classify/registry.js';
import type { SeriesSummary, Verdict } from '../../src/classify/trends/summary.js';
import { RuntimeFailure, UsageError } from '../../src/errors.js';
import type { LogRecord } from '../../src/parse/record.js';
import { clip, LabelCap, MAX_LABEL_CHARS, OTHER } from '../../src/sinks/metrics/cardinality.js';
import { healthOf } from '../../src/sinks/metrics/health.js';
import { parseListen } from '../../src/sinks/metrics/listen.js';
import { MemtrailMetrics } from '../../src/sinks/metrics/registry.js';
import { MetricsSink } from '../../src/sinks/metrics/sink.js';
import { SINKS } from '../../src/sinks/registry.js';
import type { LiveProbe, PipelineStatus, SinkContext, SinkHealth } from '../../src/sinks/sink.js';

type Labels = Record<string, string | number>;

/** A metric's samples as [labels, value], read through prom-client (collect() runs); `sample` picks a histogram's _count, say. */
async function samples(metrics: MemtrailMetrics, name: string, sample = name): Promise<[Labels, number][]> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return [];
  const { values } = await metric.get();
  return values.filter((v) => ((v as { metricName?: string }).metricName ?? name) === sample).map((v) => [v.labels as Labels, v.value]);
}

async function value(metrics: MemtrailMetrics, name: string, labels: Labels = {}): Promise<number | undefined> {
  const found = (await samples(metrics, name)).find(([l]) => Object.entries(labels).every(([k, v]) => l[k] === v));
  return found?.[1];
}

const record = (fields: Partial<LogRecord>): LogRecord => ({ timestamp: Date.parse('2026-01-01T00:00:00Z'), ...fields });

function finding(fields: Partial<Finding>): Finding {
  return {
    id: 'x',
    trace_id: null,
    timestamp: 0,
    timestamp_source: 'record',
    kind: 'memory_critical',
    severity: 'critical',
    event: null,
    message: null,
    level: null,
    host: 'h',
    service: 's',
    usage_percent: 95,
    memory_used_bytes: null,
    payload_bytes: null,
    origin: null,
    source: { file: 'f', line: 1, offset: 0 },
    ...fields,
  };
}

function series(fields: Partial<SeriesSummary>): SeriesSummary {
  return {
    key: 'k',
    measure: 'memory_used_bytes',
    host: 'h',
    service: 's',
    pid: null,
    verdict: 'stable',
    growth_bytes_per_second: 0,
    samples: 10,
    first: 0,
    last: 1,
    min_bytes: 1,
    max_bytes: 2,
    last_bytes: 2,
    limit_bytes: null,
    restarts: [],
    growth: [],
    points: [],
    ...fields,
  };
}

function probe(parts: { status?: Partial<PipelineStatus>; series?: () => SeriesSummary[]; sinks?: { name: string; health: SinkHealth }[] } = {}): LiveProbe {
  return {
    status: () => Promise.resolve({ files: [], linesRead: 0, bad: {}, waiting: 0, lastCheckpoint: undefined, ...parts.status }),
    series: parts.series ?? (() => []),
    sinks: () => parts.sinks ?? [],
  };
}

const newMetrics = (limits = {}) => new MemtrailMetrics({ limits, processMetrics: false });

describe('label caps', () => {
  test('LabelCap keeps the first keys up to its limit, for good, and counts what it folds', () => {
    const cap = new LabelCap(2);
    const kept: string[] = [];
    assert.equal(cap.admit('a', () => kept.push('a')), true);
    assert.equal(cap.admit('b', () => kept.push('b')), true);
    assert.equal(cap.admit('c', () => kept.push('c')), false);
    assert.equal(cap.admit('a', () => kept.push('a again')), true, 'a kept key stays kept');
    assert.equal(cap.admit('c'), false);
    assert.deepEqual(kept, ['a', 'b'], 'isNew runs once per kept key');
    assert.equal(cap.size, 2);
    assert.equal(cap.overflows, 2);
    assert.equal(new LabelCap(0).admit('a'), false, 'a cap of 0 folds everything');
    assert.throws(() => new LabelCap(-1), RangeError);
  });

  test('long label values are cut', () => {
    assert.equal(clip('x'.repeat(1000)).length, MAX_LABEL_CHARS);
    assert.equal(clip(undefined), '');
    assert.equal(clip(null), '');
  });

  test('host and service pairs past the cap share "_other" in every memory gauge and the findings counter', async () => {
    const metrics = newMetrics({ series: 3 });
    for (let i = 0; i < 10; i++) {
      metrics.record(record({ host: `host-${i}`, service: 'api', usage_percent: 50 + i, used_bytes: 1000 + i, limit_bytes: 2000 }));
      metrics.finding(finding({ host: `host-${i}`, service: 'api' }));
    }
    const ratios = await samples(metrics, 'memtrail_memory_usage_ratio');
    assert.deepEqual(
      ratios.map(([l, v]) => [l.host, l.service, v]),
      [
        ['host-0', 'api', 0.5],
        ['host-1', 'api', 0.51],
        ['host-2', 'api', 0.52],
        [OTHER, OTHER, 0.59],
      ],
      'three pairs keep their names; the other seven are one "_other" series holding the last value logged',
    );
    assert.equal((await samples(metrics, 'memtrail_memory_used_bytes')).length, 4);
    assert.equal(await value(metrics, 'memtrail_memory_used_bytes', { host: OTHER }), 1009);
    const critical = (await samples(metrics, 'memtrail_findings_total')).filter(([l]) => l.kind === 'memory_critical');
    assert.deepEqual(
      critical.map(([l, v]) => [l.host, v]),
      [
        ['host-0', 1],
        ['host-1', 1],
        ['host-2', 1],
        [OTHER, 7],
      ],
    );
    assert.equal(await value(metrics, 'memtrail_label_overflows_total', { dimension: 'host_service' }), 14);
  });

  test('findings counters start at 0 for every kind and severity of a pair, so the first finding is an increase', async () => {
    const metrics = newMetrics();
    metrics.record(record({ host: 'h', service: 's', usage_percent: 10 }));
    const counters = await samples(metrics, 'memtrail_findings_total');
    const expected = KINDS.flatMap((k) => k.severities.map((severity) => [k.name, severity, 0]));
    assert.deepEqual(
      counters.map(([l, v]) => [l.kind, l.severity, v]),
      expected,
    );
  });

  test('histogram hosts, files and bulk failure reasons have their own caps', async () => {
    const metrics = newMetrics({ hosts: 2, files: 1, reasons: 1 });
    for (const host of ['a', 'b', 'c', 'd']) metrics.record(record({ host, request_bytes: 2_000_000, response_bytes: 100 }));
    const counts = await samples(metrics, 'memtrail_request_size_bytes', 'memtrail_request_size_bytes_count');
    assert.deepEqual(
      counts.map(([l, v]) => [l.host, v]),
      [
        ['a', 1],
        ['b', 1],
        [OTHER, 2],
      ],
    );
    await metrics.refresh(
      probe({
        status: {
          files: [
            { path: '/logs/a.log', lagBytes: 5 },
            { path: '/logs/b.log', lagBytes: 7 },
            { path: '/logs/c.log', lagBytes: 11 },
          ],
        },
        sinks: [{ name: 'search', health: { up: true, failures: { mapper_parsing_exception: 2, version_conflict: 3, illegal_argument: 4 } } }],
      }),
    );
    assert.deepEqual(
      (await samples(metrics, 'memtrail_file_lag_bytes')).map(([l, v]) => [l.file, v]),
      [
        ['/logs/a.log', 5],
        [OTHER, 18],
      ],
      'lag past the cap is summed',
    );
    assert.deepEqual(
      (await samples(metrics, 'memtrail_bulk_failures_total')).map(([l, v]) => [l.reason, v]),
      [
        ['mapper_parsing_exception', 2],
        [OTHER, 7],
      ],
    );
    assert.equal(await value(metrics, 'memtrail_files_followed'), 3);
  });
});

describe('the memory gauges', () => {
  test('usage is the logged percentage, else used / limit; a percentage alone is enough', async () => {
    const metrics = newMetrics();
    metrics.record(record({ host: 'pct-only', service: 'w', usage_percent: 93.75 }));
    metrics.record(record({ host: 'bytes-only', service: 'w', used_bytes: 1_932_735_283, limit_bytes: 2_147_483_648 }));
    metrics.record(record({ host: 'both', service: 'w', usage_percent: 75, used_bytes: 1_900_000_000, limit_bytes: 2_000_000_000 }));
    metrics.record(record({ host: 'used-only', service: 'w', used_bytes: 5 }));
    assert.equal(await value(metrics, 'memtrail_memory_usage_ratio', { host: 'pct-only' }), 0.9375);
    assert.equal(await value(metrics, 'memtrail_memory_used_bytes', { host: 'pct-only' }), undefined, 'no bytes logged, no bytes gauge');
    assert.ok(Math.abs((await value(metrics, 'memtrail_memory_usage_ratio', { host: 'bytes-only' }))! - 0.9) < 1e-9);
    assert.equal(await value(metrics, 'memtrail_memory_usage_ratio', { host: 'both' }), 0.75, 'the logged percentage wins, as in the rules');
    assert.equal(await value(metrics, 'memtrail_memory_usage_ratio', { host: 'used-only' }), undefined, 'no limit: no usage');
    assert.equal(await value(metrics, 'memtrail_memory_used_bytes', { host: 'used-only' }), 5);
  });

  test('the gauges hold the latest record by time: a record older than the one held does not roll them back', async () => {
    const metrics = newMetrics();
    const at = (iso: string) => Date.parse(iso);
    metrics.record(record({ timestamp: at('2026-01-01T00:10:00Z'), host: 'h', service: 's', usage_percent: 95, swap_bytes: 7 }));
    metrics.record(record({ timestamp: at('2026-01-01T00:05:00Z'), host: 'h', service: 's', usage_percent: 40 }));
    assert.equal(await value(metrics, 'memtrail_memory_usage_ratio', { host: 'h' }), 0.95);
    assert.equal(await value(metrics, 'memtrail_swap_used_bytes', { host: 'h' }), 7);
    metrics.record(record({ timestamp: at('2026-01-01T00:11:00Z'), host: 'h', service: 's', usage_percent: 40 }));
    assert.equal(await value(metrics, 'memtrail_memory_usage_ratio', { host: 'h' }), 0.4);
    metrics.record(record({ timestamp: null, host: 'h', service: 's', usage_percent: 60 }));
    assert.equal(await value(metrics, 'memtrail_memory_usage_ratio', { host: 'h' }), 0.6, 'a record without a time is taken as it comes');
  });

  test('growth and verdict per host and service: memory series only, several process lanes give the worst', async () => {
    const metrics = newMetrics();
    const all: SeriesSummary[] = [
      series({ host: 'a', service: 's', pid: '1', verdict: 'stable', growth_bytes_per_second: 10 }),
      series({ host: 'a', service: 's', pid: '2', verdict: 'growing', growth_bytes_per_second: 9000 }),
      series({ host: 'a', service: 's', measure: 'swap_used_bytes', verdict: 'growing', growth_bytes_per_second: 1e9 }),
      series({ host: 'b', service: 's', verdict: 'not_enough_data', growth_bytes_per_second: null }),
    ];
    await metrics.refresh(probe({ series: () => all }));
    assert.deepEqual(
      (await samples(metrics, 'memtrail_memory_growth_bytes_per_second')).map(([l, v]) => [l.host, v]),
      [['a', 9000]],
      'no rate, no sample',
    );
    const trend = async (host: string) =>
      Object.fromEntries((await samples(metrics, 'memtrail_memory_trend')).filter(([l]) => l.host === host).map(([l, v]) => [l.verdict, v])) as Record<Verdict, number>;
    assert.deepEqual(await trend('a'), { growing: 1, stable: 0, not_enough_data: 0 });
    assert.deepEqual(await trend('b'), { growing: 0, stable: 0, not_enough_data: 1 });
    // The next scrape sees the series as they are then.
    await metrics.refresh(probe({ series: () => [series({ host: 'a', service: 's', verdict: 'stable', growth_bytes_per_second: 1 })] }));
    assert.deepEqual(await trend('a'), { growing: 0, stable: 1, not_enough_data: 0 });
    assert.deepEqual(await trend('b'), {});
  });

  test('a probe whose series fail still gives the rest, and says so once', async () => {
    const warned: string[] = [];
    const metrics = new MemtrailMetrics({ processMetrics: false, warn: (m) => warned.push(m) });
    const failing = probe({
      status: { linesRead: 12, bad: { malformed: 2 } },
      series: () => {
        throw new Error('boom');
      },
    });
    await metrics.refresh(failing);
    await metrics.refresh(failing);
    assert.equal(await value(metrics, 'memtrail_lines_read_total'), 12);
    assert.equal(await value(metrics, 'memtrail_bad_lines_total', { kind: 'malformed' }), 2);
    assert.equal(await value(metrics, 'memtrail_bad_lines_total', { kind: 'poisoned' }), 0);
    assert.deepEqual(warned, ['metrics: the memory trends cannot be read: boom']);
  });
});

describe('the pipeline metrics', () => {
  test('engine and checkpoint gauges appear only when there is something to say', async () => {
    const metrics = newMetrics();
    await metrics.refresh(probe());
    let text = await metrics.registry.metrics();
    assert.doesNotMatch(text, /memtrail_engine_up/, 'no --index, no engine gauge (not a misleading 0)');
    assert.doesNotMatch(text, /memtrail_checkpoint_age_seconds/);
    await metrics.refresh(probe({ status: { lastCheckpoint: Date.now() - 3000 }, sinks: [{ name: 'search', health: { up: false, reason: 'connection refused' } }] }));
    text = await metrics.registry.metrics();
    assert.match(text, /^memtrail_engine_up 0$/m);
    const age = await value(metrics, 'memtrail_checkpoint_age_seconds');
    assert.ok(age !== undefined && age >= 3 && age < 60, String(age));
  });

  test('the exposition is prom-client\'s text format, with the Node process metrics by default', async () => {
    const metrics = new MemtrailMetrics();
    const text = await metrics.exposition(undefined);
    assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
    assert.match(text, /^# TYPE memtrail_findings_total counter$/m);
    assert.match(text, /^# TYPE memtrail_request_size_bytes histogram$/m);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
    assert.match(text, /^nodejs_heap_size_used_bytes \d+/m);
  });
});

describe('/healthz', () => {
  test('healthy when a file is followed and every output is up; otherwise every reason', async () => {
    const files = [{ path: '/logs/app.log', lagBytes: 0 }];
    assert.deepEqual(await healthOf(probe({ status: { files } })), { ok: true, text: 'ok: following 1 file' });
    assert.deepEqual(await healthOf(probe()), { ok: false, text: 'no file is followed (no path matches yet, or none can be read)' });
    assert.deepEqual(await healthOf(probe({ status: { files }, sinks: [{ name: 'search', health: { up: false, reason: 'the engine does not answer' } }] })), {
      ok: false,
      text: 'search is down: the engine does not answer',
    });
    const starting = await healthOf(undefined);
    assert.equal(starting.ok, false);
    assert.match(starting.text, /^starting/);
    assert.deepEqual(await healthOf(probe({ status: { files } }), true), { ok: false, text: 'stopping' });
  });
});

describe('--metrics-listen', () => {
  test('HOST:PORT, [IPv6]:PORT, :PORT; anything else is a usage error', () => {
    assert.deepEqual(parseListen('127.0.0.1:9464'), { text: '127.0.0.1:9464', host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListen('[::1]:0'), { text: '[::1]:0', host: '::1', port: 0 });
    assert.deepEqual(parseListen(':9464'), { text: ':9464', host: undefined, port: 9464 });
    assert.deepEqual(parseListen('localhost:80'), { text: 'localhost:80', host: 'localhost', port: 80 });
    for (const bad of ['9464', '127.0.0.1', '127.0.0.1:', '127.0.0.1:65536', 'host:port', '::1:9464', '[]:9464', '']) {
      assert.throws(() => parseListen(bad), (error: Error) => error instanceof UsageError && error.message.includes('expected HOST:PORT'), bad);
    }
  });

  test('the sink is registered for live runs, first (so /healthz answers while an engine is waited for)', () => {
    assert.equal(SINKS[0]?.name, 'metrics');
    assert.deepEqual(SINKS[0]?.modes, ['live']);
    assert.equal(SINKS[0]?.wanted({ format: 'text' }), false);
    assert.equal(SINKS[0]?.wanted({ format: 'text', metricsListen: '127.0.0.1:9464' }), true);
  });
});

interface Reply {
  status: number;
  type: string | undefined;
  body: string;
}

function get(url: string, method = 'GET', agent?: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function context(warnings: string[] = []): SinkContext {
  return { mode: 'live', warn: (m: string) => warnings.push(m), failed: () => undefined, reject: () => undefined } as unknown as SinkContext;
}

describe('the metrics server', () => {
  test('serves /metrics and /healthz, reads the probe at each request, and closes with the sink', async () => {
    const warnings: string[] = [];
    const ctx = context(warnings);
    const sink = await MetricsSink.open('127.0.0.1:0', ctx, { processMetrics: false });
    const base = sink.server.url;
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(warnings, [`serving Prometheus metrics on ${base}/metrics and the health check on ${base}/healthz`]);

    let health = await get(`${base}/healthz`);
    assert.equal(health.status, 503, 'before the run starts');
    assert.match(health.body, /^starting/);

    ctx.probe = probe({ status: { files: [{ path: '/logs/app.log', lagBytes: 3 }], linesRead: 4 } });
    sink.record(record({ host: 'h', service: 's', usage_percent: 91 }));
    let acked = 0;
    sink.finding(finding({ host: 'h', service: 's' }), () => acked++);
    assert.equal(acked, 1, 'a finding is acknowledged at once');

    health = await get(`${base}/healthz`);
    assert.deepEqual([health.status, health.body], [200, 'ok: following 1 file\n']);
    const metrics = await get(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(metrics.body, /^memtrail_memory_usage_ratio\{host="h",service="s"\} 0\.91$/m);
    assert.match(metrics.body, /^memtrail_findings_total\{kind="memory_critical",severity="critical",host="h",service="s"\} 1$/m);
    assert.match(metrics.body, /^memtrail_file_lag_bytes\{file="\/logs\/app\.log"\} 3$/m);
    assert.match(metrics.body, /^memtrail_lines_read_total 4$/m);

    assert.equal((await get(`${base}/`)).status, 404);
    assert.equal((await get(`${base}/metrics`, 'POST')).status, 405);
    const head = await get(`${base}/healthz`, 'HEAD');
    assert.deepEqual([head.status, head.body], [200, '']);

    ctx.probe = { ...probe(), status: () => Promise.reject(new Error('the probe failed')) };
    const failed = await get(`${base}/metrics`);
    assert.deepEqual([failed.status, failed.body], [500, 'the probe failed\n']);

    // A scraper's kept-alive connection does not hold the close.
    const agent = new Agent({ keepAlive: true });
    ctx.probe = probe();
    await get(`${base}/healthz`, 'GET', agent);
    await sink.close();
    agent.destroy();
    await assert.rejects(get(`${base}/healthz`), /ECONNREFUSED/);
  });

  test('a taken port is a runtime failure, an address not of this machine a usage error', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await assert.rejects(MetricsSink.open(`127.0.0.1:${port}`, context(), { processMetrics: false }), (error: Error) => {
        assert.ok(error instanceof RuntimeFailure);
        assert.equal(error.message, `--metrics-listen 127.0.0.1:${port}: the address is already in use (another memtrail tail, or another exporter?)`);
        return true;
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    await assert.rejects(MetricsSink.open('192.0.2.1:9464', context(), { processMetrics: false }), (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /192\.0\.2\.1 is not an address of this machine/);
      return true;
    });
  });
});
