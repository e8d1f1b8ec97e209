/**
 * The fuzz suite (fast-check: seeded, shrinking). In `npm test` it runs with a fixed seed and a
 * small budget; `npm run fuzz` runs it for longer with a random seed and prints the seed and the
 * shrunk counterexample of any failure. Properties:
 * - a scan never throws, and its stats add up:
 *   lines = blank + continued + skipped + records + invalid + malformed + text − batched;
 * - every finding is counted once: the listed ones plus those left out equal the stats;
 * - the exact path, --fast and worker threads give identical findings;
 * - the CLI exits 0, 1 or 3 and prints valid JSON;
 * - one memory event gives the same findings in every shape the field mapping reads.
 */
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { buildConfig, type ConfigInput } from '../../src/config.js';
import type { ScanReport } from '../../src/correlate/report.js';
import { BatchRun } from '../../src/pipeline/batch.js';
import { WorkerPool } from '../../src/pipeline/parallel/worker-pool.js';
import { renderJson } from '../../src/sinks/json.js';
import { fuzzParameters, hostileLog, logicalEvent, mutatedFixture, shapesOf } from '../support/fuzz.js';
import { runCli, withTempDir } from '../support/helpers.js';

const pool = new WorkerPool(2);
after(() => pool.close());

async function scanBytes(dir: string, bytes: Buffer, config: ConfigInput = {}, threads = false): Promise<ScanReport> {
  const file = join(dir, 'input.log');
  await writeFile(file, bytes);
  // Small blocks and no minimum size, so small inputs take the worker path too.
  const run = new BatchRun(buildConfig(undefined, { error_sample: 1_000_000, ...config }), [], threads ? { pool, parallelMinBytes: 0, blockBytes: 512 } : {});
  await run.scan({ name: file, size: (await stat(file)).size });
  return run.finish();
}

function checkAccounting(report: ScanReport): void {
  const s = report.stats;
  assert.equal(s.lines, s.blank + s.continued + s.skipped + s.records + s.invalid + s.malformed + s.text - s.batched, 'every line accounted for');
  assert.ok(s.continued >= 0 && s.batched >= 0);
  assert.equal(report.errors_total, s.malformed + s.invalid, 'every bad line and record reported');
  const counted = Object.values(s.findings).reduce((a, b) => a + b, 0);
  const listed =
    report.traces.reduce((n, t) => n + Object.values(t.counts).reduce<number>((a, b) => a + (b ?? 0), 0), 0) + report.untraced.length + report.untracedOmitted;
  assert.equal(listed, counted, 'every finding counted once');
  for (const t of report.traces) assert.equal(t.findings.length + t.findings_omitted, Object.values(t.counts).reduce<number>((a, b) => a + (b ?? 0), 0));
  JSON.parse([...renderJson(report)].join(''));
}

const view = (r: ScanReport) => ({ findings: r.stats.findings, traces: r.traces, untraced: r.untraced, incidents: r.incidents });

for (const [name, input] of [
  ['mutated fixtures', mutatedFixture],
  ['hostile records', hostileLog],
] as const) {
  test(`fuzz, ${name}: a scan never throws, its stats add up, and --fast and threads agree with it`, async () => {
    await withTempDir(async (dir) => {
      await fc.assert(
        fc.asyncProperty(input, async (bytes) => {
          const exact = await scanBytes(dir, bytes);
          checkAccounting(exact);
          const fast = await scanBytes(dir, bytes, { fast: true });
          assert.deepEqual(view(fast), view(exact), '--fast');
          const threads = await scanBytes(dir, bytes, {}, true);
          assert.deepEqual(threads, exact, 'worker threads');
        }),
        fuzzParameters(60),
      );
    });
  });
}

test('fuzz, the CLI: exits 0, 1 or 3, prints one valid JSON document, never an internal error', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(mutatedFixture, hostileLog), fc.constantFrom([], ['--fail-on', 'warning'], ['--fast'], ['--format', 'json', '--threads', '2']), async (bytes, flags) => {
      const { code, stdout, stderr } = await runCli(['scan', '--format', 'json', ...flags], { stdin: bytes });
      assert.ok(code === 0 || code === 3, `exit ${code}: ${stderr}`);
      JSON.parse(stdout);
      assert.doesNotMatch(stderr, /internal error/);
    }),
    fuzzParameters(6),
  );
});

test('fuzz, shapes: one memory event gives the same findings in every shape the field mapping reads, bare or in an envelope', async () => {
  await withTempDir(async (dir) => {
    await fc.assert(
      fc.asyncProperty(logicalEvent, async (event) => {
        let reference: unknown;
        for (const [shape, text] of shapesOf(event)) {
          const report = await scanBytes(dir, Buffer.from(`${text}\n`));
          assert.equal(report.stats.records, 1, `${shape}: one record`);
          const findings = [...report.traces.flatMap((t) => t.findings), ...report.untraced].map((f) => ({
            kind: f.kind,
            severity: f.severity,
            trace_id: f.trace_id,
            timestamp: f.timestamp,
            usage_percent: f.usage_percent,
            memory_used_bytes: f.memory_used_bytes,
            payload_bytes: f.payload_bytes,
          }));
          if (reference === undefined) reference = findings;
          else assert.deepEqual(findings, reference, shape);
        }
      }),
      fuzzParameters(80),
    );
  });
});
