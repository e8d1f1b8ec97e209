import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fixture, runCli, scanJson, withTempDir, type Json } from '../support/helpers.js';
import { engineEnv, request, testEngines, testPrefixes, type TestEngine } from '../support/engines.js';

const engines = testEngines();


const FILES = [fixture('app.ndjson'), fixture('host-b.ndjson'), fixture('host-a-shared.ndjson')];

function scanIndex(engine: TestEngine, prefix: string, args: string[] = [], files = FILES) {
  return scanJson([...files, '--index', '--index-prefix', prefix, ...args], { env: engineEnv(engine) });
}

async function count(engine: TestEngine, index: string): Promise<number> {
  await request(engine, 'POST', `/${index}/_refresh`);
  return (await request(engine, 'GET', `/${index}/_count`)).body.count;
}

/** A fault-injecting proxy in front of the real engine: it answers 503 to the first `failBulk` bulk requests. */
async function flakyProxy(engine: TestEngine, failBulk: number): Promise<{ url: string; bulkRequests: () => number; server: Server }> {
  const target = new URL(engine.url);
  let bulks = 0;
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/_bulk') && bulks++ < failBulk) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify({ error: { type: 'unavailable', reason: 'injected by the test proxy' }, status: 503 }));
      return;
    }
    if (req.url?.startsWith('/_bulk')) bulks++;
    const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bulkRequests: () => bulks, server };
}

for (const engine of engines) {
  describe(`indexing into ${engine.name}`, () => {
    const newPrefix = testPrefixes(engine, engine.name.slice(0, 2), after);

    test('templates install explicit mappings with ECS field names', async () => {
      const prefix = newPrefix();
      const { code } = await scanIndex(engine, prefix);
      assert.equal(code, 0);
      const template = await request(engine, 'GET', `/_index_template/${prefix}-findings`);
      assert.equal(template.status, 200);
      assert.deepEqual(template.body.index_templates[0].index_template.index_patterns, [`${prefix}-findings*`]);
      const mapping = (await request(engine, 'GET', `/${prefix}-findings/_mapping`)).body[`${prefix}-findings`].mappings;
      const p = mapping.properties;
      assert.equal(mapping.dynamic, 'false');
      assert.equal(p['@timestamp'].type, 'date');
      assert.equal(p.trace.properties.id.type, 'keyword');
      assert.equal(p.host.properties.name.type, 'keyword');
      assert.equal(p.log.properties.level.type, 'keyword');
      assert.equal(p.event.properties.action.type, 'keyword');
      assert.equal(p.message.type, 'text');
      assert.equal(p.message.fields.keyword.type, 'keyword');
      assert.equal(p.memtrail.properties.kind.type, 'keyword');
      assert.equal(p.memtrail.properties.severity.type, 'keyword');
      assert.equal(p.memtrail.properties.usage_percent.type, 'double');
      assert.equal(p.memtrail.properties.payload_bytes.type, 'long');
      assert.equal(p.memtrail.properties.memory_used_bytes.type, 'long');
      const traces = (await request(engine, 'GET', `/${prefix}-traces/_mapping`)).body[`${prefix}-traces`].mappings.properties;
      assert.equal(traces.memtrail.properties.peak_usage_percent.type, 'double');
      assert.equal(traces.memtrail.properties.first_seen.type, 'date');
    });

    test('findings are indexed under their ids; a trace spanning two files is one summary; a second run doubles nothing', async () => {
      const prefix = newPrefix();
      const first = await scanIndex(engine, prefix);
      assert.equal(first.code, 0, first.stderr);
      const ids = [...first.report.traces.flatMap((t) => t.findings), ...first.report.untraced_findings.map((f) => f as unknown as { id: string })]
        .map((f) => f.id)
        .sort();
      assert.equal(ids.length, 12);
      assert.match(first.stderr, new RegExp(`indexed 12 findings and 5 trace summaries into ${engine.url.replace(/[.]/g, '\\.')} \\(${engine.name} [0-9.]+\\); 0 failed`));
      assert.equal(await count(engine, `${prefix}-findings`), 12);
      const stored = await request(engine, 'POST', `/${prefix}-findings/_search`, { size: 100, _source: ['memtrail.finding_id'] });
      assert.deepEqual(stored.body.hits.hits.map((h: { _id: string }) => h._id).sort(), ids);

      const shared = await request(engine, 'GET', `/${prefix}-traces/_doc/trace_shared`);
      assert.equal(shared.body._source.memtrail.findings, 2);
      assert.deepEqual(shared.body._source.host.name, ['app-1', 'app-2']);
      assert.equal(shared.body._source.memtrail.files.length, 2);
      assert.equal(shared.body._source.memtrail.first_seen, '2025-12-29T10:00:02.000Z');
      assert.equal(shared.body._source.memtrail.duration_ms, 4000);
      const export1 = (await request(engine, 'GET', `/${prefix}-traces/_doc/trace_export1`)).body._source.memtrail;
      assert.deepEqual(export1.counts, { memory_warning: 3, memory_critical: 2 });
      assert.equal(export1.peak_usage_percent, 96.5);
      assert.equal(export1.severity, 'critical');

      const second = await scanIndex(engine, prefix);
      assert.equal(second.code, 0);
      assert.equal(await count(engine, `${prefix}-findings`), 12);
      assert.equal(await count(engine, `${prefix}-traces`), 5);
    });

    test('a trace indexed by two separate runs (two hosts) is summarised from both', async () => {
      const prefix = newPrefix();
      await scanIndex(engine, prefix, [], [fixture('host-a-shared.ndjson')]);
      await scanIndex(engine, prefix, [], [fixture('host-b.ndjson')]);
      const shared = (await request(engine, 'GET', `/${prefix}-traces/_doc/trace_shared`)).body._source;
      assert.equal(shared.memtrail.findings, 2);
      assert.deepEqual(shared.host.name, ['app-1', 'app-2']);
    });

    test('timeline reads back what was indexed, across files and hosts', async () => {
      const prefix = newPrefix();
      const scan = await scanIndex(engine, prefix);
      const env = engineEnv(engine);
      const timeline = await runCli(['timeline', '--index-prefix', prefix, '--trace', 'trace_export1', '--format', 'json'], { env });
      assert.equal(timeline.code, 0, timeline.stderr);
      const report = JSON.parse(timeline.stdout);
      const expected = scan.report.traces.find((t) => t.trace_id === 'trace_export1')!;
      assert.deepEqual(
        report.traces[0].findings.map((f: { id: string }) => f.id),
        expected.findings.map((f) => f.id),
      );
      assert.deepEqual(report.traces[0].counts, expected.counts);
      const critical = JSON.parse((await runCli(['timeline', '--index-prefix', prefix, '--severity', 'critical', '--format', 'json'], { env })).stdout);
      assert.equal(critical.stats.findings.memory_critical, 3);
      assert.equal(critical.stats.findings.memory_warning, 0);
      const hostB = JSON.parse((await runCli(['timeline', '--index-prefix', prefix, '--host', 'app-2', '--format', 'json'], { env })).stdout);
      assert.deepEqual(hostB.stats.findings, { memory_warning: 1, memory_critical: 1, oversized_payload: 0, oom_kill: 0, memory_growth: 0, swap_growth: 0 });
      const window = JSON.parse(
        (await runCli(['timeline', '--index-prefix', prefix, '--since', '2025-12-29T11:00:10Z', '--until', '2025-12-29T11:00:12Z', '--format', 'json'], { env }))
          .stdout,
      );
      assert.equal(window.stats.findings.oversized_payload, 2);
      const text = await runCli(['timeline', '--index-prefix', prefix, '--trace', 'trace_shared'], { env });
      assert.match(text.stdout, /^trace_shared {2}warning/m);
      assert.match(text.stdout, /Summary {2}from (elasticsearch|opensearch)/);
    });

    test('503s from the engine are retried with backoff and nothing is lost', async () => {
      const prefix = newPrefix();
      const proxy = await flakyProxy(engine, 2);
      try {
        const env = { ...engineEnv(engine), MEMTRAIL_ES_URL: proxy.url };
        const result = await scanJson([...FILES, '--index', '--index-prefix', prefix, '--engine', engine.name], { env });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /retry 1 in \d+ ms: bulk indexing failed with 503/);
        assert.ok(proxy.bulkRequests() >= 3);
        assert.equal(await count(engine, `${prefix}-findings`), 12);
      } finally {
        proxy.server.close();
      }
    });

    test('documents the engine rejects are reported with the reason, dead-lettered, and exit 1', async () => {
      const prefix = newPrefix();
      await scanIndex(engine, prefix);
      await request(engine, 'PUT', `/${prefix}-findings/_settings`, { 'index.blocks.write': true });
      await withTempDir(async (dir) => {
        const dead = join(dir, 'dead.ndjson');
        const result = await scanIndex(engine, prefix, ['--dead-letter', dead], [fixture('pino.ndjson')]);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /2 × .*(cluster_block_exception|index_closed|blocked)/);
        const entries = (await readFile(dead, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
        assert.equal(entries.length, 2);
        assert.ok(entries.every((e) => e.kind === 'not_indexed' && e.finding_id && JSON.parse(e.raw).memtrail.finding_id === e.finding_id));
        assert.ok(entries.every((e) => e.status === 403 && /cluster_block_exception|blocked/.test(e.error_type)), 'the status and error type are kept');
      });
      await request(engine, 'PUT', `/${prefix}-findings/_settings`, { 'index.blocks.write': false });
    });

    test('real loggers: OTLP records, host and service as ECS fields, a record without a time takes when it was read', async () => {
      const prefix = newPrefix();
      const started = Date.now();
      const result = await scanIndex(engine, prefix, [], [fixture('loggers/otel-java-otlp-json-wrapper.ndjson'), fixture('loggers/winston-json.ndjson')]);
      assert.equal(result.code, 0, result.stderr);
      await request(engine, 'POST', `/${prefix}-findings/_refresh`);
      const hits = (await request(engine, 'POST', `/${prefix}-findings/_search`, { size: 100 })).body.hits.hits.map((h: Json) => h._source);
      assert.equal(hits.length, 6);
      const otlp = hits.filter((d: Json) => d.log.file.path.endsWith('wrapper.ndjson'));
      assert.ok(otlp.every((d: Json) => d.host.name === 'vm' && d.service.name === 'graphql-api' && d.memtrail.timestamp_source === 'record'));
      assert.deepEqual(otlp.map((d: Json) => d.memtrail.source.record).sort(), [1, 3, 4], 'each log record of the one line keeps its index');
      const untimed = hits.filter((d: Json) => d.log.file.path.endsWith('winston-json.ndjson'));
      assert.ok(untimed.every((d: Json) => d.memtrail.timestamp_source === 'read' && Date.parse(d['@timestamp']) >= started - 1000));
    });

    test('containers: pod, namespace, container and unit reach the engine as ECS fields; timeline gives them back', async () => {
      const prefix = newPrefix();
      const result = await scanIndex(engine, prefix, [], [fixture('containers/pods'), fixture('containers/journald-fraiseql.json')]);
      assert.equal(result.code, 0, result.stderr);
      await request(engine, 'POST', `/${prefix}-findings/_refresh`);
      const hits = (await request(engine, 'POST', `/${prefix}-findings/_search`, { size: 100 })).body.hits.hits.map((h: Json) => h._source);
      const cri = hits.find((d: Json) => d.trace?.id === 'trace_long42' && d.log.file.path.includes('pods'));
      assert.deepEqual([cri.container.name, cri.kubernetes.pod.name, cri.kubernetes.namespace, cri.service.name, cri.memtrail.stream], [
        'api',
        'fraiseql-api-7d9f8c6b5-x2x9q',
        'prod',
        'api',
        'stdout',
      ]);
      const oom = hits.find((d: Json) => d.memtrail.kind === 'oom_kill');
      assert.deepEqual([oom.host.name, oom.memtrail.killed_process, oom.memtrail.memory_used_bytes], ['app-1', 'fraiseql', 2013264 * 1024]);
      const journald = hits.find((d: Json) => d.memtrail.unit === 'fraiseql.service');
      assert.equal(journald.service.name, 'fraiseql');
      const timeline = JSON.parse((await runCli(['timeline', '--index-prefix', prefix, '--format', 'json'], { env: engineEnv(engine) })).stdout);
      const back = [...timeline.traces.flatMap((t: Json) => t.findings), ...timeline.untraced_findings];
      assert.deepEqual(back.find((f: Json) => f.trace_id === 'trace_long42').origin, { stream: 'stdout', container: 'api', pod: 'fraiseql-api-7d9f8c6b5-x2x9q', namespace: 'prod' });
      assert.equal(back.find((f: Json) => f.kind === 'oom_kill').killed_process, 'fraiseql');
    });

    test('timeline on an index holding documents memtrail did not write: a clear error naming the document, exit 1', async () => {
      const prefix = newPrefix();
      await scanIndex(engine, prefix);
      await request(engine, 'PUT', `/${prefix}-findings/_doc/foreign-1?refresh=true`, { '@timestamp': '2025-12-29T11:00:00Z', note: 'written by another tool' });
      const result = await runCli(['timeline', '--index-prefix', prefix, '--format', 'json'], { env: engineEnv(engine) });
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^memtrail: document foreign-1 is not a memtrail finding \(memtrail: .*\)\n$/);
    });
  });
}

test('a wrong URL or a stopped engine: a clear error, exit 1, the report still printed, every finding dead-lettered', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  await withTempDir(async (dir) => {
    const dead = join(dir, 'dead.ndjson');
    const result = await scanJson([fixture('malformed.ndjson'), '--index', '--es-url', `http://127.0.0.1:${port}`, '--dead-letter', dead]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`cannot reach the search engine at http://127\\.0\\.0\\.1:${port}`));
    assert.equal(result.report.stats.findings.memory_critical, 1, 'the scan itself still ran');
    const entries = (await readFile(dead, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(entries.filter((e) => e.kind === 'not_indexed').length, 5, 'every finding, the one without a time too');
    assert.equal(entries.filter((e) => e.kind === 'malformed' || e.kind === 'invalid').length, 7);
  });
});

const elastic = engines.find((e) => e.name === 'elasticsearch');
test('wrong credentials: a clear 401 message and no secret anywhere in the output', { skip: !elastic?.username && 'needs an engine with security on' }, async () => {
  const secret = `s3cret-${randomBytes(6).toString('hex')}`;
  const viaEnv = await scanJson([fixture('app.ndjson'), '--index'], {
    env: { MEMTRAIL_ES_URL: elastic!.url, MEMTRAIL_ES_USERNAME: 'memtrail', MEMTRAIL_ES_PASSWORD: secret },
  });
  assert.equal(viaEnv.code, 1);
  assert.match(viaEnv.stderr, /authentication failed \(401\)/);
  const withUrl = new URL(elastic!.url);
  withUrl.username = 'memtrail';
  withUrl.password = secret;
  const viaUrl = await runCli(['timeline', '--es-url', withUrl.toString()]);
  const viaKey = await runCli(['timeline', '--es-url', elastic!.url, '--es-api-key', secret]);
  for (const result of [viaEnv, viaUrl, viaKey]) {
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), 'the secret is never printed');
  }
  assert.equal(viaUrl.code, 1);
  assert.match(viaUrl.stderr, /authentication failed \(401\).*password of user "memtrail"/);
  assert.match(viaKey.stderr, /authentication failed \(401\).*the API key was not accepted/);
});
