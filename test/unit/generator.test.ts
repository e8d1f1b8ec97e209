/**
 * The generator's logs show every kind of finding, whatever their size: what it plants is what a
 * scan finds, and its span is known before it writes (so the CLI can end a log at the current time).
 */
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { KINDS } from '../../src/classify/registry.js';
import { buildConfig } from '../../src/config.js';
import { GENERATE_DEFAULTS, generatedSpanMs, LogGenerator, PLANTED_KINDS } from '../../src/generate/generator.js';
import { BatchRun } from '../../src/pipeline/batch.js';
import { withTempDir } from '../support/helpers.js';

/**
 * The kinds one record can give. The memory-trend kinds (`*_growth`) need an hour of samples of
 * one series and are planted by their own scenarios, not by the record generator.
 */
const PER_RECORD_KINDS = KINDS.map((k) => k.name).filter((name) => !name.endsWith('_growth'));

async function scanLines(dir: string, name: string, lines: string[]) {
  const file = join(dir, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  const run = new BatchRun(buildConfig(undefined, {}), [], {});
  await run.scan({ name: file, size: (await stat(file)).size });
  return run.finish();
}

test('the generator plants every kind one record can give', () => {
  assert.deepEqual([...PLANTED_KINDS].sort(), [...PER_RECORD_KINDS].sort());
});

for (const records of [4, 7, 60, 500, 5000]) {
  test(`${records} records hold at least one finding of each kind, and a scan finds what the manifest says`, async () => {
    await withTempDir(async (dir) => {
      const generator = new LogGenerator({ ...GENERATE_DEFAULTS, records, seed: records });
      const lines = [...generator.lines()];
      assert.equal(lines.length, records);
      const report = await scanLines(dir, 'gen.log', lines);
      for (const kind of PER_RECORD_KINDS) {
        assert.ok((generator.manifest.findings[kind] ?? 0) >= 1, `${kind} is planted in ${records} records`);
        assert.equal(report.stats.findings[kind], generator.manifest.findings[kind], `${kind}: the scan agrees with the manifest`);
      }
    });
  });
}

test('a large log keeps its natural findings: a kind is planted only where it has not occurred yet', () => {
  const generator = new LogGenerator({ ...GENERATE_DEFAULTS, records: 50_000, seed: 42 });
  const lines = [...generator.lines()];
  assert.equal(lines.length, 50_000);
  const { memory_warning: warnings = 0, oversized_payload: payloads = 0 } = generator.manifest.findings;
  assert.ok(warnings > 5 && payloads > 5, `natural findings: ${warnings} warnings, ${payloads} oversized payloads`);
  assert.equal(generator.manifest.findings.oom_kill, 1, 'no record gives an OOM kill by itself: one is planted');
});

test('the span of a log is known before it is written: its last record is at start + span', () => {
  for (const records of [1, 2, 1000, 30_000]) {
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const generator = new LogGenerator({ ...GENERATE_DEFAULTS, records, seed: 9, start, badRate: 0 });
    const times = [...generator.lines()].map((l) => Date.parse((JSON.parse(l) as { timestamp: string }).timestamp));
    assert.equal(times[0], start);
    assert.equal(times.at(-1), start + generatedSpanMs({ records, seed: 9 }));
  }
});

test('the same seed and start give the same lines', () => {
  const lines = () => [...new LogGenerator({ ...GENERATE_DEFAULTS, records: 3000, seed: 11 }).lines()];
  assert.deepEqual(lines(), lines());
});
