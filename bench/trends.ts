/**
 * The memory-trends part of `npm run bench`: scan MB/s on the 1M-record log with and without
 * trend detection (the difference should be under 10 %), and peak RSS with 10,000 series.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { measure, median, type Measured } from './scaling.js';

/** 10,000 hosts, each a series of samples a minute apart over `minutes`, interleaved as a fleet's log is. */
async function writeManySeries(file: string, hosts: number, minutes: number): Promise<void> {
  const out = createWriteStream(file);
  const start = Date.parse('2026-11-28T00:00:00Z');
  for (let m = 0; m < minutes; m++) {
    let chunk = '';
    for (let h = 0; h < hosts; h++) {
      const used = 400 * 1048576 + ((h * 7919 + m * 104729) % 50) * 1048576 + m * (h % 3) * 262144;
      chunk += `{"timestamp":"${new Date(start + m * 60_000 + h).toISOString()}","level":"INFO","event":"system.memory_sample","host":"host-${h}","service":"api","pid":${1000 + h},"context":{"memory_used_bytes":${used},"memory_limit_bytes":2147483648}}\n`;
    }
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}


export async function benchTrends(bin: string, file: string, dataDir: string): Promise<void> {
  const mb = (await stat(file)).size / 1e6;
  const scan = (extra: string[], target = file) => measure(process.execPath, [bin, 'scan', '--format', 'json', '--no-progress', '--threads', '1', ...extra, target]);
  // Alternated, three of each, medians: the two differ by less than this machine's noise otherwise.
  const on: Measured[] = [];
  const off: Measured[] = [];
  for (let i = 0; i < 3; i++) {
    off.push(await scan(['--no-trends']));
    on.push(await scan([]));
  }
  const onS = median(on.map((r) => r.seconds));
  const offS = median(off.map((r) => r.seconds));
  console.log(`\nmemory trends on the ${mb.toFixed(0)} MB log (exact, 1 thread, median of 3 alternated runs)`);
  console.log(`  --no-trends   ${offS.toFixed(2)} s   ${(mb / offS).toFixed(1)} MB/s   peak RSS ${median(off.map((r) => r.peakRssMb)).toFixed(0)} MB`);
  console.log(`  trends (default) ${onS.toFixed(2)} s   ${(mb / onS).toFixed(1)} MB/s   peak RSS ${median(on.map((r) => r.peakRssMb)).toFixed(0)} MB`);
  console.log(`  cost of trend detection: ${(((onS - offS) / offS) * 100).toFixed(1)} % (target: under 10 %)`);

  const many = join(dataDir, 'series-10000x60.log');
  if (!existsSync(many)) await writeManySeries(many, 10_000, 60);
  const manyMb = (await stat(many)).size / 1e6;
  const withTrends = await scan([], many);
  const without = await scan(['--no-trends'], many);
  console.log(`  10,000 series × 60 samples (${manyMb.toFixed(0)} MB): peak RSS ${withTrends.peakRssMb.toFixed(0)} MB with trends, ${without.peakRssMb.toFixed(0)} MB without (${withTrends.seconds.toFixed(1)} s vs ${without.seconds.toFixed(1)} s)`);
}
