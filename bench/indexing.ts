/**
 * The indexing part of `npm run bench`: the engine's own ceiling on this machine against what
 * `memtrail scan --fast --index` reaches on the finding-dense log, and memtrail's peak RSS doing
 * it at 1× and 5× that log.
 *
 * The ceiling posts the very documents memtrail would send (the same findings, built by the same
 * findingDocument, into an index made from the same template) as prebuilt bulk bodies of about
 * 5 MB, two requests in flight, with nothing but fetch: no client, no retries, no per-document
 * bookkeeping. memtrail's rate is its findings over its whole run (start-up, scan, flushes,
 * refresh and trace summaries included), so whatever memtrail does besides sending counts against it.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { appendFile, copyFile, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../src/config.js';
import type { Finding } from '../src/classify/finding.js';
import { Detection } from '../src/pipeline/detection.js';
import { connectionFrom } from '../src/sinks/search/connection.js';
import { findingDocument } from '../src/sinks/search/documents.js';
import { connect } from '../src/sinks/search/engine.js';
import { installTemplates } from '../src/sinks/search/search-sink.js';
import { findingsIndex } from '../src/sinks/search/templates.js';
import { measure, median, type Measured } from './scaling.js';

export interface BenchEngine {
  url: string;
  username?: string;
  password?: string;
  version: string;
  /** The engine's process, when it runs on this machine (the project's own): its CPU time is read from /proc. */
  pid?: number;
}

/** The engine's CPU time so far (user + system, seconds), or undefined when it is not a local process. */
function engineCpuSeconds(engine: BenchEngine): number | undefined {
  if (engine.pid === undefined) return undefined;
  try {
    // Fields after the command's closing parenthesis (the last one: the command may hold one): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${engine.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

let ticks: number | undefined;
function clockTicks(): number {
  return (ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()));
}

/** CPU seconds `work` cost the engine, when known. */
async function withEngineCpu<T>(engine: BenchEngine, work: () => Promise<T>): Promise<{ result: T; engineCpu: number | undefined }> {
  const before = engineCpuSeconds(engine);
  const result = await work();
  const after = engineCpuSeconds(engine);
  return { result, engineCpu: before !== undefined && after !== undefined ? after - before : undefined };
}

const BODY_BYTES = 5_000_000;
const IN_FLIGHT = 2;
/** Alternated rounds of the ceiling and of memtrail, after one warm-up pass of each. */
const ROUNDS = 3;

function authHeader(engine: BenchEngine): Record<string, string> {
  return engine.username ? { authorization: `Basic ${Buffer.from(`${engine.username}:${engine.password}`).toString('base64')}` } : {};
}

export async function engineRequest(engine: BenchEngine, method: string, path: string, body?: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { ...authHeader(engine), ...(body ? { 'content-type': 'application/x-ndjson' } : {}) };
  const response = await fetch(`${engine.url}${path}`, { method, headers, body });
  return (await response.json()) as Record<string, unknown>;
}

/** Every finding of the log, as the exact path finds them (in-process, once). */
async function findingsOf(file: string): Promise<Finding[]> {
  const detection = new Detection(buildConfig(undefined, {}));
  const findings: Finding[] = [];
  const handlers = { finding: (f: Finding) => findings.push(f), error: () => undefined };
  const reader = detection.reader(file, {}, handlers);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) reader.push(chunk);
  reader.end();
  detection.flush(handlers);
  return findings;
}

/** The documents as bulk bodies of about BODY_BYTES each, serialised before the clock starts. */
function bulkBodies(findings: Finding[], index: string): string[] {
  const indexedAt = new Date().toISOString();
  const bodies: string[] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const finding of findings) {
    const lines = `${JSON.stringify({ index: { _index: index, _id: finding.id } })}\n${JSON.stringify(findingDocument(finding, indexedAt))}\n`;
    const size = Buffer.byteLength(lines);
    if (bytes + size > BODY_BYTES && current.length > 0) {
      bodies.push(current.join(''));
      current = [];
      bytes = 0;
    }
    current.push(lines);
    bytes += size;
  }
  if (current.length > 0) bodies.push(current.join(''));
  return bodies;
}

/**
 * Where the CPU went (the median runs), and what that allows on this machine: a run must at least
 * do the scan (its CPU alone, no indexing) and the engine's work for the documents (its CPU in
 * the ceiling, which sends them the cheapest way). Both come out of the same cores, so the run
 * takes at least their sum over the cores, however well the two overlap.
 */
function printCpuBound(m: {
  ceiling: { rate: number; engineCpu: number | undefined; posterCpu: number };
  run: { measured: Measured; engineCpu: number | undefined };
  scanCpu: number;
  documents: number;
}): void {
  const cores = availableParallelism();
  const seconds = m.documents / m.ceiling.rate;
  const engine = (cpu: number | undefined) => (cpu === undefined ? 'engine not on this machine' : `engine ${cpu.toFixed(2)}`);
  console.log(
    `  CPU seconds: ceiling ${engine(m.ceiling.engineCpu)} + poster ${m.ceiling.posterCpu.toFixed(2)} in ${seconds.toFixed(2)} s;` +
      ` memtrail's run ${engine(m.run.engineCpu)} + memtrail ${m.run.measured.cpuSeconds.toFixed(2)} in ${m.run.measured.seconds.toFixed(2)} s; the scan alone ${m.scanCpu.toFixed(2)}`,
  );
  if (m.ceiling.engineCpu === undefined) return;
  // An estimate: the engine's CPU between two readings also holds what it does in the background (merges, GC).
  const least = (m.ceiling.engineCpu + m.scanCpu) / cores;
  const most = m.documents / least;
  console.log(
    `  bound on ${cores} cores: (engine ${m.ceiling.engineCpu.toFixed(2)} + scan ${m.scanCpu.toFixed(2)}) / ${cores} = about ${least.toFixed(2)} s at the least,` +
      ` so about ${most.toFixed(0)} findings/s = ${((most / m.ceiling.rate) * 100).toFixed(0)} % of the ceiling at most, even with indexing itself free`,
  );
}

/** Documents per second the engine takes: the bodies posted IN_FLIGHT at a time, then a refresh. */
async function ceiling(engine: BenchEngine, bodies: string[], documents: number, index: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const result = await engineRequest(engine, 'POST', '/_bulk', body);
      if (result.errors !== false) throw new Error(`the ceiling's bulk request had errors: ${JSON.stringify(result).slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  await engineRequest(engine, 'POST', `/${index}/_refresh`);
  const seconds = (performance.now() - started) / 1000;
  const counted = (await engineRequest(engine, 'GET', `/${index}/_count`)).count;
  if (counted !== documents) throw new Error(`the ceiling indexed ${String(counted)} of ${documents} documents`);
  return documents / seconds;
}

interface IndexReport {
  index: { indexed: number; failed: number; traces: number; searchable_after_ms: number; summaries_ms: number };
}

/** The ceiling, then memtrail on the dense log (1× and 5×), each into its own fresh indices. */
export async function benchIndexing(bin: string, dataDir: string, records: number, engine: BenchEngine): Promise<void> {
  const dense = join(dataDir, `dense-${records}.log`);
  if (!existsSync(dense)) {
    await measure(process.execPath, [bin, 'generate', '-n', String(records), '--sample-every', '2', '--seed', '7', '--start', '2026-01-01T00:00:00Z', '-o', dense]);
  }
  const dense5 = join(dataDir, `dense-${records}x5.log`);
  if (!existsSync(dense5)) {
    await copyFile(dense, dense5);
    const body = await readFile(dense);
    for (let i = 1; i < 5; i++) await appendFile(dense5, body);
  }
  const stamp = Date.now();
  const ceilingPrefix = (round: number) => `memtrail-bench-ceiling-${round}-${stamp}`;
  const scanPrefix = (round: number) => `memtrail-bench-${round}-${stamp}`;
  const rounds = Array.from({ length: ROUNDS }, (_, i) => i);
  const fivePrefix = `memtrail-bench-5x-${stamp}`;
  const warmCeiling = `memtrail-bench-warm-${stamp}`;
  const warmScan = `memtrail-bench-warm-scan-${stamp}`;
  const prefixes = [...rounds.flatMap((i) => [ceilingPrefix(i), scanPrefix(i)]), fivePrefix, warmCeiling, warmScan];
  const dropIndices = (prefix: string) => engineRequest(engine, 'DELETE', `/${prefix}-findings,${prefix}-traces,${prefix}-memory?ignore_unavailable=true`);
  const env = {
    ...process.env,
    MEMTRAIL_ES_URL: engine.url,
    ...(engine.username ? { MEMTRAIL_ES_USERNAME: engine.username, MEMTRAIL_ES_PASSWORD: engine.password } : {}),
  };
  const connection = connectionFrom({ esUrl: engine.url, esUsername: engine.username, esPassword: engine.password, indexPrefix: warmCeiling }, {});
  const client = await connect(connection);
  try {
    const findings = await findingsOf(dense);
    const intoCeiling = async (prefix: string): Promise<{ rate: number; engineCpu: number | undefined; posterCpu: number }> => {
      await installTemplates(client, prefix);
      const bodies = bulkBodies(findings, findingsIndex(prefix));
      const poster = process.cpuUsage();
      const { result: rate, engineCpu } = await withEngineCpu(engine, () => ceiling(engine, bodies, findings.length, findingsIndex(prefix)));
      const used = process.cpuUsage(poster);
      return { rate, engineCpu, posterCpu: (used.user + used.system) / 1e6 };
    };
    const run = async (prefix: string, file: string): Promise<{ measured: Measured; report: IndexReport; counted: number; engineCpu: number | undefined }> => {
      const { result: measured, engineCpu } = await withEngineCpu(engine, () =>
        measure(process.execPath, [bin, 'scan', '--fast', '--format', 'json', '--no-progress', '--index', '--index-prefix', prefix, file], { env, keepStdout: true }),
      );
      const report = JSON.parse(measured.stdout) as IndexReport;
      const counted = (await engineRequest(engine, 'GET', `/${prefix}-findings/_count`)).count as number;
      return { measured, report, counted, engineCpu };
    };
    // A freshly started engine is cold (JIT, caches): one pass of each into scratch indices first,
    // so the ceiling and memtrail (whose summaries also run aggregations) are measured warm alike.
    await intoCeiling(warmCeiling);
    await run(warmScan, dense);
    for (const prefix of [warmCeiling, warmScan]) await dropIndices(prefix);

    // Then ROUNDS of each, alternated, into fresh indices: one run of either moves by ±30 % on a
    // shared 2-core machine (the engine's merges, its JIT, the other process), the median less.
    const ceilingRuns: Awaited<ReturnType<typeof intoCeiling>>[] = [];
    const onces: Awaited<ReturnType<typeof run>>[] = [];
    for (const round of rounds) {
      ceilingRuns.push(await intoCeiling(ceilingPrefix(round)));
      onces.push(await run(scanPrefix(round), dense));
    }
    // On one thread, as --index reads.
    const scanOnly = await measure(process.execPath, [bin, 'scan', '--fast', '--threads', '1', '--format', 'json', '--no-progress', dense]);
    const five = await run(fivePrefix, dense5);
    const ceilings = ceilingRuns.map((c) => c.rate);
    const rates = onces.map((o) => o.report.index.indexed / o.measured.seconds);
    const ceilingRate = median(ceilings);
    const rate = median(rates);
    const once = onces[rates.indexOf(rate)]!;
    const ceilingRun = ceilingRuns[ceilings.indexOf(ceilingRate)]!;
    const mb = (await stat(dense)).size / 1e6;
    const list = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');

    console.log(`\nindexing into ${engine.version} at ${engine.url} (dense log: ${mb.toFixed(0)} MB, ${records} records, ${findings.length} findings)`);
    console.log(`  ceiling: prebuilt ~5 MB _bulk bodies, ${IN_FLIGHT} in flight, fetch   ${ceilingRate.toFixed(0).padStart(7)} documents/s   (median of ${ROUNDS}: ${list(ceilings)})`);
    console.log(`  memtrail scan --fast --index (whole run)            ${rate.toFixed(0).padStart(7)} findings/s    (median of ${ROUNDS}: ${list(rates)})`);
    console.log(`  memtrail / ceiling: ${((rate / ceilingRate) * 100).toFixed(0)} % (medians; runs alternated)`);
    console.log(`    the median run: ${once.measured.seconds.toFixed(2)} s (the scan alone, one thread, ${scanOnly.seconds.toFixed(2)} s); last flush + refresh ${once.report.index.searchable_after_ms} ms; ${once.report.index.traces} trace summaries in ${once.report.index.summaries_ms} ms`);
    printCpuBound({ ceiling: ceilingRun, run: once, scanCpu: scanOnly.cpuSeconds, documents: findings.length });
    console.log(`  peak RSS of scan --fast --index: 1× ${list(onces.map((o) => o.measured.peakRssMb))} MB   5× ${five.measured.peakRssMb.toFixed(0)} MB   (5×: ${five.report.index.indexed} findings in ${five.measured.seconds.toFixed(1)} s)`);
    // The 5× log is the same lines five times: the same ids, so the engine holds each finding once.
    for (const { report, counted } of [...onces, five]) {
      console.log(`  indexed ${report.index.indexed}, failed ${report.index.failed}, counted in the engine ${counted} (distinct ids: ${findings.length})`);
      if (counted !== findings.length || report.index.failed > 0) process.exitCode = 1;
    }
  } finally {
    for (const prefix of prefixes) {
      await dropIndices(prefix).catch(() => undefined);
      for (const t of ['findings', 'traces', 'memory']) await engineRequest(engine, 'DELETE', `/_index_template/${prefix}-${t}`).catch(() => undefined);
    }
    await client.close();
  }
}
