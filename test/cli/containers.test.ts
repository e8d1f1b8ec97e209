/**
 * Logs as containers and systemd keep them (fixtures/containers/, written by
 * scripts/containers/generate.mjs from the real pino output): Docker json-file, CRI in kubelet's
 * layout, journalctl -o json, kubectl logs --timestamps. The runbook's events inside each give the
 * findings the bare lines give, with the container, pod, unit and stream carried along.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, cp, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, fixture, scanJson, withTempDir, type Json } from '../support/helpers.js';
import { line, TailProcess, until } from '../support/tail-process.js';

const essentials = (report: Json) =>
  [...report.traces.flatMap((t: Json) => t.findings), ...report.untraced_findings]
    .filter((f: Json) => f.kind !== 'oom_kill' && f.trace_id !== 'trace_long42')
    .map((f: Json) => ({ kind: f.kind, severity: f.severity, trace_id: f.trace_id, usage: f.usage_percent, payload: f.payload_bytes, timestamp: f.timestamp }))
    .sort((a: Json, b: Json) => a.kind.localeCompare(b.kind));

const all = (report: Json): Json[] => [...report.traces.flatMap((t: Json) => t.findings), ...report.untraced_findings];

const PODS = 'containers/pods';

test('the runbook events inside each envelope give the findings of the bare lines, with their origin', async () => {
  const bare = await scanJson([fixture('loggers/pino-default.ndjson')]);
  const cases: [string, (f: Json) => void][] = [
    [
      'containers/docker',
      (f) => assert.deepEqual(f.origin, { stream: 'stdout', container_id: 'a3f5c2e1b4d6978877665544332211009988776655443322110099887766554a' }),
    ],
    [
      PODS,
      (f) => {
        assert.deepEqual(f.origin, { stream: 'stdout', container: 'api', pod: 'fraiseql-api-7d9f8c6b5-x2x9q', namespace: 'prod' });
        assert.equal(f.service, 'api', 'the container stands for the service when the record names none');
      },
    ],
    ['containers/kubectl-timestamps.log', (f) => assert.equal(f.origin, null)],
    [
      'containers/journald-fraiseql.json',
      (f) => {
        assert.deepEqual(f.origin, { unit: 'fraiseql.service' });
        assert.equal(f.service, 'fraiseql');
      },
    ],
  ];
  for (const [input, origin] of cases) {
    const { code, report, stderr } = await scanJson([fixture(input)]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(essentials(report), essentials(bare.report), input);
    assert.equal(report.stats.malformed, 0, `${input}: nothing malformed`);
    assert.ok(report.stats.text >= 1, `${input}: the plain-text line is text, not malformed`);
    for (const f of all(report).filter((f) => f.kind !== 'oom_kill')) origin(f);
  }
});

test('a CRI record split over three partial pieces is one record, on the line of its first piece', async () => {
  const { report } = await scanJson([fixture(PODS)]);
  const long = all(report).find((f) => f.trace_id === 'trace_long42')!;
  assert.equal(long.kind, 'memory_critical');
  assert.equal(long.usage_percent, 95);
  const current = (await readdir(fixture(PODS))).map((d) => join(fixture(PODS), d, 'api', '0.log'))[0]!;
  const lines = (await readFile(current, 'utf8')).split('\n');
  const first = lines.findIndex((l) => l.includes(' stdout P '));
  assert.deepEqual(
    lines.slice(first, first + 3).map((l) => l.split(' ')[2]),
    ['P', 'P', 'F'],
    'the fixture splits it at 16 KiB as containerd does',
  );
  assert.equal(long.source.line, first + 1);
  assert.equal(report.stats.continued, 2, 'the pieces after the first continue it');
  const docker = await scanJson([fixture('containers/docker')]);
  assert.ok(all(docker.report).some((f) => f.trace_id === 'trace_long42'), "Docker's 16 KiB partial entries are joined too");
});

test('journald: the kernel OOM kill is a critical finding on the host; unit and process carried', async () => {
  const { report } = await scanJson([fixture('containers/journald-fraiseql.json')]);
  const [oom] = all(report).filter((f) => f.kind === 'oom_kill');
  assert.equal(oom.severity, 'critical');
  assert.equal(oom.host, 'app-1');
  assert.equal(oom.killed_process, 'fraiseql');
  assert.equal(oom.killed_pid, '4242');
  assert.equal(oom.memory_used_bytes, 2013264 * 1024);
  assert.equal(report.stats.findings.oom_kill, 1);
});

test('CRI files as kubelet lays them out: the /var/log/containers symlink, the pods folder, a rotated file; pod and namespace from the path', async () => {
  const viaSymlink = await scanJson([fixture('containers/containers')]);
  assert.equal(viaSymlink.report.stats.files, 1, 'the symlink is read once, as the file it leads to');
  assert.ok(all(viaSymlink.report).every((f) => f.origin.container_id === 'b7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6'));
  const both = await scanJson([fixture('containers/containers'), fixture(PODS)]);
  assert.equal(both.report.stats.files, 2, 'the current file (through its symlink) and the rotated one, each once');
});

test('tail follows a Kubernetes node: /var/log/containers/*.log through kubelet rotation, CRI partial lines across reads', async () => {
  await withTempDir(async (dir) => {
    await cp(fixture('containers'), join(dir, 'log'), { recursive: true, verbatimSymlinks: true });
    const podDir = join(dir, 'log', 'pods', (await readdir(join(dir, 'log', 'pods')))[0]!, 'api');
    const current = join(podDir, '0.log');
    const tail = new TailProcess([join(dir, 'log', 'containers', '*.log'), '--from', 'start', '--state', join(dir, 'state.json'), '--scan-interval', '100ms']);
    try {
      await until('the current file', () => tail.findings().some((f) => f.trace_id === 'trace_long42'));
      const cri = (text: string, flag: 'P' | 'F') => `2025-12-29T11:30:00.000000001Z stdout ${flag} ${text}\n`;
      const app = line('after-rotation', 7).trim();
      // A record in two pieces, written in two reads.
      await appendFile(current, cri(app.slice(0, 40), 'P'));
      await new Promise((resolve) => setImmediate(resolve));
      await appendFile(current, cri(app.slice(40), 'F'));
      await until('the record joined from its pieces', () => tail.findings().some((f) => f.trace_id === 'after-rotation'));
      // kubelet's rotation: rename to 0.log.<timestamp>, a new 0.log (the symlink now leads to it).
      await rename(current, join(podDir, '0.log.20251229-113000'));
      await writeFile(current, cri(line('new-file', 8).trim(), 'F'));
      await until('the new file', () => tail.findings().some((f) => f.trace_id === 'new-file'));
      const found = tail.findings();
      assert.equal(found.filter((f) => f.trace_id === 'after-rotation').length, 1);
      assert.ok(found.every((f) => f.origin?.pod === 'fraiseql-api-7d9f8c6b5-x2x9q' && f.origin.namespace === 'prod'));
    } finally {
      assert.equal(await tail.stop(), 0);
    }
  });
});

test('tail - follows a pipe: findings as they arrive, summaries at the end of input, exit 0', async () => {
  const child = spawn(process.execPath, [BIN, 'tail', '-', '--format', 'ndjson'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Json[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop()!;
    for (const part of parts) if (part) lines.push(JSON.parse(part));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.stdin.write(line('pipe-1', 1));
  await until('a finding while the pipe is still open', () => lines.some((l) => l.type === 'finding' && l.trace_id === 'pipe-1'));
  child.stdin.end(line('pipe-2', 2));
  assert.equal(await exited, 0);
  assert.deepEqual(lines.filter((l) => l.type === 'trace').map((l) => [l.trace_id, l.reason]), [
    ['pipe-1', 'shutdown'],
    ['pipe-2', 'shutdown'],
  ]);
});
