/**
 * The tail part of `npm run bench`: latency from a line's append to its finding on stdout, and
 * the steady-state MB/s following 1 and then 4 files written at full speed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const nextTick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A `memtrail tail --format ndjson` on the files, with the trace ids of the findings it printed and when. */
function startTail(bin: string, files: string[], dir: string): { child: ChildProcess; seen: Map<string, number>; waitFor(trace: string): Promise<void> } {
  const child = spawn(
    process.execPath,
    [bin, 'tail', ...files, '--from', 'start', '--format', 'ndjson', '--state', join(dir, 'state.json'), '--poll-interval', '250ms', '--dead-letter', join(dir, 'dead.ndjson')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const seen = new Map<string, number>();
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const now = performance.now();
    const parts = (partial + d).split('\n');
    partial = parts.pop()!;
    for (const part of parts) {
      const match = /"trace_id":"([^"]+)"/.exec(part);
      if (match && part.startsWith('{"type":"finding"')) seen.set(match[1]!, now);
    }
  });
  return {
    child,
    seen,
    async waitFor(trace) {
      while (!seen.has(trace)) {
        if (child.exitCode !== null) throw new Error(`the tail exited (${child.exitCode}) before ${trace}`);
        await nextTick();
      }
    },
  };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const line = (trace: string) =>
  `${JSON.stringify({ timestamp: new Date().toISOString(), level: 'WARNING', event: 'system.high_memory', message: 'bench', trace_id: trace, context: { memory_usage_percent: 85 } })}\n`;

/** `body` cut into `parts` pieces at line ends. */
function cutAtLines(body: Buffer, parts: number): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 1; i <= parts; i++) {
    const end = i === parts ? body.length : body.indexOf(10, Math.floor((body.length * i) / parts)) + 1;
    out.push(body.subarray(start, end));
    start = end;
  }
  return out;
}

/** The peak resident memory of a running process so far (Linux: VmHWM), in MB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

/** MB/s following `files` files, each appended its share of `body` as fast as a writer can, then a sentinel each. */
async function throughput(bin: string, dir: string, body: Buffer, files: number): Promise<{ mbs: number; writeSeconds: number; lagSeconds: number; peakMb: number }> {
  const logs = Array.from({ length: files }, (_, i) => join(dir, `live-${files}-${i}.log`));
  for (const log of logs) await writeFile(log, '');
  const tail = startTail(bin, logs, dir);
  try {
    // Following every file before the writers start.
    const ready = logs.map((log, i) => appendFile(log, line(`ready-${files}-${i}`)));
    await Promise.all(ready);
    for (let i = 0; i < files; i++) await tail.waitFor(`ready-${files}-${i}`);
    const shares = cutAtLines(body, files);
    const started = performance.now();
    const chunk = 4 << 20;
    await Promise.all(
      logs.map(async (log, i) => {
        const share = shares[i]!;
        for (let offset = 0; offset < share.length; offset += chunk) await appendFile(log, share.subarray(offset, offset + chunk));
        await appendFile(log, line(`done-${files}-${i}`));
      }),
    );
    const written = performance.now();
    for (let i = 0; i < files; i++) await tail.waitFor(`done-${files}-${i}`);
    const done = performance.now();
    const peakMb = await peakRssMb(tail.child.pid!);
    return { mbs: body.length / 1e6 / ((done - started) / 1000), writeSeconds: (written - started) / 1000, lagSeconds: (done - written) / 1000, peakMb };
  } finally {
    await stop(tail.child);
    for (const log of logs) await rm(log, { force: true });
  }
}

export async function benchTail(bin: string, dataDir: string, traffic: string): Promise<void> {
  const dir = join(dataDir, `tail-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  try {
    // Latency: one line at a time, a few milliseconds apart, as a service writes them.
    const log = join(dir, 'latency.log');
    await writeFile(log, '');
    const tail = startTail(bin, [log], dir);
    const appended = new Map<string, number>();
    const count = 3000;
    try {
      await appendFile(log, line('ready'));
      await tail.waitFor('ready');
      for (let i = 0; i < count; i++) {
        const trace = `lat-${i}`;
        await appendFile(log, line(trace));
        appended.set(trace, performance.now());
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await tail.waitFor(`lat-${count - 1}`);
    } finally {
      await stop(tail.child);
    }
    const latencies = [...appended].map(([trace, t]) => tail.seen.get(trace)! - t).sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;

    const body = await readFile(traffic);
    const one = await throughput(bin, dir, body, 1);
    const four = await throughput(bin, dir, body, 4);
    console.log(`\ntail (--poll-interval 250ms, fs.watch on; ${(body.length / 1e6).toFixed(0)} MB of generated traffic)`);
    console.log(`  append → finding on stdout over ${count} lines: median ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`);
    for (const [files, r] of [[1, one], [4, four]] as const) {
      console.log(
        `  ${files} file${files > 1 ? 's' : ' '} written at full speed: ${r.mbs.toFixed(1).padStart(6)} MB/s steady state ` +
          `(written in ${r.writeSeconds.toFixed(2)} s, all of it processed ${r.lagSeconds.toFixed(2)} s later; peak RSS ${r.peakMb.toFixed(0)} MB)`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
