import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { findingId } from '../../src/classify/rules.js';
import { BIN, fixture, ROOT, runCli, scanJson, withTempDir } from '../support/helpers.js';

const ESC = '\u001b';

test("the runbook's own events: one warning, one critical, each in its trace (the runbook's jq misses the warning)", async () => {
  const { code, report } = await scanJson([fixture('runbook-events.json')]);
  assert.equal(code, 0);
  assert.deepEqual(report.stats.findings, { memory_warning: 1, memory_critical: 1, oversized_payload: 0, oom_kill: 0, memory_growth: 0, swap_growth: 0 });
  assert.deepEqual(
    report.traces.map((t) => [t.trace_id, t.severity, t.peak_usage_percent, t.findings[0]!.source.line]),
    [
      ['trace_mem123', 'warning', 75, 1],
      ['trace_mem456', 'critical', 93.75, 14],
    ],
  );
});

/** fixtures/app.ndjson, record by record: all 12 timed; usage on lines 2-7, 10, 12; bytes on 2, 5-7; payloads on 1, 8-10; rule events on 5, 10-12; trace ids on all but 2 and 11. */
const COVERAGE = { time: 12, usage: 8, memory_bytes: 4, payload: 4, rule_event: 4, trace_id: 10 };

test('JSON output follows the contract (docs/ARCHITECTURE.md)', async () => {
  const { report } = await scanJson([fixture('app.ndjson')]);
  assert.deepEqual(report.stats, {
    files: 1,
    bytes: report.stats.bytes,
    lines: 12,
    records: 12,
    malformed: 0,
    invalid: 0,
    skipped: 0,
    counts: 'exact',
    untimed: 0,
    blank: 0,
    continued: 0,
    batched: 0,
    text: 0,
    poisoned: 0,
    coverage: COVERAGE,
    findings: { memory_warning: 5, memory_critical: 2, oversized_payload: 2, oom_kill: 0, memory_growth: 0, swap_growth: 0 },
  });
  const trace = report.traces.find((t) => t.trace_id === 'trace_export1')!;
  assert.deepEqual(
    { ...trace, findings: undefined },
    {
      trace_id: 'trace_export1',
      first_seen: '2025-12-29T11:00:03.500Z',
      last_seen: '2025-12-29T11:00:09.000Z',
      duration_ms: 5500,
      severity: 'critical',
      peak_usage_percent: (2040109465 / 2147483648) * 100,
      max_payload_bytes: null,
      counts: { memory_warning: 3, memory_critical: 1 },
      hosts: ['app-1'],
      files: [fixture('app.ndjson')],
      findings: undefined,
      findings_omitted: 0,
    },
  );
  const lineText = (await readFile(fixture('app.ndjson'), 'utf8')).split('\n')[3]!;
  assert.deepEqual(trace.findings[0], {
    id: findingId(lineText, 'memory_warning'),
    trace_id: 'trace_export1',
    timestamp: '2025-12-29T11:00:03.500Z',
    timestamp_source: 'record',
    kind: 'memory_warning',
    severity: 'warning',
    event: 'system.memory_sample',
    message: 'Just over the warning threshold',
    level: 'WARNING',
    host: 'app-1',
    service: null,
    usage_percent: 80.01,
    memory_used_bytes: null,
    payload_bytes: null,
    origin: null,
    source: { file: fixture('app.ndjson'), line: 4, offset: 672 },
  });
  assert.deepEqual(
    trace.findings.map((f) => [f.source.line, f.kind]),
    [
      [4, 'memory_warning'],
      [5, 'memory_warning'],
      [6, 'memory_warning'],
      [7, 'memory_critical'],
    ],
  );
  assert.deepEqual(report.untraced_findings.map((f) => [f.kind, f.source.line]), [['memory_warning', 11]]);
  assert.deepEqual(
    report.incidents.map((i) => [i.start, i.end, i.findings, i.traces, i.severity]),
    [
      ['2025-12-29T11:00:03.500Z', '2025-12-29T11:00:13.000Z', 8, 3, 'critical'],
      ['2025-12-29T11:30:00.000Z', '2025-12-29T11:30:00.000Z', 1, 1, 'warning'],
    ],
  );
});

test('a trace seen in two hosts\' files is one summary', async () => {
  const { report } = await scanJson([fixture('host-a-shared.ndjson'), fixture('host-b.ndjson')]);
  const shared = report.traces.find((t) => t.trace_id === 'trace_shared')!;
  assert.deepEqual(shared.hosts, ['app-1', 'app-2']);
  assert.equal(shared.files.length, 2);
  assert.equal(shared.duration_ms, 4000);
  assert.equal(shared.counts.memory_warning, 2);
});

test('NDJSON, gzip, arrays, ECS, pino and OpenTelemetry inputs are each read with the right preset', async () => {
  const counts = async (name: string, extra: string[] = []) => (await scanJson([fixture(name), ...extra])).report.stats.findings;
  assert.deepEqual(await counts('app.ndjson.gz'), await counts('app.ndjson'));
  assert.deepEqual(await counts('array.json'), { memory_warning: 0, memory_critical: 1, oversized_payload: 1, oom_kill: 0, memory_growth: 0, swap_growth: 0 });
  assert.deepEqual(await counts('ecs.ndjson'), { memory_warning: 1, memory_critical: 1, oversized_payload: 0, oom_kill: 0, memory_growth: 0, swap_growth: 0 });
  assert.deepEqual(await counts('pino.ndjson'), { memory_warning: 1, memory_critical: 0, oversized_payload: 1, oom_kill: 0, memory_growth: 0, swap_growth: 0 });
  assert.deepEqual(await counts('otel.ndjson'), { memory_warning: 1, memory_critical: 0, oversized_payload: 1, oom_kill: 0, memory_growth: 0, swap_growth: 0 });
  assert.deepEqual(await counts('crlf-bom.ndjson'), { memory_warning: 1, memory_critical: 0, oversized_payload: 0, oom_kill: 0, memory_growth: 0, swap_growth: 0 });
  const forced = await scanJson([fixture('ecs.ndjson'), '--preset', 'fraiseql']);
  assert.equal(forced.report.stats.untimed, 3, 'the wrong preset finds no time');
  assert.match(forced.stderr, /with --preset fraiseql no record had a time it reads; these records look like ECS \(Elastic Common Schema\), which --preset auto \(the default\) reads/);
});

test('bad lines are counted and reported with file:line and a reason; the run goes on', async () => {
  const { code, report, stderr } = await scanJson([fixture('malformed.ndjson')]);
  assert.equal(code, 0);
  assert.deepEqual(
    [report.stats.lines, report.stats.records, report.stats.malformed, report.stats.invalid, report.stats.untimed],
    [15, 6, 3, 4, 1],
  );
  assert.deepEqual(report.stats.findings, { memory_warning: 2, memory_critical: 1, oversized_payload: 2, oom_kill: 0, memory_growth: 0, swap_growth: 0 });
  assert.deepEqual(
    report.errors.map((e) => [e.line, e.kind]),
    [
      [2, 'malformed'],
      [3, 'malformed'],
      [6, 'invalid'],
      [7, 'invalid'],
      [9, 'invalid'],
      [11, 'invalid'],
      [13, 'malformed'],
    ],
  );
  assert.equal(report.errors_total, 7);
  const untimed = report.untraced_findings.find((f) => f.source.line === 8)!;
  assert.deepEqual([untimed.kind, untimed.timestamp, untimed.timestamp_source], ['memory_warning', null, 'none'], 'a record without a time is still classified');
  assert.match(stderr, /3 malformed lines, 4 invalid records/);
  const file = fixture('malformed.ndjson');
  assert.match(stderr, new RegExp(`memtrail: ${file.replace(/[.]/g, '\\.')}: 1 record has no time; its findings are placed by position and left out of incidents`));
  assert.match(stderr, new RegExp(`memtrail: ${file.replace(/[.]/g, '\\.')}: 1 record time has no zone; read as UTC \\(--timezone to change\\)`));
  assert.match(stderr, /:9: invalid: timestamp: expected an ISO 8601 time/);
  assert.match(stderr, /:11: invalid: usage_percent: expected a number at context\.memory_usage_percent, got a string \("85"\)/);
});

test('--dead-letter keeps every bad line with its reason and raw text', async () => {
  await withTempDir(async (dir) => {
    const dead = join(dir, 'dead.ndjson');
    const { code } = await scanJson([fixture('malformed.ndjson'), '--dead-letter', dead, '--errors', '1']);
    assert.equal(code, 0);
    const entries = (await readFile(dead, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(entries.length, 7, 'all of them, whatever --errors says');
    assert.deepEqual(Object.keys(entries[0]), ['file', 'line', 'offset', 'kind', 'reason', 'raw']);
    assert.equal(entries[2].raw, '[1,2,3]');
    assert.equal(entries[2].line, 6);
  });
});

test('a missing input is reported, the others are still read, and the exit code is 1', async () => {
  const { code, report, stderr } = await scanJson(['/nonexistent/app.log', fixture('app.ndjson')]);
  assert.equal(code, 1);
  assert.equal(report.stats.findings.memory_critical, 2);
  assert.deepEqual(report.errors[0], { file: '/nonexistent/app.log', line: 0, kind: 'input', reason: 'no such file or directory' });
  assert.match(stderr, /cannot read \/nonexistent\/app\.log: no such file or directory/);
});

test('an unreadable file and a corrupt gzip are input errors; what was read still counts', async () => {
  await withTempDir(async (dir) => {
    const gz = gzipSync(await readFile(fixture('app.ndjson')));
    await writeFile(join(dir, 'cut.log.gz'), gz.subarray(0, gz.length - 20));
    const { code, report } = await scanJson([join(dir, 'cut.log.gz')]);
    assert.equal(code, 1);
    const inputError = report.errors.find((e) => e.kind === 'input');
    assert.match(inputError!.reason, /unexpected end of file|corrupt gzip/);
    assert.ok(report.stats.lines > 0, 'the lines before the cut were read');
    // Root reads anything; as root (CI), the CLI runs as nobody so the permission really is denied.
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'secret.log'), '{}\n');
    await writeFile(join(dir, 'open.log'), `${await readFile(fixture('app.ndjson'), 'utf8')}`);
    await chmod(join(dir, 'secret.log'), 0);
    await chmod(join(dir, 'open.log'), 0o644);
    const denied = await scanJson([join(dir, 'secret.log'), join(dir, 'open.log')], { asUnprivileged: true });
    assert.equal(denied.code, 1);
    assert.deepEqual(denied.report.errors.filter((e) => e.kind === 'input'), [
      { file: join(dir, 'secret.log'), line: 0, kind: 'input', reason: 'permission denied' },
    ]);
    assert.equal(denied.report.stats.records, 12, 'the readable file was still read');
  });
});

test('--fail-on exits 3 at or above the severity', async () => {
  assert.equal((await runCli(['scan', fixture('pino.ndjson'), '--fail-on', 'warning'])).code, 3);
  assert.equal((await runCli(['scan', fixture('pino.ndjson'), '--fail-on', 'critical'])).code, 0);
  assert.equal((await runCli(['scan', fixture('app.ndjson'), '--fail-on', 'critical'])).code, 3);
});

test('usage and configuration errors exit 2 with a clear message', async () => {
  const badFormat = await runCli(['scan', '--format', 'xml', fixture('app.ndjson')]);
  assert.equal(badFormat.code, 2);
  assert.match(badFormat.stderr, /argument 'xml' is invalid/);
  const badFlag = await runCli(['scan', '--warn-percent', 'lots', fixture('app.ndjson')]);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--warn-percent: /);
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'memtrail.json'), JSON.stringify({ thresholds: { critical: 95 } }));
    const badConfig = await runCli(['scan', '--config', join(dir, 'memtrail.json'), fixture('app.ndjson')]);
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /memtrail\.json: thresholds\.critical: unknown key/);
  });
  const badDuration = await runCli(['timeline', '--es-url', 'http://127.0.0.1:9', '--incident-gap', 'whenever']);
  assert.equal(badDuration.code, 2);
  assert.match(badDuration.stderr, /--incident-gap: not a duration: "whenever"/);
  const badSince = await runCli(['timeline', '--es-url', 'http://127.0.0.1:9', '--since', 'yesterday']);
  assert.equal(badSince.code, 2);
  assert.match(badSince.stderr, /--since: expected an ISO 8601 time or a duration/);
  const badTail = await runCli(['tail', 'x.log', '--trace-idle', 'soon']);
  assert.equal(badTail.code, 2);
  assert.match(badTail.stderr, /--trace-idle: not a duration: "soon"/);
  const badThreads = await runCli(['scan', '--threads', '0', fixture('app.ndjson')]);
  assert.equal(badThreads.code, 2);
  assert.match(badThreads.stderr, /--threads: expected auto or a whole number of at least 1, got "0"/);
  assert.equal((await runCli(['frobnicate'])).code, 2);
  assert.equal((await runCli(['--help'])).code, 0);
});

test('the default scan reads a large log on every core and reports byte for byte what one thread does', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'big.log');
    // Past the 4 MiB from which an NDJSON input is read in parallel (20,000 generated records are ~6 MB).
    await runCli(['generate', '-n', '20000', '--seed', '11', '--start', '2026-01-01T00:00:00Z', '-o', log]);
    const byDefault = await runCli(['scan', '--format', 'json', log]);
    const oneThread = await runCli(['scan', '--format', 'json', '--threads', '1', log]);
    const four = await runCli(['scan', '--format', 'json', '--threads', '4', log]);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    const report = JSON.parse(byDefault.stdout);
    assert.ok(report.stats.malformed > 0 && report.stats.findings.memory_critical > 0, 'the log has bad lines and findings to agree on');
    assert.equal(byDefault.stdout, oneThread.stdout);
    assert.equal(four.stdout, oneThread.stdout);
  });
});

test('thresholds from flags and from a config file change the findings', async () => {
  const flags = await scanJson([fixture('app.ndjson'), '--warn-percent', '40', '--payload-bytes', '1000']);
  assert.equal(flags.report.stats.findings.memory_warning, 7);
  assert.equal(flags.report.stats.findings.oversized_payload, 3);
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'memtrail.json'), JSON.stringify({ thresholds: { critical_percent: 95 }, incident_gap: '1h' }));
    const { report } = await scanJson(['--config', join(dir, 'memtrail.json'), fixture('app.ndjson')]);
    assert.equal(report.stats.findings.memory_critical, 1);
    assert.equal(report.incidents.length, 1);
  });
});

test('stdin, directories (recursive) and globs are inputs', async () => {
  const stdin = await scanJson([], { stdin: await readFile(fixture('app.ndjson')) });
  assert.equal(stdin.report.stats.findings.memory_critical, 2);
  assert.equal(stdin.report.traces[0]!.findings[0]!.source.file, '(stdin)');
  const gzStdin = await scanJson(['-'], { stdin: await readFile(fixture('app.ndjson.gz')) });
  assert.equal(gzStdin.report.stats.findings.memory_critical, 2);
  await withTempDir(async (dir) => {
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await copyFile(fixture('app.ndjson'), join(dir, 'a', 'one.log'));
    await copyFile(fixture('pino.ndjson'), join(dir, 'a', 'b', 'two.log'));
    const tree = await scanJson([dir]);
    assert.equal(tree.report.stats.files, 2);
    const glob = await scanJson([join(dir, 'a', '**', '*.log')]);
    assert.equal(glob.report.stats.files, 2);
    const none = await scanJson([join(dir, '*.nothing')]);
    assert.equal(none.code, 1);
    assert.match(none.report.errors[0]!.reason, /no file matches/);
  });
});

test('text output: a timeline per trace, a summary, no colour when piped, control characters defused', async () => {
  const { code, stdout } = await runCli(['scan', fixture('app.ndjson'), fixture('control-chars.ndjson')]);
  assert.equal(code, 0);
  assert.ok(!stdout.includes(ESC), 'no escape sequences at all when stdout is not a terminal');
  assert.match(stdout, /^trace_export1 {2}critical {2}2025-12-29 11:00:03\.500 → 11:00:09\.000 UTC \(5\.5s\)/m);
  assert.match(stdout, /^ {2}\+0s +11:00:03\.500 {2}WARNING {3}memory_warning +80\.01%/m);
  assert.match(stdout, /^ {2}\+5\.5s +11:00:09\.000 {2}CRITICAL {2}memory_critical +95%/m);
  assert.match(stdout, /evil \\x1b\[2J\\x1b\]0;pwned\\x07 title\\x0d\\x0anext/);
  assert.match(stdout, /^Summary {2}2 files, 13 lines, 13 records, 0 malformed, 0 invalid/m);
  assert.match(stdout, /^ {2}incidents: 3$/m);
  const forced = await runCli(['scan', fixture('app.ndjson'), '--color']);
  assert.ok(forced.stdout.includes(`${ESC}[31m`), '--color forces colour');
  const noColor = await runCli(['scan', fixture('app.ndjson'), '--color'], { env: { NO_COLOR: '1' } });
  assert.ok(noColor.stdout.includes(ESC), 'an explicit --color beats NO_COLOR');
});

test('ndjson output: typed lines for jq, findings first', async () => {
  const { stdout } = await runCli(['scan', '--format', 'ndjson', fixture('app.ndjson')]);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  const types = lines.map((l) => l.type);
  assert.deepEqual(types.slice(0, 9), Array(9).fill('finding'));
  assert.equal(types.filter((t) => t === 'trace').length, 4);
  assert.equal(types.filter((t) => t === 'incident').length, 2);
  assert.equal(types.at(-1), 'stats');
  assert.equal(lines.find((l) => l.type === 'trace').findings, undefined, 'trace lines carry counts, findings have their own lines');
});

test('generate writes the same log for the same seed, with a manifest a scan agrees with', async () => {
  await withTempDir(async (dir) => {
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log.gz');
    await runCli(['generate', '-n', '5000', '--seed', '3', '-o', a, '--manifest', join(dir, 'm.json')]);
    await runCli(['generate', '-n', '5000', '--seed', '3', '-o', b]);
    const { report } = await scanJson([a]);
    const manifest = JSON.parse(await readFile(join(dir, 'm.json'), 'utf8'));
    assert.deepEqual(report.stats.findings, manifest.findings);
    assert.deepEqual([report.stats.records, report.stats.malformed, report.stats.invalid], [manifest.records, manifest.malformed, manifest.invalid]);
    assert.deepEqual([...(await readFile(b)).subarray(0, 2)], [0x1f, 0x8b], 'a .gz output is gzip');
    assert.deepEqual((await scanJson([b])).report.stats, report.stats, 'the gzip reads as the same log');
    const pretty = await runCli(['generate', '-n', '50', '--format', 'array', '--bad-rate', '0']);
    assert.equal(JSON.parse(pretty.stdout).length, 50);
  });
});

test('--dead-letter that cannot be opened is a usage error before anything is read; one that fails later still gives the report', async () => {
  const missing = await runCli(['scan', fixture('malformed.ndjson'), '--dead-letter', '/nonexistent/folder/bad.ndjson']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stdout, '');
  assert.equal(missing.stderr, 'memtrail: --dead-letter /nonexistent/folder/bad.ndjson: cannot write: its folder does not exist\n');
  const folder = await runCli(['scan', fixture('malformed.ndjson'), '--dead-letter', ROOT]);
  assert.equal(folder.code, 2);
  assert.match(folder.stderr, /^memtrail: --dead-letter .*: cannot write: it is a directory\n$/);

  const full = await scanJson([fixture('malformed.ndjson'), '--dead-letter', '/dev/full']);
  assert.equal(full.code, 1, 'what could not be kept fails the run');
  assert.equal(full.report.stats.malformed + full.report.stats.invalid, 7, 'the report is still there, with every count');
  assert.match(full.stderr, /cannot write the dead-letter file \/dev\/full: no space left on the device/);
  assert.doesNotMatch(full.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('a reader that goes away (| head) ends the run quietly with exit 0', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'big.log');
    await runCli(['generate', '-n', '60000', '--sample-every', '5', '-o', log]);
    const script = `"${process.execPath}" "${BIN}" scan --format ndjson "${log}" | head -n 1; echo "exit=\${PIPESTATUS[0]}" >&2`;
    const result = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', () => resolve({ stdout, stderr }));
    });
    assert.equal(result.stdout.split('\n').filter(Boolean).length, 1);
    assert.equal(result.stderr, 'exit=0\n');
  });
});
