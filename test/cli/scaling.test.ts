/**
 * Cost linear in the input, memory bounded, on every pathological shape (bench/pathological.ts):
 * each runs at 1× and 4× its size. Time itself is not asserted: CPU time above the CLI's own
 * start-up cost must grow at most about linearly (a generous 6× for 4× the bytes; a quadratic
 * path gives 16×), and peak memory must not grow with the input. `npm run bench` runs the same
 * shapes at 1×, 4× and 16× and prints the table.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SHAPES } from '../../bench/pathological.js';
import { runCli, withTempDir } from '../support/helpers.js';

test('scaling: time grows linearly and memory stays bounded on every pathological shape', async () => {
  await withTempDir(async (dir) => {
    const empty = join(dir, 'empty.log');
    await SHAPES[6]!.write(empty, 0, 0);
    const startup = (await runCli(['scan', '--format', 'json', '--no-progress', empty], { measure: true })).usage!.cpuSeconds;
    for (const shape of SHAPES) {
      const usage = [];
      for (const scale of [1, 4]) {
        const input = join(dir, `input-${scale}.log`);
        await shape.write(input, scale, shape.bytes);
        const flags = shape.flags.map((f) => f.replace('{dir}', dir));
        // One thread at both sizes: the parallel path starts at 4 MiB, and its workers are a step in memory, not growth.
        const result = await runCli(['scan', '--format', 'json', '--no-progress', '--threads', '1', ...flags, input], { measure: true });
        assert.ok(result.code === 0 || result.code === 3, `${shape.name} ×${scale}: exit ${result.code}: ${result.stderr.slice(0, 300)}`);
        JSON.parse(result.stdout);
        usage.push(result.usage!);
      }
      const [one, four] = usage as [{ cpuSeconds: number; peakRssMb: number }, { cpuSeconds: number; peakRssMb: number }];
      const marginal = (u: { cpuSeconds: number }) => Math.max(0, u.cpuSeconds - startup);
      assert.ok(
        marginal(four) <= 6 * Math.max(marginal(one), 0.15) + 0.1,
        `${shape.name}: ${marginal(one).toFixed(2)} s at 1×, ${marginal(four).toFixed(2)} s at 4×: more than linear`,
      );
      assert.ok(
        four.peakRssMb <= one.peakRssMb + 64 && four.peakRssMb < 400,
        `${shape.name}: peak RSS ${one.peakRssMb.toFixed(0)} MB at 1×, ${four.peakRssMb.toFixed(0)} MB at 4×: grows with the input`,
      );
    }
  });
});

test('the parallel path holds dense bad lines to bounded memory and reads them as one thread does', async () => {
  await withTempDir(async (dir) => {
    const shape = SHAPES.find((s) => s.name.startsWith('dense errors'))!;
    const input = join(dir, 'dense-errors.log');
    // Past the 4 MiB from which an input is read in parallel: 2.4 million one-character bad lines.
    await shape.write(input, 1, 5 << 20);
    const scan = (threads: string) =>
      runCli(['scan', '--format', 'json', '--no-progress', '--threads', threads, '--dead-letter', join(dir, `dead-${threads}.ndjson`), input], { measure: true });
    const one = await scan('1');
    const two = await scan('2');
    assert.equal(two.stdout, one.stdout);
    assert.ok(JSON.parse(two.stdout).stats.invalid > 2_000_000);
    assert.ok(two.usage!.peakRssMb < one.usage!.peakRssMb + 200, `peak RSS ${one.usage!.peakRssMb.toFixed(0)} MB on one thread, ${two.usage!.peakRssMb.toFixed(0)} MB on two`);
  });
});
