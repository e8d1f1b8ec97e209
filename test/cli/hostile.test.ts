/**
 * Hostile input, row by row from the fuzzer's findings: each reproduction, and the contract it
 * must keep (the run goes on, nothing is counted twice, memory stays bounded, --fast and
 * --threads agree with the exact path).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fixture, runCli, scanJson, withTempDir, type Json } from '../support/helpers.js';

const critical = (trace: string, extra: object = {}) =>
  JSON.stringify({ timestamp: '2025-12-29T11:20:15.456Z', event: 'system.memory_critical', trace_id: trace, context: { memory_usage_percent: 93.75 }, ...extra });

/** Everything a reader of findings sees, for comparing paths. */
const findingsView = (report: Json) => ({ findings: report.stats.findings, traces: report.traces, untraced: report.untraced_findings, incidents: report.incidents });

test('a time out of range makes its record invalid; the records after it are read', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'app.log');
    await writeFile(log, `{"timestamp":8640000000000001,"event":"system.memory_critical","trace_id":"t"}\n${await readFile(fixture('app.ndjson'), 'utf8')}`);
    const { code, report } = await scanJson([log]);
    assert.equal(code, 0);
    assert.deepEqual([report.stats.records, report.stats.invalid], [12, 1]);
    assert.match(report.errors[0]!.reason, /^timestamp: out of range: .* is not between 1970 and 2100$/);
    assert.deepEqual(report.stats.findings, { memory_warning: 5, memory_critical: 2, oversized_payload: 2, oom_kill: 0, memory_growth: 0, swap_growth: 0 });
  });
});

test('nesting too deep is one malformed record with its line; the rest is read', async () => {
  await withTempDir(async (dir) => {
    const pretty = join(dir, 'deep.json');
    await writeFile(pretty, `${'{"a":\n'.repeat(100_000)}1${'}\n'.repeat(100_000)}${JSON.stringify(JSON.parse(critical('after')), null, 2)}\n`);
    const deep = await scanJson([pretty]);
    assert.equal(deep.code, 0);
    assert.deepEqual([deep.report.stats.records, deep.report.stats.malformed], [1, 1]);
    assert.deepEqual(deep.report.errors.map((e) => [e.line, e.reason]), [[1, 'record nested deeper than 100 levels (--max-depth)']]);
    assert.deepEqual(deep.report.traces.map((t) => t.trace_id), ['after']);

    const array = join(dir, 'array.json');
    await writeFile(array, `[\n${critical('t0')},\n${'['.repeat(10_000)}${']'.repeat(10_000)},\n${critical('t1')}, ${critical('t2')}\n]\n`);
    const elements = await scanJson([array]);
    assert.equal(elements.code, 0);
    assert.deepEqual([elements.report.stats.records, elements.report.stats.malformed], [3, 1]);
    assert.deepEqual(elements.report.errors.map((e) => e.line), [3]);
    assert.deepEqual(elements.report.traces.map((t) => t.trace_id).sort(), ['t0', 't1', 't2']);
    const shallower = join(dir, 'shallower.json');
    await writeFile(shallower, `[\n${'['.repeat(150)}${']'.repeat(150)},\n${critical('t3')}\n]\n`);
    assert.equal((await scanJson([shallower])).report.stats.malformed, 1);
    const raised = await scanJson([shallower, '--max-depth', '200']);
    assert.deepEqual([raised.report.stats.malformed, raised.report.stats.invalid], [0, 1], 'a higher --max-depth reads it (an array is not an object: invalid)');
    assert.match((await runCli(['scan', shallower, '--max-depth', '5000'])).stderr, /--max-depth: .*1000/, 'the limit has a ceiling: deeper would overflow the stack');
  });
});

test('a top-level array of a million elements on one line: every element read, memory bounded', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'array.json');
    await writeFile(log, `[${Array.from({ length: 1_000_000 }, (_, i) => (i % 100_000 === 0 ? critical(`t${i}`) : '{"a":1}')).join(',')}]`);
    const { code, report, usage } = await scanJson([log], { measure: true });
    assert.equal(code, 0);
    assert.deepEqual([report.stats.lines, report.stats.records, report.stats.batched], [1, 1_000_000, 999_999]);
    assert.equal(report.stats.findings.memory_critical, 10);
    assert.ok(usage!.peakRssMb < 250, `peak RSS ${usage!.peakRssMb.toFixed(0)} MB`);
  });
});

test('--fast finds what the exact path finds: a literal dotted key, whitespace before the colon, an ECS line first', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'app.log');
    await writeFile(
      log,
      [
        JSON.stringify({ '@timestamp': '2025-12-29T11:00:00Z', 'log.level': 'info', 'ecs.version': '8.10.0', message: 'ECS, no memory fields' }),
        '{"timestamp":"2025-12-29T11:00:01Z","trace_id":"d","context.memory_usage_percent":95}',
        '{"timestamp":"2025-12-29T11:00:02Z","trace_id":"p","context":{"request_size_bytes"\r:2000000}}',
        critical('c'),
      ].join('\n'),
    );
    const exact = await scanJson([log]);
    const fast = await scanJson([log, '--fast']);
    assert.deepEqual(exact.report.stats.findings, { memory_warning: 0, memory_critical: 2, oversized_payload: 1, oom_kill: 0, memory_growth: 0, swap_growth: 0 });
    assert.deepEqual(findingsView(fast.report), findingsView(exact.report));
    // The exact path's counts are the input's; --fast says its own are partial.
    assert.equal(exact.report.stats.counts, 'exact');
    assert.equal(fast.report.stats.counts, 'partial');
    assert.ok(fast.report.stats.skipped > 0 && fast.report.stats.records < exact.report.stats.records);
    const text = await runCli(['scan', '--fast', log]);
    assert.match(text.stdout, /lines not parsed \(--fast: these counts are partial\)/);
  });
});

test('--threads gives the same report whatever the input opens with: not JSON, a BOM and an ECS line, an over-long line', async () => {
  await withTempDir(async (dir) => {
    const body = execFileSync(process.execPath, [join('bin', 'memtrail.js'), 'generate', '-n', '30000', '--seed', '5', '--sample-every', '20'], { maxBuffer: 1 << 30 }).toString();
    const openings = [
      `not json\n\uFEFF${JSON.stringify({ '@timestamp': '2025-12-29T11:00:00Z', 'log.level': 'info', 'ecs.version': '8' })}\n`,
      `${'x'.repeat(2 << 20)}\n`,
    ];
    for (const [i, opening] of openings.entries()) {
      const log = join(dir, `big-${i}.log`);
      await writeFile(log, opening + body);
      const one = await scanJson([log, '--errors', '10000']);
      const two = await scanJson([log, '--errors', '10000', '--threads', '2']);
      assert.ok((one.report.stats.findings.memory_warning ?? 0) > 10);
      assert.deepEqual(two.report, one.report, `opening ${i}`);
    }
  });
});

test('a gzip of nothing but newlines is read at the speed of its bytes; every line is counted as blank', async () => {
  await withTempDir(async (dir) => {
    const bomb = join(dir, 'bomb.log.gz');
    await writeFile(bomb, gzipSync(Buffer.alloc(200 << 20, 0x0a), { level: 9 }));
    const { code, report } = await scanJson([bomb]);
    assert.equal(code, 0);
    assert.deepEqual([report.stats.lines, report.stats.blank, report.stats.records], [200 << 20, 200 << 20, 0]);
  });
});

test('findings without a trace id are bounded like traced ones; the JSON report is whole and says what it left out', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'untraced.log.gz');
    const line = `${JSON.stringify({ timestamp: '2025-12-29T11:00:00Z', event: 'system.high_memory' })}\n`;
    await writeFile(log, gzipSync(Buffer.from(line.repeat(400_000))));
    const { code, report, usage } = await scanJson([log], { measure: true });
    assert.equal(code, 0);
    assert.equal(report.stats.findings.memory_warning, 400_000);
    assert.equal(report.untraced_findings.length + report.untraced_findings_omitted, 400_000);
    assert.equal(report.untraced_findings.length, 20_000, 'the default budget');
    assert.equal(report.incidents[0]!.findings, 400_000);
    assert.ok(usage!.peakRssMb < 300, `peak RSS ${usage!.peakRssMb.toFixed(0)} MB`);
  });
});

test('a file met through several links, and a symlink loop, are read once; dangling links and pipes are said, not skipped silently', async () => {
  await withTempDir(async (dir) => {
    const logs = join(dir, 'logs');
    await mkdir(join(logs, 'sub'), { recursive: true });
    await writeFile(join(logs, 'sub', 'app.log'), await readFile(fixture('app.ndjson')));
    await symlink('.', join(logs, 'again'));
    await symlink('sub/app.log', join(logs, 'link.log'));
    await symlink('/nonexistent/target', join(logs, 'dangling.log'));
    execFileSync('mkfifo', [join(logs, 'pipe')]);
    const { code, report, stderr } = await scanJson([logs, join(logs, 'sub', 'app.log')]);
    assert.equal(code, 0);
    assert.equal(report.stats.files, 1);
    assert.equal(report.stats.findings.memory_critical, 2, 'counted once');
    assert.equal(stderr.match(/symlink loop/g)?.length, 1);
    assert.match(stderr, /dangling\.log: a dangling symlink \(→ \/nonexistent\/target, which does not exist\), not read/);
    assert.match(stderr, /pipe: a named pipe \(FIFO\), not read/);
  });
});

test('objects written back to back on one line are records (NDJSON too)', async () => {
  const { code, report } = await scanJson([], { stdin: `${critical('a')}${critical('b')}\n${critical('c')}\n` });
  assert.equal(code, 0);
  assert.deepEqual([report.stats.records, report.stats.malformed, report.stats.batched], [3, 0, 1]);
  assert.deepEqual(report.traces.map((t) => t.trace_id), ['a', 'b', 'c']);
  assert.notEqual(report.traces[0]!.findings[0]!.id, report.traces[1]!.findings[0]!.id);
});

test('a usage that is not a finite number is invalid input, not a finding with no usage', async () => {
  const { report } = await scanJson([], {
    stdin: `${JSON.stringify({ timestamp: '2025-12-29T11:00:00Z', trace_id: 'x', context: { memory_used_bytes: 1e307, memory_limit_bytes: 1e-300 } })}\n`,
  });
  assert.deepEqual([report.stats.records, report.stats.invalid, report.traces.length], [0, 1, 0]);
  assert.match(report.errors[0]!.reason, /not a finite number/);
  const text = await runCli(['scan'], { stdin: `${JSON.stringify({ timestamp: '2025-12-29T11:00:00Z', context: { memory_used_bytes: 1e307, memory_limit_bytes: 1 } })}\n` });
  assert.doesNotMatch(text.stdout, /Infinity/);
});
