/**
 * `npm run bench`: memtrail against the runbook's jq approach and a plain newline count, on a
 * generated log of 1,000,000 records, all measured in this run, side by side. Not a test.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import split2 from 'split2';
import { LineFramer } from '../src/parse/line-framer.js';
import { benchReport } from './report.js';
import { benchScaling } from './scaling.js';
import { benchTrends } from './trends.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA = join(ROOT, 'bench', 'data');
const BIN = join(ROOT, 'bin', 'memtrail.js');
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const SCALE = 5;

/** The runbook's approach done properly: skip unparsable lines, apply DESIGN.md's rules. */
const JQ_FILTER = `fromjson? | select(type == "object") | (.context // {}) as $c
  | (if ($c.memory_usage_percent | type) == "number" then $c.memory_usage_percent
     elif ($c.memory_used_bytes | type) == "number" and ($c.memory_limit_bytes | type) == "number" and $c.memory_limit_bytes > 0
     then $c.memory_used_bytes / $c.memory_limit_bytes * 100 else null end) as $u
  | select(.event == "system.memory_critical" or .event == "system.high_memory" or .event == "system.memory_warning"
           or ($u != null and $u > 80)
           or ((($c.request_size_bytes // 0) | numbers) > 1048576) or ((($c.response_size_bytes // 0) | numbers) > 1048576))
  | .timestamp`;

interface Run {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs a command under GNU time for its peak RSS; stdout is kept (or counted) in memory. */
function timed(command: string, args: string[], options: { keepStdout?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%M', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      if (options.keepStdout !== false) out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rssKb = Number(err.trim().split('\n').at(-1));
      if (code !== 0 && code !== 3) return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.slice(-500)}`));
      resolve({ seconds, peakRssMb: rssKb / 1024, stdout: Buffer.concat(out).toString() });
    });
  });
}

async function newlineCount(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

async function framingMBs(file: string, bytes: number): Promise<{ split2: number; framer: number }> {
  let t = process.hrtime.bigint();
  let n = 0;
  await new Promise<void>((resolve, reject) =>
    createReadStream(file, { highWaterMark: 1 << 20 })
      .pipe(split2())
      .on('data', () => n++)
      .on('end', resolve)
      .on('error', reject),
  );
  const split2Mbs = bytes / 1e6 / (Number(process.hrtime.bigint() - t) / 1e9);
  t = process.hrtime.bigint();
  const framer = new LineFramer({ frame: () => n--, error: () => n-- }, { maxLineBytes: 1 << 20 });
  for await (const chunk of Readable.from(createReadStream(file, { highWaterMark: 1 << 20 })) as AsyncIterable<Buffer>) framer.push(chunk);
  framer.end();
  const framerMbs = bytes / 1e6 / (Number(process.hrtime.bigint() - t) / 1e9);
  if (n !== 0) throw new Error(`framers disagree on the line count by ${n}`);
  return { split2: split2Mbs, framer: framerMbs };
}

interface ScanJson {
  stats: { lines: number; records: number; malformed: number; invalid: number; skipped: number; findings: Record<string, number> };
  traces: { findings: { id: string; source: { line: number } }[] }[];
  untraced_findings: { id: string; source: { line: number } }[];
}

function findingIds(report: ScanJson): string[] {
  return [...report.traces.flatMap((t) => t.findings), ...report.untraced_findings].map((f) => `${f.source.line}:${f.id}`).sort();
}

function recordsWithFindings(report: ScanJson): number {
  return new Set([...report.traces.flatMap((t) => t.findings), ...report.untraced_findings].map((f) => f.source.line)).size;
}

const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(8);

async function main(): Promise<void> {
  await mkdir(DATA, { recursive: true });
  const file = join(DATA, `generated-${RECORDS}.log`);
  if (!existsSync(file)) {
    console.log(`generating ${RECORDS} records (seed 42) into ${file} …`);
    const gen = await timed(process.execPath, [BIN, 'generate', '-n', String(RECORDS), '--seed', '42', '-o', file, '--manifest', `${file}.manifest.json`]);
    console.log(`  generated in ${gen.seconds.toFixed(1)} s`);
  }
  const bigFile = join(DATA, `generated-${RECORDS}x${SCALE}.log`);
  if (!existsSync(bigFile)) {
    await copyFile(file, bigFile);
    const body = await readFile(file);
    for (let i = 1; i < SCALE; i++) await appendFile(bigFile, body);
  }
  const bytes = (await stat(file)).size;
  const bigBytes = (await stat(bigFile)).size;
  const manifest = JSON.parse(await readFile(`${file}.manifest.json`, 'utf8')) as { findings: Record<string, number>; lines: number };
  const mb = bytes / 1e6;
  console.log(`\ninput: ${file}\n  ${RECORDS} lines, ${mb.toFixed(1)} MB; ${SCALE}× copy ${(bigBytes / 1e6).toFixed(1)} MB`);
  console.log(`  machine: ${(await import('node:os')).availableParallelism()} cores, node ${process.version}`);

  const t = process.hrtime.bigint();
  const lines = await newlineCount(file);
  const newlineSeconds = Number(process.hrtime.bigint() - t) / 1e9;

  const jq = await timed('jq', ['-cR', JQ_FILTER, file]);
  const jqMatches = jq.stdout.split('\n').filter(Boolean).length;

  const scan = (extra: string[], target = file) => timed(process.execPath, [BIN, 'scan', '--format', 'json', '--no-progress', ...extra, target]);
  const exact = await scan([]);
  const exact2 = await scan(['--threads', '2']);
  const fast = await scan(['--fast']);
  const exactBig = await scan([], bigFile);
  const fastBig = await scan(['--fast'], bigFile);
  const framing = await framingMBs(file, bytes);

  const exactReport = JSON.parse(exact.stdout) as ScanJson;
  const fastReport = JSON.parse(fast.stdout) as ScanJson;
  const exact2Report = JSON.parse(exact2.stdout) as ScanJson;
  const sameFast = JSON.stringify(findingIds(fastReport)) === JSON.stringify(findingIds(exactReport));
  const sameThreads = JSON.stringify(findingIds(exact2Report)) === JSON.stringify(findingIds(exactReport));
  const sameJq = recordsWithFindings(exactReport) === jqMatches;
  const sameManifest = JSON.stringify(exactReport.stats.findings) === JSON.stringify(manifest.findings);

  const rows: [string, number, Run | undefined][] = [
    ['newline count (node, Buffer scan)', newlineSeconds, undefined],
    ['jq -cR fromjson? | select(rules)', jq.seconds, jq],
    ['memtrail scan (exact, 1 thread)', exact.seconds, exact],
    ['memtrail scan (exact, --threads 2)', exact2.seconds, exact2],
    ['memtrail scan --fast', fast.seconds, fast],
  ];
  console.log(`\n${'run'.padEnd(38)}${'seconds'.padStart(8)}${'MB/s'.padStart(8)}${'× jq'.padStart(8)}${'peak RSS MB'.padStart(13)}`);
  for (const [name, seconds, run] of rows) {
    console.log(
      `${name.padEnd(38)}${fmt(seconds, 2)}${fmt(mb / seconds)}${fmt(jq.seconds / seconds)}${run ? fmt(run.peakRssMb, 0).padStart(13) : ''.padStart(13)}`,
    );
  }
  console.log(`\npeak RSS by input size (does it grow with the input?)`);
  console.log(`  exact:  1× ${exact.peakRssMb.toFixed(0)} MB   ${SCALE}× ${exactBig.peakRssMb.toFixed(0)} MB   (${(bigBytes / 1e6 / exactBig.seconds).toFixed(1)} MB/s at ${SCALE}×)`);
  console.log(`  --fast: 1× ${fast.peakRssMb.toFixed(0)} MB   ${SCALE}× ${fastBig.peakRssMb.toFixed(0)} MB   (${(bigBytes / 1e6 / fastBig.seconds).toFixed(1)} MB/s at ${SCALE}×)`);
  console.log(`\nframing only: split2 ${framing.split2.toFixed(1)} MB/s, memtrail LineFramer ${framing.framer.toFixed(1)} MB/s`);
  console.log(`\ncorrectness`);
  console.log(`  lines: newline count ${lines}, memtrail ${exactReport.stats.lines}`);
  console.log(`  findings (exact): ${JSON.stringify(exactReport.stats.findings)}; generator manifest ${sameManifest ? 'agrees' : 'DISAGREES'}`);
  console.log(`  records with findings: jq ${jqMatches}, memtrail ${recordsWithFindings(exactReport)} → ${sameJq ? 'identical' : 'DIFFERENT'}`);
  console.log(`  --fast findings vs exact: ${sameFast ? 'identical' : 'DIFFERENT'} (${fastReport.stats.skipped} lines not parsed)`);
  console.log(`  --threads 2 findings vs exact: ${sameThreads ? 'identical' : 'DIFFERENT'}`);
  console.log(`  bad lines reported (exact): ${exactReport.stats.malformed} malformed, ${exactReport.stats.invalid} invalid`);
  if (!(await benchReport(file))) process.exitCode = 1;
  await benchTrends(BIN, file, DATA);
  if (process.env.BENCH_SKIP_INDEX !== '1') await benchIndexing();
  await benchTail();
  if (!(await benchScaling(BIN, join(DATA, 'scaling')))) process.exitCode = 1;
  await writeFile(join(DATA, 'last-run.txt'), `${new Date().toISOString()} exact ${(mb / exact.seconds).toFixed(1)} fast ${(mb / fast.seconds).toFixed(1)} jq ${(mb / jq.seconds).toFixed(1)} MB/s\n`);
  if (!sameFast || !sameThreads || !sameJq) process.exitCode = 1;
}

interface BenchEngine {
  url: string;
  username?: string;
  password?: string;
  version: string;
  started: boolean;
}

async function runScript(args: string[]): Promise<string> {
  const run = await timed(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'engine.ts'), ...args]);
  return run.stdout.trim().split('\n').at(-1) ?? '';
}

/** The user's engine (MEMTRAIL_ES_URL and friends), else one started by the project's own script. */
async function ensureEngine(): Promise<BenchEngine> {
  if (process.env.MEMTRAIL_ES_URL) {
    return {
      url: process.env.MEMTRAIL_ES_URL,
      username: process.env.MEMTRAIL_ES_USERNAME,
      password: process.env.MEMTRAIL_ES_PASSWORD,
      version: 'as configured',
      started: false,
    };
  }
  const url = await runScript(['start', 'elasticsearch']);
  const state = JSON.parse(await readFile(join(ROOT, '.cache', 'engines', 'elasticsearch.state.json'), 'utf8')) as { username: string; password: string; version: string };
  return { url, username: state.username, password: state.password, version: `elasticsearch ${state.version}`, started: true };
}

async function engineRequest(engine: BenchEngine, method: string, path: string): Promise<{ count?: number }> {
  const headers: Record<string, string> = {};
  if (engine.username) headers.authorization = `Basic ${Buffer.from(`${engine.username}:${engine.password}`).toString('base64')}`;
  const response = await fetch(`${engine.url}${path}`, { method, headers });
  return (await response.json()) as { count?: number };
}

/** Findings per second into a real local engine, and how long until the last one is searchable. */
async function benchIndexing(): Promise<void> {
  const records = Math.round(RECORDS * 0.6);
  const dense = join(DATA, `dense-${records}.log`);
  if (!existsSync(dense)) {
    await timed(process.execPath, [BIN, 'generate', '-n', String(records), '--sample-every', '2', '--seed', '7', '-o', dense]);
  }
  const engine = await ensureEngine();
  const prefix = `memtrail-bench-${Date.now()}`;
  const env = {
    ...process.env,
    MEMTRAIL_ES_URL: engine.url,
    ...(engine.username ? { MEMTRAIL_ES_USERNAME: engine.username, MEMTRAIL_ES_PASSWORD: engine.password } : {}),
  };
  try {
    const scanOnly = await timed(process.execPath, [BIN, 'scan', '--fast', '--format', 'json', '--no-progress', dense]);
    const indexing = await timed(
      process.execPath,
      [BIN, 'scan', '--fast', '--format', 'json', '--no-progress', '--index', '--index-prefix', prefix, dense],
      { env },
    );
    const report = JSON.parse(indexing.stdout) as { index: { indexed: number; failed: number; traces: number; searchable_after_ms: number; summaries_ms: number } };
    const counted = (await engineRequest(engine, 'GET', `/${prefix}-findings/_count`)).count as number;
    const index = report.index;
    console.log(`\nindexing into ${engine.version} at ${engine.url} (${(await stat(dense)).size / 1e6 | 0} MB, ${records} records, finding-dense)`);
    console.log(`  scan alone                    ${scanOnly.seconds.toFixed(2)} s`);
    console.log(`  scan --index                  ${indexing.seconds.toFixed(2)} s   peak RSS ${indexing.peakRssMb.toFixed(0)} MB`);
    console.log(`  findings indexed              ${index.indexed} (${index.failed} failed; ${counted} counted in the engine)`);
    console.log(`  findings per second           ${(index.indexed / indexing.seconds).toFixed(0)} (whole run)`);
    console.log(`  end of scan → all searchable  ${index.searchable_after_ms} ms (last flush + refresh)`);
    console.log(`  trace summaries               ${index.traces} in ${index.summaries_ms} ms`);
    if (counted !== index.indexed || index.failed > 0) process.exitCode = 1;
  } finally {
    await engineRequest(engine, 'DELETE', `/${prefix}-findings,${prefix}-traces`).catch(() => undefined);
    for (const t of ['findings', 'traces']) await engineRequest(engine, 'DELETE', `/_index_template/${prefix}-${t}`).catch(() => undefined);
    if (engine.started) await runScript(['stop', 'elasticsearch']);
  }
}

/** Latency from a line's append to its finding on stdout, and throughput following a file written at full speed. */
async function benchTail(): Promise<void> {
  const dir = join(DATA, 'tail');
  await mkdir(dir, { recursive: true });
  const log = join(dir, `live-${Date.now()}.log`);
  await writeFile(log, '');
  const child = spawn(
    process.execPath,
    [BIN, 'tail', log, '--from', 'start', '--format', 'ndjson', '--state', join(dir, 'state.json'), '--poll-interval', '250ms', '--dead-letter', join(dir, 'dead.ndjson')],
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
  const waitFor = async (trace: string) => {
    while (!seen.has(trace)) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const line = (trace: string) =>
    `${JSON.stringify({ timestamp: new Date().toISOString(), level: 'WARNING', event: 'system.high_memory', message: 'bench', trace_id: trace, context: { memory_usage_percent: 85 } })}\n`;
  await new Promise((resolve) => setTimeout(resolve, 1000));

  // Latency: one line at a time, a few milliseconds apart, as a service writes them.
  const appended = new Map<string, number>();
  const count = 3000;
  for (let i = 0; i < count; i++) {
    const trace = `lat-${i}`;
    await appendFile(log, line(trace));
    appended.set(trace, performance.now());
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await waitFor(`lat-${count - 1}`);
  const latencies = [...appended].map(([trace, t]) => seen.get(trace)! - t).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;

  // Throughput: a writer appending generated traffic as fast as it can, then a sentinel line.
  const traffic = join(DATA, `generated-${RECORDS}.log`);
  const body = await readFile(traffic);
  const started = performance.now();
  const chunk = 4 << 20;
  for (let offset = 0; offset < body.length; offset += chunk) await appendFile(log, body.subarray(offset, offset + chunk));
  const written = performance.now();
  await appendFile(log, line('sentinel'));
  await waitFor('sentinel');
  const done = performance.now();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));

  console.log(`\ntail (following ${log}, --poll-interval 250ms, fs.watch on)`);
  console.log(`  append → finding on stdout over ${count} lines: median ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`);
  console.log(
    `  following a file written at full speed: ${(body.length / 1e6).toFixed(0)} MB written in ${((written - started) / 1000).toFixed(2)} s, ` +
      `all of it processed ${((done - written) / 1000).toFixed(2)} s later → ${(body.length / 1e6 / ((done - started) / 1000)).toFixed(1)} MB/s steady state`,
  );
}

await main();
