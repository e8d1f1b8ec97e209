/**
 * A newcomer against the real engines: the URL `npm run engine` prints works as `--es-url` as it
 * is, a refused login says what was tried, and `timeline --limit N` keeps the newest N.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { engineEnv, testEngines, testPrefixes, type TestEngine } from '../support/engines.js';
import { fixture, ROOT, runCli, scanJson, withTempDir, type Json } from '../support/helpers.js';

const engines = testEngines();

/** What `npm run engine -- status <kind>` prints last, when the test script started that engine. */
function engineScriptUrl(kind: TestEngine['name']): string | undefined {
  const status = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/engine.ts', 'status', kind], { cwd: ROOT, encoding: 'utf8' });
  return status.status === 0 ? status.stdout.trim().split('\n').at(-1) : undefined;
}

for (const engine of engines) {
  describe(`newcomer against ${engine.name}`, () => {
    const newPrefix = testPrefixes(engine, `nc${engine.name.slice(0, 2)}`, after);

    test("the engine script's last line works as --es-url, as it is", async (t) => {
      const url = engineScriptUrl(engine.name);
      if (url === undefined) return t.skip('the engine was not started by scripts/engine.ts');
      if (engine.username) assert.match(url, /^http:\/\/[^:@/]+:[^@/]+@127\.0\.0\.1:\d+$/, 'the credentials are in the URL');
      const prefix = newPrefix();
      // Nothing but the URL: no MEMTRAIL_ES_* variable.
      const result = await scanJson([fixture('app.ndjson'), '--index', '--index-prefix', prefix, '--es-url', url]);
      assert.equal(result.code, 0, result.stderr);
      const report: Json = result.report;
      assert.ok(report.index.indexed > 0, 'findings were indexed');
      assert.match(result.stderr, new RegExp(`indexed \\d+ findings and \\d+ trace summaries into ${engine.url.replace(/[.]/g, '\\.')} \\(${engine.name} `));
      if (engine.password) assert.ok(!result.stderr.includes(engine.password) && !result.stdout.includes(engine.password), 'the password is never printed');
    });

    test('timeline --limit N keeps the newest N, even when the cut falls among findings of the same millisecond, and says so', async () => {
      await withTempDir(async (dir) => {
        const prefix = newPrefix();
        const at = (ms: number) => new Date(Date.parse('2025-12-29T11:00:00.000Z') + ms).toISOString();
        const warning = (trace: string, time: string) =>
          JSON.stringify({ timestamp: time, level: 'WARNING', event: 'system.high_memory', message: trace, trace_id: trace, context: { memory_usage_percent: 85 } });
        const lines = [
          ...[0, 1, 2, 3].map((i) => warning(`before-${i}`, at(i * 1000))),
          // Four findings in one millisecond: the cut of --limit 6 falls among them.
          ...['tie-a', 'tie-b', 'tie-c', 'tie-d'].map((trace) => warning(trace, at(10_000))),
          ...[0, 1, 2, 3].map((i) => warning(`after-${i}`, at(20_000 + i * 1000))),
        ];
        const log = join(dir, 'limit.log');
        await writeFile(log, `${lines.join('\n')}\n`);
        const indexed = await scanJson([log, '--index', '--index-prefix', prefix], { env: engineEnv(engine) });
        assert.equal(indexed.code, 0, indexed.stderr);

        const timeline = async (args: string[]) => {
          const result = await runCli(['timeline', '--index-prefix', prefix, '--format', 'json', ...args], { env: engineEnv(engine) });
          assert.equal(result.code, 0, result.stderr);
          const report: Json = JSON.parse(result.stdout);
          const findings: Json[] = (report.traces as Json[]).flatMap((t): Json[] => t.findings);
          return { stderr: result.stderr, ids: findings.map((f) => `${f.timestamp} ${f.id}`).sort() };
        };
        const all = await timeline([]);
        assert.equal(all.ids.length, 12);
        assert.equal(all.stderr, '', 'nothing cut, nothing said');

        const newest = await timeline(['--limit', '6']);
        // The engine's order: time, then finding id; the newest six are the last six of it.
        assert.deepEqual(newest.ids, all.ids.slice(-6));
        assert.equal(newest.stderr, 'memtrail: kept the newest 6 of 12 findings (--limit 6); narrow with --since, --until, --trace, --host or --severity, or raise --limit\n');

        const one = await timeline(['--limit', '1']);
        assert.deepEqual(one.ids, all.ids.slice(-1));
      });
    });
  });
}

const elastic = engines.find((e) => e.name === 'elasticsearch');
test('a refused login reads as a sentence and names what was tried', { skip: !elastic?.username && 'needs an engine with security on' }, async () => {
  const url = elastic!.url;
  const none = await runCli(['timeline', '--es-url', url]);
  assert.equal(none.code, 1);
  assert.equal(
    none.stderr,
    `memtrail: authentication failed (401) at ${url}: the engine asks for credentials and none were given. ` +
      'Put them in the URL (http://user:password@host:port), or set --es-api-key, or --es-username with --es-password ' +
      '(or MEMTRAIL_ES_API_KEY, MEMTRAIL_ES_USERNAME and MEMTRAIL_ES_PASSWORD).\n',
  );
  const withUrl = new URL(url);
  withUrl.username = 'memtrail';
  withUrl.password = 'not-the-password';
  const viaUrl = await runCli(['timeline', '--es-url', withUrl.toString()]);
  assert.match(viaUrl.stderr, /: the password of user "memtrail" was not accepted \(from the URL\)\. Put them in the URL/);
  const viaEnv = await runCli(['timeline'], { env: { MEMTRAIL_ES_URL: url, MEMTRAIL_ES_USERNAME: 'memtrail', MEMTRAIL_ES_PASSWORD: 'nope' } });
  assert.match(viaEnv.stderr, /the password of user "memtrail" was not accepted \(from MEMTRAIL_ES_USERNAME and MEMTRAIL_ES_PASSWORD\)\./);
  const viaFlag = await runCli(['timeline', '--es-url', url, '--es-api-key', 'bm9wZTpub3Bl']);
  assert.match(viaFlag.stderr, /the API key was not accepted \(from --es-api-key\)\./);
  for (const result of [viaUrl, viaEnv]) assert.ok(!result.stderr.includes('not-the-password') && !result.stderr.includes(':nope'));
  // The scan goes on without the engine; its closing line says the engine answered and refused.
  const scan = await runCli(['scan', fixture('app.ndjson'), '--index', '--format', 'json', '--es-url', url]);
  assert.equal(scan.code, 1, scan.stderr);
  assert.match(scan.stderr, /\(refused \(401\)\); \d+ failed/);
  assert.doesNotMatch(scan.stderr, /\(unreachable\)/);
});
