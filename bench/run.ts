/**
 * `npm run bench`: memtrail against the runbook's jq approach and a plain newline count, on a
 * generated log of 1,000,000 records, all measured in this run, side by side. Not a test.
 */
import { createReadStream, existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import split2 from 'split2';
import { LineFramer } from '../src/parse/line-framer.js';
import type { EngineState } from '../scripts/engine.js';
import { benchIndexing, type BenchEngine } from './indexing.js';
import { benchReport } from './report.js';
import { benchScaling, measure, type Measured } from './scaling.js';
import { benchTail } from './tail.js';
import { benchTrends } from './trends.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA = join(ROOT, 'bench', 'data');
/** The memtrail under test: this checkout's build, or BENCH_BIN (an older checkout's, for a before/after table). */
const BIN = process.env.BENCH_BIN ?? join(ROOT, 'bin', 'memtrail.js');
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

const JQ_KINDS = new Set(['memory_warning', 'memory_critical', 'oversized_payload']);

interface ScanJson {
  stats: { lines: number; records: number; malformed: number; invalid: number; skipped: number; findings: Record<string, number> };
  traces: { findings: { id: string; kind: string; source: { line: number } }[] }[];
  untraced_findings: { id: string; kind: string; source: { line: number } }[];
}

function findingIds(report: ScanJson): string[] {
  return [...report.traces.flatMap((t) => t.findings), ...report.untraced_findings].map((f) => `${f.source.line}:${f.id}`).sort();
}

/** Records with a finding of the kinds the jq filter implements (DESIGN.md's rules; not the OOM-kill text lines, nor trends). */
function recordsWithFindings(report: ScanJson): number {
  const all = [...report.traces.flatMap((t) => t.findings), ...report.untraced_findings];
  return new Set(all.filter((f) => JQ_KINDS.has(f.kind)).map((f) => f.source.line)).size;
}

const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(8);

/** The scan table: jq, the default scan, one thread, two, --fast and the raw newline count; RSS at 1× and 5×; correctness. */
async function benchScan(file: string): Promise<void> {
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

  const t = process.hrtime.bigint();
  const lines = await newlineCount(file);
  const newlineSeconds = Number(process.hrtime.bigint() - t) / 1e9;

  const jq = await measure('jq', ['-cR', JQ_FILTER, file], { keepStdout: true });
  const jqMatches = jq.stdout.split('\n').filter(Boolean).length;

  const scan = (extra: string[], target = file) => measure(process.execPath, [BIN, 'scan', '--format', 'json', '--no-progress', ...extra, target], { keepStdout: true });
  const exact = await scan([]);
  const one = await scan(['--threads', '1']);
  const two = await scan(['--threads', '2']);
  const fast = await scan(['--fast']);
  const exactBig = await scan([], bigFile);
  const oneBig = await scan(['--threads', '1'], bigFile);
  const fastBig = await scan(['--fast'], bigFile);
  const framing = await framingMBs(file, bytes);
  // Two one-thread scans side by side, as two processes: what running two threads at once costs on this machine, whatever memtrail does between them.
  const pair = await Promise.all([scan(['--threads', '1']), scan(['--threads', '1'])]);

  const exactReport = JSON.parse(exact.stdout) as ScanJson;
  const reports = { one: JSON.parse(one.stdout) as ScanJson, two: JSON.parse(two.stdout) as ScanJson, fast: JSON.parse(fast.stdout) as ScanJson };
  const same = (a: ScanJson) => JSON.stringify(findingIds(a)) === JSON.stringify(findingIds(exactReport));
  const sameStats = (a: ScanJson) => ['lines', 'records', 'malformed', 'invalid'].every((k) => a.stats[k as 'lines'] === exactReport.stats[k as 'lines']);
  const sameOne = same(reports.one) && sameStats(reports.one);
  const sameTwo = same(reports.two) && sameStats(reports.two);
  const sameFast = same(reports.fast);
  const sameJq = recordsWithFindings(exactReport) === jqMatches;
  const sameManifest = JSON.stringify(exactReport.stats.findings) === JSON.stringify(manifest.findings);

  const rows: [string, number, Measured | undefined][] = [
    ['newline count (node, Buffer scan)', newlineSeconds, undefined],
    ['jq -cR fromjson? | select(rules)', jq.seconds, jq],
    ['memtrail scan (default: exact)', exact.seconds, exact],
    ['memtrail scan --threads 1', one.seconds, one],
    ['memtrail scan --threads 2', two.seconds, two],
    ['memtrail scan --fast (partial counts)', fast.seconds, fast],
  ];
  console.log(`\n${'run'.padEnd(40)}${'seconds'.padStart(8)}${'MB/s'.padStart(8)}${'× jq'.padStart(8)}${'peak RSS MB'.padStart(13)}`);
  for (const [name, seconds, run] of rows) {
    console.log(
      `${name.padEnd(40)}${fmt(seconds, 2)}${fmt(mb / seconds)}${fmt(jq.seconds / seconds)}${run ? fmt(run.peakRssMb, 0).padStart(13) : ''.padStart(13)}`,
    );
  }
  console.log(`\npeak RSS by input size (does it grow with the input?)`);
  for (const [name, small, big] of [['default', exact, exactBig], ['--threads 1', one, oneBig], ['--fast', fast, fastBig]] as const) {
    console.log(`  ${name.padEnd(12)} 1× ${small.peakRssMb.toFixed(0).padStart(4)} MB   ${SCALE}× ${big.peakRssMb.toFixed(0).padStart(4)} MB   (${(bigBytes / 1e6 / big.seconds).toFixed(1)} MB/s at ${SCALE}×)`);
  }
  console.log(`\nframing only: split2 ${framing.split2.toFixed(1)} MB/s, memtrail LineFramer ${framing.framer.toFixed(1)} MB/s`);
  const slower = pair.map((p) => `${((p.seconds / one.seconds - 1) * 100).toFixed(0)} %`).join(' and ');
  console.log(`two --threads 1 scans side by side (separate processes): ${pair.map((p) => p.seconds.toFixed(2)).join(' and ')} s against ${one.seconds.toFixed(2)} s alone: ${slower} slower`);
  console.log(`\ncorrectness`);
  console.log(`  lines: newline count ${lines}, memtrail ${exactReport.stats.lines}`);
  console.log(`  findings (default): ${JSON.stringify(exactReport.stats.findings)}; generator manifest ${sameManifest ? 'agrees' : 'DISAGREES'}`);
  console.log(`  records with findings: jq ${jqMatches}, memtrail ${recordsWithFindings(exactReport)} → ${sameJq ? 'identical' : 'DIFFERENT'}`);
  console.log(`  --threads 1 vs default (findings and counts): ${sameOne ? 'identical' : 'DIFFERENT'}`);
  console.log(`  --threads 2 vs default (findings and counts): ${sameTwo ? 'identical' : 'DIFFERENT'}`);
  console.log(`  --fast findings vs default: ${sameFast ? 'identical' : 'DIFFERENT'} (${reports.fast.stats.skipped} lines not parsed)`);
  console.log(`  bad lines reported (default): ${exactReport.stats.malformed} malformed, ${exactReport.stats.invalid} invalid`);
  await writeFile(join(DATA, 'last-run.txt'), `${new Date().toISOString()} default ${(mb / exact.seconds).toFixed(1)} fast ${(mb / fast.seconds).toFixed(1)} jq ${(mb / jq.seconds).toFixed(1)} MB/s\n`);
  if (!sameFast || !sameOne || !sameTwo || !sameJq) process.exitCode = 1;
}

/** The user's engine (MEMTRAIL_ES_URL and friends), else one started by the project's own script. */
async function withEngine(use: (engine: BenchEngine) => Promise<void>): Promise<void> {
  if (process.env.MEMTRAIL_ES_URL) {
    const { MEMTRAIL_ES_URL: url, MEMTRAIL_ES_USERNAME: username, MEMTRAIL_ES_PASSWORD: password } = process.env;
    return use({ url, username, password, version: 'the configured engine' });
  }
  const script = (args: string[]) => measure(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'engine.ts'), ...args], { keepStdout: true });
  await script(['start', 'elasticsearch']);
  try {
    const state = JSON.parse(await readFile(join(ROOT, '.cache', 'engines', 'elasticsearch.state.json'), 'utf8')) as EngineState;
    await use({ url: state.url, username: state.username, password: state.password, version: `elasticsearch ${state.version}`, pid: state.pid });
  } finally {
    await script(['stop', 'elasticsearch']);
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',');
  const wanted = (section: string) => only === undefined || only.includes(section);
  await mkdir(DATA, { recursive: true });
  const file = join(DATA, `generated-${RECORDS}.log`);
  if (!existsSync(file)) {
    console.log(`generating ${RECORDS} records (seed 42) into ${file} …`);
    const gen = await measure(process.execPath, [BIN, 'generate', '-n', String(RECORDS), '--seed', '42', '--start', '2026-01-01T00:00:00Z', '-o', file, '--manifest', `${file}.manifest.json`]);
    console.log(`  generated in ${gen.seconds.toFixed(1)} s`);
  }
  console.log(`memtrail: ${BIN}; machine: ${availableParallelism()} cores, node ${process.version}`);
  if (wanted('scan')) await benchScan(file);
  if (wanted('report') && !(await benchReport(file))) process.exitCode = 1;
  if (wanted('trends')) await benchTrends(BIN, file, DATA);
  if (wanted('index') && process.env.BENCH_SKIP_INDEX !== '1') await withEngine((engine) => benchIndexing(BIN, DATA, Math.round(RECORDS * 0.6), engine));
  if (wanted('tail')) await benchTail(BIN, DATA, file);
  if (wanted('scaling') && !(await benchScaling(BIN, join(DATA, 'scaling')))) process.exitCode = 1;
}

await main();
