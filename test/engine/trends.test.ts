import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, scanJson, withTempDir, type Json } from '../support/helpers.js';
import { engineEnv, request, testEngines, testPrefixes } from '../support/engines.js';

for (const engine of testEngines()) {
  describe(`memory trends into ${engine.name}`, () => {
    const newPrefix = testPrefixes(engine, `tr${engine.name.slice(0, 1)}`, after);

    test('--index writes each memory series per minute to <prefix>-memory and the growth findings to <prefix>-findings; a re-run changes no count', async () => {
      await withTempDir(async (dir) => {
        const log = join(dir, 'trends.log');
        const generated = await runCli(['generate', '--trends', '--start', '2026-11-28T08:00:00Z', '-o', log, '--manifest', join(dir, 'm.json')]);
        assert.equal(generated.code, 0, generated.stderr);
        const truth = (JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')) as { trends: Json[] }).trends;
        const prefix = newPrefix();
        const first = await scanJson([log, '--index', '--index-prefix', prefix], { env: engineEnv(engine) });
        assert.equal(first.code, 0, first.stderr);
        const report = first.report as Json;
        const points = report.index.memory_points as number;
        assert.ok(points > 0);
        const count = async (index: string, query?: object) => {
          await request(engine, 'POST', `/${prefix}-${index}/_refresh`);
          return (await request(engine, 'POST', `/${prefix}-${index}/_count`, query ? { query } : undefined)).body.count as number;
        };
        assert.equal(await count('memory'), points, 'one document per series per bucket');
        // The runbook's graph: memory used by host over time, with its limit.
        const oom = await request(engine, 'POST', `/${prefix}-memory/_search`, {
          size: 0,
          query: { term: { 'host.name': 'trend-oom' } },
          aggs: { peak: { max: { field: 'memtrail.memory.used_max_bytes' } }, limit: { max: { field: 'memtrail.memory.limit_bytes' } }, minutes: { value_count: { field: '@timestamp' } } },
        });
        assert.equal(oom.body.aggregations.limit.value, 2 * 1024 ** 3);
        assert.ok(oom.body.aggregations.peak.value > 1.9 * 1024 ** 3);
        assert.ok(oom.body.aggregations.minutes.value >= 200, 'a document per minute over four hours');
        const expectedGrowth = truth.filter((t) => t.finding !== null).length;
        assert.equal(await count('findings', { terms: { 'memtrail.kind': ['memory_growth', 'swap_growth'] } }), expectedGrowth);
        const leak = await request(engine, 'POST', `/${prefix}-findings/_search`, { query: { bool: { filter: [{ term: { 'host.name': 'trend-oom' } }, { term: { 'memtrail.kind': 'memory_growth' } }] } } });
        const doc = leak.body.hits.hits[0]._source;
        assert.equal(doc.memtrail.restarts, 5);
        assert.equal(doc.memtrail.series, 'trend-oom/fraiseql-api');
        assert.ok(doc.memtrail.growth_bytes_per_second > 0);
        // Searchable as dates: growth findings whose projection falls within the run.
        const projected = await count('findings', { range: { 'memtrail.projected_limit_at': { gte: '2026-11-28T00:00:00Z' } } });
        assert.ok(projected >= 1);

        // The evidence report from the engine: timeline --html, growth findings included.
        const html = join(dir, 'report.html');
        const timeline = await runCli(['timeline', '--index-prefix', prefix, '--since', '2026-11-28T00:00:00Z', '--html', html], { env: engineEnv(engine) });
        assert.equal(timeline.code, 0, timeline.stderr);
        const page = await readFile(html, 'utf8');
        assert.match(page, /^<!doctype html>/i);
        assert.ok(page.includes('memory_growth'), 'the growth findings are in the report');

        const again = await scanJson([log, '--index', '--index-prefix', prefix], { env: engineEnv(engine) });
        assert.equal(again.code, 0, again.stderr);
        assert.equal(await count('memory'), points, 'deterministic ids: the same buckets are replaced, not added');
        assert.equal(await count('findings', { terms: { 'memtrail.kind': ['memory_growth', 'swap_growth'] } }), expectedGrowth);
      });
    });
  });
}
