import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdir, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { GENERATE_DEFAULTS, LogGenerator } from '../../src/generate/generator.js';
import { withTempDir, type Json } from '../support/helpers.js';
import { line, sleep, TailProcess, until } from '../support/tail-process.js';

test('appends are seen, and a partial last line waits for its newline', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'app.log');
    await writeFile(log, '');
    const tail = new TailProcess([log, '--from', 'start', '--state', join(dir, 'state.json')]);
    try {
      await appendFile(log, line('t-a', 1) + line('t-b', 2));
      await until('two findings', () => tail.findings().length === 2);
      const third = line('t-c', 3);
      await appendFile(log, third.slice(0, 40));
      await sleep(600);
      assert.equal(tail.findings().length, 2, 'half a line is not a record yet');
      await appendFile(log, third.slice(40));
      await until('the completed line', () => tail.findings().length === 3);
      assert.deepEqual(
        tail.findings().map((f) => [f.trace_id, f.source.line]),
        [
          ['t-a', 1],
          ['t-b', 2],
          ['t-c', 3],
        ],
      );
      assert.equal(tail.stderr, '');
    } finally {
      assert.equal(await tail.stop(), 0);
    }
  });
});

test('rename rotation under a writer that keeps writing loses no line and repeats none', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'app.log');
    await writeFile(log, '');
    const tail = new TailProcess([log, '--from', 'start', '--state', join(dir, 'state.json'), '--close-inactive', '1s', '--scan-interval', '200ms']);
    const total = 1500;
    try {
      // The first line's finding says the tail follows the file: a rotation before that would be
      // a file it never saw (a slow start under load, not a loss).
      await appendFile(log, line('r-0', 0));
      await until('the tail follows the file', () => tail.findings().length === 1);
      for (let i = 1; i < total; i++) {
        await appendFile(log, line(`r-${i}`, i));
        if (i % 400 === 399) {
          await rename(log, `${log}.${i}`);
          await writeFile(log, '');
        }
        if (i % 50 === 0) await sleep(25);
      }
      await until(`${total} findings`, () => tail.findings().length >= total);
      await sleep(500);
      const traces = tail.findings().map((f) => f.trace_id);
      assert.equal(traces.length, total, 'nothing repeated');
      assert.deepEqual(new Set(traces), new Set(Array.from({ length: total }, (_, i) => `r-${i}`)));
    } finally {
      assert.equal(await tail.stop(), 0);
    }
  });
});

test('copy-truncate: the file is read again from its start, losing nothing', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'app.log');
    await writeFile(log, '');
    const tail = new TailProcess([log, '--from', 'start', '--state', join(dir, 'state.json')]);
    try {
      let seq = 0;
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 200; i++) await appendFile(log, line(`c-${seq}`, seq++));
        await until(`round ${round}`, () => tail.findings().length === seq);
        // logrotate's copytruncate: the copy keeps the old lines, the live file starts over.
        await copyFile(log, `${log}.${round}`);
        await truncate(log, 0);
      }
      for (let i = 0; i < 50; i++) await appendFile(log, line(`c-${seq}`, seq++));
      await until('the lines after the last truncation', () => tail.findings().length === seq);
      assert.deepEqual(
        tail.findings().map((f) => f.trace_id),
        Array.from({ length: seq }, (_, i) => `c-${i}`),
      );
      assert.match(tail.stderr, /was truncated; reading it again from the start/);
    } finally {
      assert.equal(await tail.stop(), 0);
    }
  });
});

test('a restart resumes from the checkpoint; --from end skips what was there before', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'app.log');
    const state = join(dir, 'state.json');
    await writeFile(log, line('old-1', 1) + line('old-2', 2));
    // --status-interval makes it say when it follows a file, and from where: append only after that.
    const first = new TailProcess([log, '--from', 'end', '--state', state, '--status-interval', '1h']);
    await until('the file to be followed from its end', () => /following .*app\.log from byte \d+/.test(first.stderr));
    await appendFile(log, line('new-1', 3));
    await until('the appended line', () => first.findings().length === 1);
    assert.equal(first.findings()[0]!.trace_id, 'new-1');
    assert.equal(first.findings()[0]!.source.line, 3, 'line numbers count the lines skipped by --from end');
    assert.equal(await first.stop(), 0);
    const saved = JSON.parse(await readFile(state, 'utf8'));
    assert.equal(saved.files[0].offset, (await readFile(log)).length, 'SIGTERM committed everything read');

    await appendFile(log, line('while-down', 4));
    const second = new TailProcess([log, '--from', 'end', '--state', state]);
    try {
      await until('the line written while memtrail was down', () => second.findings().length === 1);
      assert.equal(second.findings()[0]!.trace_id, 'while-down');
      assert.equal(second.findings()[0]!.source.line, 4);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});

test('new files matching a glob are picked up', async () => {
  await withTempDir(async (dir) => {
    const tail = new TailProcess([join(dir, '*.log'), '--from', 'start', '--state', join(dir, 'state.json')]);
    try {
      await writeFile(join(dir, 'one.log'), line('g-1', 1));
      await until('the first file', () => tail.findings().length === 1);
      await writeFile(join(dir, 'two.log'), line('g-2', 1));
      await writeFile(join(dir, 'ignored.txt'), line('g-x', 1));
      await until('the second file', () => tail.findings().length === 2);
      await sleep(1500);
      assert.deepEqual(tail.findings().map((f) => f.trace_id).sort(), ['g-1', 'g-2']);
    } finally {
      assert.equal(await tail.stop(), 0);
    }
  });
});

test('SIGTERM while still waiting for an unreachable engine exits 0 at once', async () => {
  await withTempDir(async (dir) => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await writeFile(join(dir, 'app.log'), line('w-1', 1));
    const tail = new TailProcess([join(dir, 'app.log'), '--from', 'start', '--state', join(dir, 'state.json'), '--index', '--es-url', `http://127.0.0.1:${port}`]);
    await until('it to say it is waiting', () => /waiting \d+ s for the search engine/.test(tail.stderr));
    assert.equal(await tail.stop(), 0);
    assert.match(tail.stderr, /cannot reach the search engine/);
  });
});

test('a corrupt checkpoint file stops the tail at once with a clear message, exit 1', async () => {
  await withTempDir(async (dir) => {
    const state = join(dir, 'state.json');
    await writeFile(state, '{"version":1,"files":[');
    await writeFile(join(dir, 'app.log'), line('c-1', 1));
    const tail = new TailProcess([join(dir, 'app.log'), '--from', 'start', '--state', state]);
    assert.equal(await tail.exited, 1);
    assert.equal(tail.stderr, `memtrail: the checkpoint file ${state} is corrupt (not JSON (Unexpected end of JSON input)); move it aside to start over (files are then read as --from says)\n`);
  });
});

test('status lines while files rotate away and are let go between two ticks: the tail keeps running, exits 0', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'app.log');
    await writeFile(log, '');
    const tail = new TailProcess([
      join(dir, '*.log'),
      '--from', 'start',
      '--state', join(dir, 'state.json'),
      '--status-interval', '30ms',
      '--close-inactive', '50ms',
      '--scan-interval', '50ms',
    ]);
    await until('the file to be followed', () => /following .*app\.log from byte 0/.test(tail.stderr));
    for (let round = 1; round <= 8; round++) {
      await appendFile(log, line(`r-${round}`, round));
      await until(`finding ${round}`, () => tail.findings().length === round);
      await rename(log, join(dir, `app.${round}.old`));
      await writeFile(log, '');
      await until(`the rotated file ${round} to be let go`, () => (tail.stderr.match(/let go of /g) ?? []).length >= round);
    }
    assert.ok((tail.stderr.match(/following \d+ files, /g) ?? []).length > 5, 'status lines were printed throughout');
    assert.equal(await tail.stop(), 0);
    assert.doesNotMatch(tail.stderr, /internal error|Unhandled|ERR_/);
  });
});

test('a line without a time takes the time it was read, and its finding says so', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'app.log');
    await writeFile(log, '');
    const tail = new TailProcess([log, '--from', 'start', '--state', join(dir, 'state.json')]);
    const before = Date.now();
    await appendFile(log, `${JSON.stringify({ level: 'warn', message: 'no time here', event: 'system.high_memory', trace_id: 'untimed-1' })}\n`);
    await until('the finding', () => tail.findings().length === 1);
    const after = Date.now();
    const [finding] = tail.findings();
    assert.equal(finding!.timestamp_source, 'read');
    assert.ok(Date.parse(finding!.timestamp) >= before && Date.parse(finding!.timestamp) <= after);
    assert.equal(await tail.stop(), 0);
  });
});

test('a poison line is one reported error: the tail keeps following, and a restart starts after it', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'app.log');
    const state = join(dir, 'state.json');
    await writeFile(log, `${line('p-1', 1)}{"timestamp":1e16,"event":"system.memory_critical"}\n${line('p-3', 3)}`);
    const first = new TailProcess([log, '--from', 'start', '--state', state]);
    await until('the lines around the poison', () => first.findings().length === 2);
    await appendFile(log, line('p-4', 4));
    await until('a line after it, appended live', () => first.findings().length === 3);
    assert.deepEqual(first.findings().map((f) => f.trace_id), ['p-1', 'p-3', 'p-4']);
    assert.match(first.stderr, /app\.log:2: invalid: timestamp: out of range/);
    assert.equal(await first.stop(), 0);

    await appendFile(log, line('p-5', 5));
    const second = new TailProcess([log, '--from', 'start', '--state', state]);
    try {
      await until('the line written while it was down', () => second.findings().length === 1);
      assert.deepEqual(second.findings().map((f) => [f.trace_id, f.source.line]), [['p-5', 5]]);
      assert.doesNotMatch(second.stderr, /out of range/, 'the poison line is behind the checkpoint');
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});

test('busy files read on two threads give what one thread gives: findings, bad lines, checkpoints', async () => {
  await withTempDir(async (dir) => {
    const generator = new LogGenerator({ ...GENERATE_DEFAULTS, records: 12_000, seed: 9, badRate: 0.01, hosts: 2, sampleEvery: 20 });
    const records = [...generator.lines()];
    const app = join(dir, 'app.log');
    const podDir = join(dir, 'pods', 'prod_api-7d9f8c6b5-x2x9q_5b1c7f2e-8d3a-4e6b-9c0d-1f2e3d4c5b6a', 'api');
    await mkdir(podDir, { recursive: true });
    const pod = join(podDir, '0.log');
    // The container runtime's view of the same records: each split in two pieces, a stderr line between them.
    const cri = records.slice(0, 4000).flatMap((record, i) => {
      const time = `2025-12-29T11:00:${String(i % 60).padStart(2, '0')}.000000000Z`;
      const half = Math.ceil(record.length / 2);
      return [`${time} stdout P ${record.slice(0, half)}`, `${time} stderr F plain ${i}`, `${time} stdout F ${record.slice(half)}`];
    });
    await writeFile(app, `${records.join('\n')}\n${line('end-app', 1)}`);
    await writeFile(pod, `${cri.join('\n')}\n2025-12-29T12:00:00.000000000Z stdout F ${line('end-pod', 2)}`);
    assert.ok((await stat(app)).size > 3 << 20, 'several reads of 1 MiB: blocks for the worker');

    const runs: unknown[] = [];
    for (const threads of ['1', '2']) {
      const state = join(dir, `state-${threads}.json`);
      const dead = join(dir, `dead-${threads}.ndjson`);
      const tail = new TailProcess([app, pod, '--from', 'start', '--state', state, '--dead-letter', dead, '--threads', threads]);
      try {
        await until('both files read to their ends', () => ['end-app', 'end-pod'].every((t) => tail.findings().some((f) => f.trace_id === t)));
      } finally {
        assert.equal(await tail.stop(), 0, tail.stderr);
      }
      const findings = tail
        .findings()
        .map((f): Json => ({ ...f, timestamp: f.timestamp_source === 'read' ? 0 : f.timestamp }))
        .sort((a, b) => a.source.file.localeCompare(b.source.file) || a.source.line - b.source.line || a.id.localeCompare(b.id));
      const checkpoints = JSON.parse(await readFile(state, 'utf8')).files.map((f: { path: string; offset: number; line: number }) => [f.path, f.offset, f.line]);
      // Files interleave as they are read; each file's own lines are compared in order through their line numbers.
      runs.push({ findings, dead: (await readFile(dead, 'utf8')).split('\n').sort(), checkpoints });
      assert.ok(findings.length > 100 && findings.some((f) => f.origin?.pod === 'api-7d9f8c6b5-x2x9q' && f.source.file === pod), `threads ${threads}`);
    }
    assert.deepEqual(runs[1], runs[0]);
  });
});

test('copy-truncate of a busy file read on two threads: what was read is handed on, then the new content from its start', async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, 'app.log');
    const records = [...new LogGenerator({ ...GENERATE_DEFAULTS, records: 12_000, seed: 4, sampleEvery: 20 }).lines()];
    await writeFile(log, `${records.join('\n')}\n`);
    const tail = new TailProcess([log, '--from', 'start', '--state', join(dir, 'state.json'), '--threads', '2']);
    try {
      await until('the tail to be reading the file', () => tail.findings().length > 0);
      await truncate(log, 0);
      await appendFile(log, line('after-1', 1) + line('after-2', 2));
      await until('the new content', () => tail.findings().some((f) => f.trace_id === 'after-2'));
      const after = tail.findings().filter((f) => String(f.trace_id).startsWith('after-'));
      assert.deepEqual(
        after.map((f) => [f.trace_id, f.source.line]),
        [
          ['after-1', 1],
          ['after-2', 2],
        ],
      );
      assert.match(tail.stderr, /app\.log was truncated; reading it again from the start/);
    } finally {
      assert.equal(await tail.stop(), 0, tail.stderr);
    }
  });
});
