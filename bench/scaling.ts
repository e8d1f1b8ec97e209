/**
 * The scaling check of `npm run bench`: every pathological shape (bench/pathological.ts) at 1×,
 * 4× and 16× its size, with time, peak RSS and the growth ratios. Time must grow at most
 * linearly (≤ 4.5× per 4× bytes) and memory must stay bounded.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SHAPES } from './pathological.js';

export interface Measured {
  seconds: number;
  peakRssMb: number;
  /** CPU time of the command (user + system, all its threads), in seconds. */
  cpuSeconds: number;
  /** What the command printed, when asked for (`keepStdout`). */
  stdout: string;
}

/** The middle value (the upper of the two middle ones for an even count). */
export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

/** Runs a command under GNU time for its wall time, peak RSS and CPU time; exit 0 or 3 (findings) is success. */
export function measure(command: string, args: string[], options: { keepStdout?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', command, ...args], { stdio: ['ignore', options.keepStdout ? 'pipe' : 'ignore', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 && code !== 3) return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.slice(-500)}`));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const [rssKb, user, system] = err.trim().split('\n').at(-1)!.split(' ').map(Number);
      resolve({ seconds, peakRssMb: rssKb! / 1024, cpuSeconds: user! + system!, stdout: Buffer.concat(out).toString() });
    });
  });
}

export async function benchScaling(bin: string, scratch: string): Promise<boolean> {
  await mkdir(scratch, { recursive: true });
  const scales = [1, 4, 16];
  console.log(`\nscaling: each pathological shape at 1×, 4× and 16× (4× the test's size at 1×)`);
  console.log(
    `${'shape'.padEnd(38)}${'MB at 1×'.padStart(9)}${'s 1×'.padStart(7)}${'s 4×'.padStart(7)}${'s 16×'.padStart(7)}` +
      `${'4×/1×'.padStart(7)}${'16×/4×'.padStart(8)}${'RSS 1×'.padStart(8)}${'4×'.padStart(6)}${'16×'.padStart(6)}`,
  );
  let linear = true;
  for (const shape of SHAPES) {
    const runs: Measured[] = [];
    let megabytes = 0;
    for (const scale of scales) {
      const input = join(scratch, `shape-${scale}.log`);
      await shape.write(input, scale, 4 * shape.bytes);
      if (scale === 1) megabytes = (await stat(input)).size / 1e6;
      const flags = shape.flags.map((f) => f.replace('{dir}', scratch));
      runs.push(await measure(process.execPath, [bin, 'scan', '--format', 'json', '--no-progress', ...flags, input]));
      await rm(input, { force: true });
    }
    const [a, b, c] = runs as [Measured, Measured, Measured];
    const r1 = b.seconds / a.seconds;
    const r2 = c.seconds / b.seconds;
    if (r2 > 4.5) linear = false;
    console.log(
      `${shape.name.padEnd(38)}${megabytes.toFixed(1).padStart(9)}${a.seconds.toFixed(2).padStart(7)}${b.seconds.toFixed(2).padStart(7)}${c.seconds.toFixed(2).padStart(7)}` +
        `${r1.toFixed(1).padStart(7)}${r2.toFixed(1).padStart(8)}${a.peakRssMb.toFixed(0).padStart(8)}${b.peakRssMb.toFixed(0).padStart(6)}${c.peakRssMb.toFixed(0).padStart(6)}`,
    );
  }
  console.log(`  time ${linear ? 'grows at most linearly (16×/4× ≤ 4.5)' : 'grows FASTER than linearly somewhere (above)'}; the start-up cost (~0.3 s) makes small ratios smaller`);
  return linear;
}
