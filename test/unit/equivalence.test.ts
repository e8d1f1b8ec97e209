import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildConfig, type ConfigInput } from '../../src/config.js';
import type { ScanReport } from '../../src/correlate/report.js';
import { LogGenerator, GENERATE_DEFAULTS } from '../../src/generate/generator.js';
import { BlockSplitter, type SplitItem } from '../../src/parse/block-splitter.js';
import { BatchRun, type BatchOptions } from '../../src/pipeline/batch.js';
import { nextBlockBytes } from '../../src/pipeline/parallel/block-size.js';
import { WorkerFailure, WorkerPool } from '../../src/pipeline/parallel/worker-pool.js';
import { ALL_FIXTURES, CONTAINER_FIXTURES, CRI_FIXTURE, fixture, LOGGER_FIXTURES, withTempDir } from '../support/helpers.js';

async function scan(files: string[], config: ConfigInput = {}, pool?: WorkerPool, tuning: Pick<BatchOptions, 'parallelMinBytes' | 'blockBytes'> = {}): Promise<ScanReport> {
  const run = new BatchRun(buildConfig(undefined, config), [], { pool, ...tuning });
  for (const name of files) await run.scan({ name, size: (await stat(name)).size });
  return run.finish();
}

/** Everything a finding-consumer sees: findings with ids and provenance, traces, incidents. */
function findingsView(report: ScanReport) {
  return {
    findings: report.stats.findings,
    traces: report.traces,
    untraced: report.untraced,
    incidents: report.incidents,
  };
}

async function generatedLog(dir: string, records: number, seed: number): Promise<string> {
  const generator = new LogGenerator({ ...GENERATE_DEFAULTS, records, seed, badRate: 0.01, hosts: 3 });
  const lines = [...generator.lines()];
  // Lines over the record limit, one of them crossing several 1 MiB blocks.
  lines.splice(1000, 0, `{"timestamp":"2025-12-29T11:00:00Z","message":"${'x'.repeat(3 << 20)}"}`);
  lines.splice(5000, 0, `{"timestamp":"2025-12-29T11:00:00Z","message":"${'y'.repeat((1 << 20) + 10)}"}`);
  const file = join(dir, `gen-${seed}.log`);
  await writeFile(file, `\uFEFF${lines.join('\r\n')}`);
  return file;
}

for (const name of [...ALL_FIXTURES, ...LOGGER_FIXTURES.map((f) => `loggers/${f}`), ...CONTAINER_FIXTURES]) {
  test(`--fast finds exactly what the exact path finds: ${name}`, async () => {
    const exact = await scan([fixture(name)]);
    const fast = await scan([fixture(name)], { fast: true });
    assert.deepEqual(findingsView(fast), findingsView(exact));
  });
}

test('--fast finds exactly what the exact path finds on a generated log, with custom thresholds too', async () => {
  await withTempDir(async (dir) => {
    const file = await generatedLog(dir, 30_000, 7);
    for (const thresholds of [{}, { warn_percent: 60, critical_percent: 75, payload_bytes: 50_000 }]) {
      const exact = await scan([file], { thresholds });
      const fast = await scan([file], { thresholds, fast: true });
      assert.ok((exact.stats.findings.oversized_payload ?? 0) > 0 && (exact.stats.findings.memory_critical ?? 0) > 0);
      assert.deepEqual(findingsView(fast), findingsView(exact));
      assert.equal(fast.stats.lines, exact.stats.lines);
      assert.ok(fast.stats.skipped > 0);
    }
  });
});

const pool = new WorkerPool(2);
after(() => pool.close());

test('worker threads give the same report as one thread: counts, line numbers, errors, findings', async () => {
  await withTempDir(async (dir) => {
    const files = [await generatedLog(dir, 40_000, 1), await generatedLog(dir, 25_000, 2)];
    assert.ok((await stat(files[0]!)).size > 4 << 20, 'large enough for the parallel path');
    for (const config of [{ error_sample: 10_000 }, { error_sample: 10_000, fast: true }]) {
      const sequential = await scan(files, config);
      const parallel = await scan(files, config, pool);
      assert.deepEqual(parallel, sequential);
      if (!config.fast) assert.ok(sequential.stats.malformed + sequential.stats.invalid > 300);
      assert.equal(sequential.errors.filter((e) => e.reason.startsWith('record exceeds the maximum record size')).length, 4);
    }
  });
});

test('worker threads cut container logs anywhere, between the pieces of a partial line too, and give the one-thread report', async () => {
  await withTempDir(async (dir) => {
    // The CRI fixture's lines: 0-2 whole (stdout), 3-4 partial pieces and 5 the last piece of one line, 6 a stderr line.
    const cri = (await readFile(fixture(CRI_FIXTURE), 'utf8')).split('\n').filter(Boolean);
    const stderrPiece = cri[6]!.replace(' stderr F ', ' stderr P ');
    // Both streams open at once, whole lines between the pieces, and the input ending inside a partial line.
    // And lines of no container between the pieces: malformed ones too (--fast must count them as one thread does).
    // (Each over 64 bytes, so that in blocks of 64 bytes one holds it alone.)
    const garbage = `garbage ${'x'.repeat(70)}`;
    const quiet = `{"level":"info","msg":"no memory here ${'x'.repeat(40)}"}`;
    const interleaved = [cri[3], stderrPiece, garbage, cri[0], cri[4], quiet, cri[1], cri[6], cri[5], cri[2], cri[3], cri[4]];
    const mixed = join(dir, '0.log');
    await writeFile(mixed, `${interleaved.join('\n')}\n`);
    const files = [...CONTAINER_FIXTURES.map(fixture), mixed];
    for (const file of files) {
      for (const config of [{ error_sample: 1000 }, { error_sample: 1000, fast: true }]) {
        const sequential = await scan([file], config);
        for (const blockBytes of [64, 1000, 20_000]) {
          const parallel = await scan([file], config, pool, { parallelMinBytes: 0, blockBytes });
          assert.deepEqual(parallel, sequential, `${file} in blocks of ${blockBytes} bytes${config.fast ? ', --fast' : ''}`);
        }
      }
    }
    // The cases are real: records joined from pieces, and a partial line left open at the end.
    const joined = await scan([fixture(CRI_FIXTURE)]);
    assert.ok(joined.stats.continued >= 2 && (joined.stats.findings.memory_critical ?? 0) > 0);
    const open = await scan([mixed], {}, pool, { parallelMinBytes: 0, blockBytes: 64 });
    assert.deepEqual(
      open.errors.map((e) => [e.line, e.reason]),
      [
        [3, 'invalid JSON: Unexpected token \'g\', "garbage xx"... is not valid JSON'],
        [11, 'input ended inside a record split over partial lines'],
      ],
    );
  });
});

test('blocks are whole lines in order, and an oversized line is cut out wherever it falls', () => {
  const lines = ['{"a":1}', 'x'.repeat(5000), '{"b":2}', 'y'.repeat(300), '{"c":3}'];
  const text = Buffer.from(lines.join('\n'));
  // (A long line wholly inside one chunk stays in its block: the worker's line framer reports it.)
  for (const chunkSize of [1, 13, 700]) {
    const splitter = new BlockSplitter(64, 1000);
    const items: SplitItem[] = [];
    for (let i = 0; i < text.length; i += chunkSize) items.push(...splitter.push(text.subarray(i, i + chunkSize)));
    items.push(...splitter.end());
    const rebuilt = items.map((item) => (item.kind === 'block' ? item.bytes.toString() : `<oversized ${item.bytes} at ${item.offset}>\n`)).join('');
    assert.equal(rebuilt, `{"a":1}\n<oversized 5000 at 8>\n{"b":2}\n${'y'.repeat(300)}\n{"c":3}`, `chunk size ${chunkSize}`);
    for (const item of items) {
      if (item.kind === 'block') assert.equal(text.subarray(item.offset, item.offset + item.bytes.length).toString(), item.bytes.toString());
    }
  }
});

test('a chunk of many lines is cut into blocks of about the size asked, whole lines each, and the size can change between chunks', () => {
  const text = Buffer.from(Array.from({ length: 2000 }, (_, i) => `{"n":${i}}`).join('\n') + '\n');
  const splitter = new BlockSplitter(1024, 1 << 20);
  const items: SplitItem[] = [...splitter.push(text.subarray(0, 12_000))];
  splitter.blockBytes = 4096;
  items.push(...splitter.push(text.subarray(12_000)), ...splitter.end());
  const blocks = items.filter((item) => item.kind === 'block');
  assert.equal(blocks.map((b) => b.bytes.toString()).join(''), text.toString(), 'every byte once, in order');
  for (const block of blocks) {
    assert.equal(block.bytes.at(-1), 0x0a, 'whole lines');
    assert.equal(text.subarray(block.offset, block.offset + block.bytes.length).toString(), block.bytes.toString());
  }
  assert.ok(blocks.slice(0, 10).every((b) => b.bytes.length >= 1024 && b.bytes.length < 1024 + 12), 'cut just past the size asked');
  assert.ok(blocks.slice(-3, -1).every((b) => b.bytes.length >= 4096 && b.bytes.length < 4096 + 12), 'then at the new size');
});

test('block sizes follow how dense results come back: sparse grows to the most, dense shrinks to the least', () => {
  assert.equal(nextBlockBytes(64 << 10, 0, 1 << 20), 1 << 20);
  assert.equal(nextBlockBytes(64 << 10, 40, 1 << 20), 1 << 20);
  assert.equal(nextBlockBytes(1 << 20, 16_384, 1 << 20), 512 << 10);
  assert.equal(nextBlockBytes(64 << 10, 32_768, 1 << 20), 16 << 10);
  assert.equal(nextBlockBytes(16 << 10, 8192, 512), 512, 'never above the most asked (tests use tiny blocks)');
});

test('the generator is deterministic and its manifest matches what a scan finds', async () => {
  await withTempDir(async (dir) => {
    const a = new LogGenerator({ ...GENERATE_DEFAULTS, records: 20_000, seed: 11 });
    const b = new LogGenerator({ ...GENERATE_DEFAULTS, records: 20_000, seed: 11 });
    const textA = [...a.lines()].join('\n');
    assert.equal(textA, [...b.lines()].join('\n'));
    const file = join(dir, 'g.log');
    await writeFile(file, `${textA}\n`);
    const report = await scan([file]);
    const m = a.manifest;
    assert.deepEqual(
      [report.stats.lines, report.stats.records, report.stats.malformed, report.stats.invalid, report.stats.findings, report.traces.length],
      [m.lines, m.records, m.malformed, m.invalid, m.findings, m.traces_with_findings],
    );
    assert.ok(report.traces.some((t) => t.findings.length > 3), 'memory ramps give traces with several findings');
    assert.match(await readFile(file, 'utf8'), /"trace_id":"trace_/);
  });
});

test('a crashed worker is a failure of memtrail, not an unreadable input', async () => {
  await withTempDir(async (dir) => {
    const file = await generatedLog(dir, 30_000, 5);
    const crashing = {
      size: 1,
      configure: () => undefined,
      run: () => Promise.reject(new WorkerFailure('a worker thread crashed: RangeError: Maximum call stack size exceeded')),
      close: () => Promise.resolve(),
    } as unknown as WorkerPool;
    const run = new BatchRun(buildConfig(undefined, {}), [], { pool: crashing });
    await assert.rejects(run.scan({ name: file, size: (await stat(file)).size }), WorkerFailure);
    assert.equal(run.inputFailures, 0, 'not reported as "cannot read"');
  });
});

test('a worker that has exited gets no more blocks: they are read here, never left waiting', { timeout: 20_000 }, async () => {
  const own = new WorkerPool(2);
  own.configure({ config: buildConfig(undefined, {}) });
  const block = () => Buffer.from(`${JSON.stringify({ timestamp: '2025-12-29T11:00:00Z', level: 'WARN', event: 'system.high_memory', context: { memory_usage_percent: 85 } })}\n`);
  const before = await own.run(block(), { file: 'a.log', first: true });
  // Its 'exit' comes before close() resolves, as when a worker dies of its own.
  await own.close();
  const after = await own.run(block(), { file: 'a.log', first: true });
  assert.equal(before.findings.length, 1);
  assert.deepEqual(after.findings, before.findings);
});
