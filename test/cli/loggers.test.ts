import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, ROOT, scanJson, withTempDir, type Json } from '../support/helpers.js';

/** What scripts/loggers/expected.mjs recorded of each fixture: the library, and the findings the app logged. */
interface Expected {
  file: string;
  library: string;
  records: number;
  findings: { kind: string; severity: string; trace_id: string | null; usage_percent?: number | null; payload_bytes?: number | null; timestamp: string | null }[];
  /** Set where the formatter itself drops what the app logged (FraiseQL v1's doc formatters). */
  caveat?: string | null;
}

const EXPECTED = JSON.parse(readFileSync(fixture('loggers/expected.json'), 'utf8')) as Expected[];

/** Every finding of a scan, in the shape expected.json states them. */
function findingsOf(report: Json) {
  const all = [...report.traces.flatMap((t: Json) => t.findings), ...report.untraced_findings];
  return all
    .map((f: Json) => ({
      kind: f.kind,
      severity: f.severity,
      trace_id: f.trace_id,
      measure: f.kind === 'oversized_payload' ? f.payload_bytes : f.usage_percent,
      timestamp: f.timestamp,
    }))
    .sort((a: Json, b: Json) => a.kind.localeCompare(b.kind));
}

function expectedOf(entry: Expected) {
  return entry.findings
    .map((f) => ({
      kind: f.kind,
      severity: f.severity,
      trace_id: f.trace_id,
      measure: f.kind === 'oversized_payload' ? f.payload_bytes : f.usage_percent,
      timestamp: f.timestamp,
    }))
    .sort((a, b) => a.kind.localeCompare(b.kind));
}

test('expected.json covers every logger fixture', () => {
  assert.ok(EXPECTED.length >= 20);
  for (const entry of EXPECTED) assert.equal(entry.findings.length, 3, entry.file);
});

for (const entry of EXPECTED) {
  test(`read with no flags: ${entry.file} (${entry.library})`, async () => {
    const { code, report, stderr } = await scanJson([fixture(`loggers/${entry.file}`)]);
    assert.equal(code, 0, stderr);
    assert.equal(report.stats.records, entry.records, 'every log record, not every line');
    assert.equal(report.stats.invalid + report.stats.malformed, 0);
    if (!entry.caveat) {
      assert.deepEqual(findingsOf(report), expectedOf(entry));
    } else {
      // The formatter dropped the numbers, the event (and the trace id) before memtrail saw them: it says so instead of nothing.
      assert.deepEqual(findingsOf(report), []);
      assert.match(stderr, new RegExp(`none of its ${entry.records} records carries a field memtrail reads .*their keys: .*Map yours with --field NAME=PATH`));
      assert.equal(report.stats.coverage.usage + report.stats.coverage.payload + report.stats.coverage.rule_event, 0, 'coverage tells "nothing read" from "nothing found"');
    }
  });
}

/** The Node loggers are devDependencies: run them now, as written, and read what they write. */
const NODE_APPS: [string, string][] = [
  ['pino-default.mjs', 'pino-default.ndjson'],
  ['bunyan-default.mjs', 'bunyan-default.ndjson'],
  ['winston-timestamp-json.mjs', 'winston-timestamp-json.ndjson'],
  ['winston-json.mjs', 'winston-json.ndjson'],
  ['ecs-pino-own-fields.mjs', 'ecs-pino-format-own-fields.ndjson'],
  ['ecs-pino-ecs-fields.mjs', 'ecs-pino-format-ecs-fields.ndjson'],
  ['ecs-winston-own-fields.mjs', 'ecs-winston-format-own-fields.ndjson'],
  ['otel-sdk-logs.mjs', 'otel-js-sdk-logs-otlp-http.ndjson'],
  ['otel-winston-transport.mjs', 'otel-js-winston-transport-otlp-http.ndjson'],
];

function runApp(app: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'loggers', 'node', app)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${app} exited ${code}`))));
  });
}

for (const [app, fixtureName] of NODE_APPS) {
  test(`a fresh run of the real library reads the same: ${app}`, async () => {
    const entry = EXPECTED.find((e) => e.file === fixtureName)!;
    await withTempDir(async (dir) => {
      const before = Date.now();
      const text = await runApp(app);
      const after = Date.now();
      const log = join(dir, fixtureName);
      await writeFile(log, text);
      const { code, report } = await scanJson([log]);
      assert.equal(code, 0);
      assert.equal(report.stats.records, entry.records);
      const found = findingsOf(report);
      assert.deepEqual(
        found.map((f: Json) => ({ ...f, timestamp: undefined })),
        expectedOf(entry).map((f) => ({ ...f, timestamp: undefined })),
      );
      for (const f of found) {
        if (entry.findings[0]!.timestamp === null) assert.equal(f.timestamp, null, 'this logger writes no time');
        else assert.ok(Date.parse(f.timestamp) >= before - 1 && Date.parse(f.timestamp) <= after, `${f.timestamp} is when it was logged`);
      }
    });
  });
}
