/**
 * The outputs for people, through the CLI: the text report's answer first (headline, incidents,
 * top traces), --top / --all / --severity / --wide, why a finding fired, a growing series in the
 * headline, and --html.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixture, runCli, scanJson, withTempDir, type Json } from '../support/helpers.js';

const TRACE_HEADER = /^(\(no trace id\)|\S+) {2}(critical|warning) {2}(\d{4}-\d\d-\d\d|no times)/;
const ROW = /^ {2}[+\dhms. ]* {2}(\d\d:\d\d:\d\d\.\d{3}|\(no time\) *) {2}(WARNING|CRITICAL)/;

let dir: string;
let demo: string;
let demoJson: Json;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memtrail-view-'));
  demo = join(dir, 'demo.log');
  const generated = await runCli(['generate', '-n', '30000', '--seed', '42', '-o', demo]);
  assert.equal(generated.code, 0, generated.stderr);
  demoJson = (await scanJson([demo, '--no-progress'])).report;
});

after(() => rm(dir, { recursive: true, force: true }));

const lines = (text: string) => text.replace(/\n$/, '').split('\n');
const headers = (text: string) => lines(text).filter((l) => TRACE_HEADER.test(l)).map((l) => TRACE_HEADER.exec(l)![1]!);
const rows = (text: string) => lines(text).filter((l) => ROW.test(l));
const allFindings = (report: Json): Json[] => [...report.traces.flatMap((t: Json) => t.findings), ...report.untraced_findings];

const MEMORY_KINDS = ['memory_warning', 'memory_critical', 'memory_growth'];

/**
 * The order the report ranks traces in: severity, then peak usage, then payload size; the
 * findings without a trace id are one more timeline, ranked the same way.
 */
function ranked(report: Json): string[] {
  const untraced: Json[] = report.untraced_findings;
  const max = (values: (number | null)[]) => values.reduce<number | null>((m, v) => (v !== null && (m === null || v > m) ? v : m), null);
  const pseudo = untraced.length === 0 ? [] : [{
    trace_id: '(no trace id)',
    severity: untraced.some((f) => f.severity === 'critical') ? 'critical' : 'warning',
    peak_usage_percent: max(untraced.map((f) => (MEMORY_KINDS.includes(f.kind) ? f.usage_percent : null))),
    max_payload_bytes: max(untraced.map((f) => f.payload_bytes)),
    first_seen: untraced.map((f) => f.timestamp).filter(Boolean).sort()[0] ?? null,
  }];
  const severity = (t: Json) => (t.severity === 'critical' ? 2 : 1);
  const time = (t: Json) => (t.first_seen === null ? Infinity : Date.parse(t.first_seen));
  return [...report.traces, ...pseudo]
    .sort(
      (a: Json, b: Json) =>
        severity(b) - severity(a) ||
        (b.peak_usage_percent ?? -1) - (a.peak_usage_percent ?? -1) ||
        (b.max_payload_bytes ?? -1) - (a.max_payload_bytes ?? -1) ||
        time(a) - time(b),
    )
    .map((t: Json) => t.trace_id);
}

test('the text report leads with the answer: headline, incidents, top traces, then what was left out', async () => {
  const { code, stdout } = await runCli(['scan', demo, '--no-progress']);
  assert.equal(code, 0);
  const findings = allFindings(demoJson);
  const critical = findings.filter((f) => f.severity === 'critical').length;
  const warning = findings.length - critical;
  const untraced = demoJson.untraced_findings.length;
  const [first, ...rest] = lines(stdout);
  assert.match(
    first!,
    new RegExp(
      `^CRITICAL {2}${critical} critical and ${warning} warning findings in ${demoJson.traces.length} traces${
        untraced > 0 ? ` \\(\\+ ${untraced} without a trace id\\)` : ''
      } on 1 host \\(app-1\\), \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d → \\d\\d:\\d\\d:\\d\\d UTC \\(`,
    ),
  );
  assert.match(rest[0]!, /^ {2}peak usage [\d.]+%, (\d+ oom_kill \(.*UTC\), )?largest payload [\d.]+ MiB$/);
  const at = (heading: RegExp) => lines(stdout).findIndex((l) => heading.test(l));
  const order = [/^Incidents {2}\d+/, /^Top 10 of \d+ (traces|timelines)/, /^Summary {2}1 files/, /^Not listed: /].map(at);
  assert.ok(order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1]!)), `sections in order: ${JSON.stringify(order)}`);
  assert.match(lines(stdout).at(-1)!, /^Not listed: \d+ traces? .*\(--top N or --all lists them\)/);
  assert.deepEqual(headers(stdout), ranked(demoJson).slice(0, 10), 'the ten most severe traces, by peak usage');
  // A ramp of samples is one line: how many, up to what, over how long.
  assert.match(stdout, /^ {2}\+\S+ +\d\d:\d\d:\d\d\.\d{3} {2}WARNING {3}memory_warning +[\d.]+% {2}×\d+ to [\d.]+% in [\dms. ]+ {2}/m);
});

test('--top N lists that many traces and incidents; --all every trace, incident and finding', async () => {
  const top = await runCli(['scan', demo, '--no-progress', '--top', '3', '--incident-gap', '10s']);
  assert.equal(top.code, 0);
  assert.deepEqual(headers(top.stdout), ranked(demoJson).slice(0, 3));
  assert.match(top.stdout, /^Top 3 of \d+ (traces|timelines)/m);
  const incidents = lines(top.stdout).filter((l) => /^ {2}\d{4}-\d\d-\d\d .* UTC \(.*\) {2}(critical|warning) {2}\d+ findings? in/.test(l));
  assert.equal(incidents.length, 3);
  assert.match(top.stdout, /^ {2}… \d+ more incidents \(.*--all lists them\)$/m);

  const all = await runCli(['scan', demo, '--no-progress', '--all', '--incident-gap', '10s']);
  assert.equal(all.code, 0);
  assert.deepEqual(headers(all.stdout), ranked(demoJson));
  assert.equal(rows(all.stdout).length, allFindings(demoJson).length, 'every finding on its own line');
  assert.ok(!all.stdout.includes('×'), 'no runs folded');
  assert.ok(!/more incidents/.test(all.stdout));
  assert.doesNotMatch(all.stdout, /^Not listed:/m);

  for (const bad of ['0', 'x', '2.5']) {
    const result = await runCli(['scan', demo, '--top', bad]);
    assert.equal(result.code, 2, bad);
    assert.match(result.stderr, /--top: expected a whole number of at least 1/);
  }
});

test('--severity critical lists critical findings only; the headline stays the whole run\'s', async () => {
  const plain = await runCli(['scan', demo, '--no-progress', '--incident-gap', '10s']);
  const { code, stdout } = await runCli(['scan', demo, '--no-progress', '--incident-gap', '10s', '--severity', 'critical', '--all']);
  assert.equal(code, 0);
  assert.equal(lines(stdout)[0], lines(plain.stdout)[0], 'the same headline');
  assert.match(stdout, /^ {2}listing critical findings only \(--severity critical\)$/m);
  assert.ok(rows(stdout).length > 0);
  assert.ok(rows(stdout).every((l) => l.includes('CRITICAL')), 'no warning is listed');
  const critical = demoJson.traces.filter((t: Json) => t.severity === 'critical').map((t: Json) => t.trace_id);
  if (demoJson.untraced_findings.some((f: Json) => f.severity === 'critical')) critical.push('(no trace id)');
  assert.deepEqual(headers(stdout).sort(), [...critical].sort());
  assert.ok(lines(stdout).filter((l) => / UTC \(.*\) {2}(critical|warning) {2}\d+ findings? in/.test(l)).every((l) => l.includes('  critical  ')));
  assert.match(stdout, /^Not listed: \d+ warning-only traces( and \d+ warning-only incidents)? \(--severity critical\)/m);

  const json = await runCli(['scan', demo, '--severity', 'critical', '--format', 'json']);
  assert.equal(json.code, 2);
  assert.match(json.stderr, /--severity: lists findings in the text and HTML reports/);
  assert.equal(json.stdout, '');
});

test('long messages are cut to the terminal width; whole with --wide and in JSON', async () => {
  await withTempDir(async (cwd) => {
    const long = `Retained heap ${'x'.repeat(3000)} end`;
    const wide = '漢'.repeat(400);
    const records = [
      { timestamp: '2025-12-29T11:00:00Z', trace_id: 't1', message: long, context: { memory_usage_percent: 95 } },
      { timestamp: '2025-12-29T11:00:01Z', trace_id: 't1', message: wide, context: { memory_usage_percent: 96 } },
    ];
    await writeFile(join(cwd, 'long.ndjson'), records.map((r) => JSON.stringify(r)).join('\n'));
    const width = (line: string) => [...line].reduce((n, ch) => n + (/\p{Script=Han}/u.test(ch) ? 2 : 1), 0);

    const narrow = await runCli(['scan', 'long.ndjson', '--no-progress'], { cwd, env: { COLUMNS: '120' } });
    const cut = rows(narrow.stdout);
    assert.equal(cut.length, 2);
    for (const line of cut) {
      assert.ok(width(line) <= 120, `fits 120 columns: ${width(line)}`);
      assert.match(line, /…" {2}long\.ndjson:\d$/);
    }

    // No terminal: no width to fit, but no message is longer than 200 columns.
    const piped = await runCli(['scan', 'long.ndjson', '--no-progress'], { cwd });
    const message = rows(piped.stdout)[0]!.match(/"(.*)"/)![1]!;
    assert.equal(message.length, 200);
    assert.ok(message.endsWith('…'));

    const whole = await runCli(['scan', 'long.ndjson', '--no-progress', '--wide'], { cwd, env: { COLUMNS: '120' } });
    assert.ok(rows(whole.stdout)[0]!.includes(`"${long}"`));
    assert.ok(rows(whole.stdout)[1]!.includes(`"${wide}"`));

    const { report } = await scanJson(['long.ndjson'], { cwd });
    assert.deepEqual(
      allFindings(report).map((f) => f.message),
      [long, wide],
    );
  });
});

test('a finding that fired on its event, not its usage, says so', async () => {
  const row = (text: string, line: number) => rows(text).find((l) => l.endsWith(`app.ndjson:${line}`))!;
  const { stdout } = await runCli(['scan', fixture('app.ndjson'), '--no-progress']);
  // 75 %, under the 80 % threshold: system.high_memory made it a warning.
  assert.match(row(stdout, 5), / {2}75% {2}event system\.high_memory "Application memory usage exceeds threshold"/);
  // 80.01 %: over the threshold, whatever its event.
  assert.match(row(stdout, 4), / {2}80\.01% {2}system\.memory_sample "Just over the warning threshold"/);
  // No usage at all: the event alone.
  assert.match(row(stdout, 11), /memory_warning +event system\.memory_warning "Memory warning without numbers"/);
  const lower = await runCli(['scan', fixture('app.ndjson'), '--no-progress', '--warn-percent', '70']);
  assert.match(row(lower.stdout, 5), / {2}75% {2}system\.high_memory "/, 'over a 70 % threshold it is the usage that counts');
});

test('a growing memory series is in the headline: how fast, and when it reaches its limit', async () => {
  await withTempDir(async (cwd) => {
    const start = Date.UTC(2026, 0, 5, 8, 0, 0);
    const records = Array.from({ length: 480 }, (_, i) =>
      JSON.stringify({
        timestamp: new Date(start + i * 30_000).toISOString(),
        event: 'system.memory_sample',
        host: 'api-1',
        service: 'fraiseql',
        context: { memory_used_bytes: Math.round(500 * 2 ** 20 + ((i * 30) / 3600) * 300 * 2 ** 20 + (i % 7) * 3 * 2 ** 20), memory_limit_bytes: 2 * 2 ** 30 },
      }),
    );
    await writeFile(join(cwd, 'leak.ndjson'), `${records.join('\n')}\n`);
    const { code, stdout } = await runCli(['scan', 'leak.ndjson', '--no-progress'], { cwd });
    assert.equal(code, 0);
    const [first, second] = lines(stdout);
    assert.match(first!, /^WARNING {2}\d+ warning findings without a trace id on 1 host \(api-1\)/);
    assert.match(second!, /^ {2}memory growing on api-1\/fraiseql: \+[\d.]+ MB per 30m, reaches its 2 GB limit at \d\d:\d\d UTC, .+ after the last sample$/);
    assert.ok(lines(stdout).indexOf(second!) < lines(stdout).findIndex((l) => l.startsWith('Incidents')), 'in the headline, before the incidents');
  });
});

test('--html writes one self-contained report; its command line keeps no secret', async () => {
  await withTempDir(async (out) => {
    const report = join(out, 'report.html');
    const { code, stdout, stderr } = await runCli([
      'scan',
      fixture('app.ndjson'),
      '--no-progress',
      '--format',
      'json',
      '--html',
      report,
      '--es-url',
      'http://someone:s3cret@127.0.0.1:9',
      '--es-password',
      'hunter2',
    ]);
    assert.equal(code, 0, stderr);
    assert.ok(JSON.parse(stdout).traces.length > 0, 'stdout is still the JSON report');
    assert.match(stderr, new RegExp(`HTML report written to ${report.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\([\\d.]+ KiB\\)`));
    assert.deepEqual(await readdir(out), ['report.html'], 'no temporary file left behind');
    const page = await readFile(report, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
    assert.ok(page.includes('trace_export1'));
    assert.ok(page.includes(`memtrail scan ${fixture('app.ndjson')} --no-progress --format json --html ${report}`), 'the command as typed');
    assert.ok(page.includes('--es-password ***') && page.includes('http://***@127.0.0.1:9'), 'secrets replaced');
    assert.ok(!page.includes('hunter2') && !page.includes('s3cret'), 'no secret in the report');
  });
});

test('--html to a path that cannot be written is a usage error before anything is read', async () => {
  await withTempDir(async (out) => {
    const folder = await runCli(['scan', fixture('app.ndjson'), '--html', out]);
    assert.equal(folder.code, 2);
    assert.match(folder.stderr, /--html .*: is a directory/);
    assert.equal(folder.stdout, '');
    await mkdir(join(out, 'sub'));
    const missing = await runCli(['scan', fixture('app.ndjson'), '--html', join(out, 'nowhere', 'report.html')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--html .*report\.html: cannot write/);
    assert.equal(missing.stdout, '', 'nothing was read');
    assert.deepEqual(await readdir(out), ['sub']);
  });
});
