import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, copyFile, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { engineEnv, request, testEngines, testPrefixes, type TestEngine } from './engines.js';
import { ROOT, withTempDir } from './helpers.js';

const BIN = join(ROOT, 'bin', 'memtrail.js');

/** A `memtrail tail` child process whose NDJSON output is parsed as it arrives. */
class TailProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, any>[] = [];
  stderr = '';
  private partial = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, 'tail', '--format', 'ndjson', '--poll-interval', '100ms', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const parts = (this.partial + d).split('\n');
      this.partial = parts.pop()!;
      for (const part of parts) if (part) this.lines.push(JSON.parse(part));
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  findings(): Record<string, any>[] {
    return this.lines.filter((l) => l.type === 'finding');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

/** Polls until the condition holds; the limit only keeps a broken run from hanging. */
async function until(what: string, condition: () => boolean | Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A log line that is always a memory_warning, told apart by its trace id. */
function line(trace: string, seq: number): string {
  return `${JSON.stringify({
    timestamp: new Date(Date.parse('2025-12-29T11:00:00Z') + seq * 10).toISOString(),
    level: 'WARNING',
    event: 'system.high_memory',
    message: `line ${seq}`,
    trace_id: trace,
    context: { memory_usage_percent: 85 },
  })}\n`;
}

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
    await sleep(300);
    try {
      for (let i = 0; i < total; i++) {
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
    const first = new TailProcess([log, '--from', 'end', '--state', state]);
    await sleep(800);
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
      await second.stop();
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
      await tail.stop();
    }
  });
});

/** A TCP-level stand-in for an engine outage: a proxy to the real engine that can be taken down and brought back on the same port. */
class SwitchableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly engine: TestEngine) {}

  async up(): Promise<void> {
    const target = new URL(this.engine.url);
    this.server = createServer((req, res) => {
      const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}

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

const elastic = testEngines().find((e) => e.name === 'elasticsearch');

describe('tail --index against the real engine', { skip: !elastic && 'needs the test Elasticsearch' }, () => {
  const engine = elastic!;
  const newPrefix = testPrefixes(engine, 'tail', after);

  async function ids(prefix: string): Promise<string[]> {
    await request(engine, 'POST', `/${prefix}-findings/_refresh`);
    const result = await request(engine, 'POST', `/${prefix}-findings/_search`, { size: 10_000, _source: false });
    return (result.body?.hits?.hits ?? []).map((h: { _id: string }) => h._id).sort();
  }

  async function expectedIds(log: string): Promise<string[]> {
    const scan = spawn(process.execPath, [BIN, 'scan', '--format', 'json', log], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    scan.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await new Promise((resolve) => scan.on('close', resolve));
    const report = JSON.parse(out);
    return [...report.traces.flatMap((t: { findings: { id: string }[] }) => t.findings), ...report.untraced_findings].map((f: { id: string }) => f.id).sort();
  }

  test('kill -9 during indexing, then a restart: exactly the expected finding ids in the engine', async () => {
    await withTempDir(async (dir) => {
      const log = join(dir, 'app.log');
      const state = join(dir, 'state.json');
      const prefix = newPrefix();
      await writeFile(log, Array.from({ length: 6000 }, (_, i) => line(`k-${i}`, i)).join(''));
      const args = [log, '--from', 'start', '--state', state, '--index', '--index-prefix', prefix];
      const first = new TailProcess(args, engineEnv(engine));
      await until('some findings indexed', async () => (await ids(prefix)).length > 0);
      first.child.kill('SIGKILL');
      await first.exited;
      await appendFile(log, Array.from({ length: 500 }, (_, i) => line(`k2-${i}`, i)).join(''));
      const second = new TailProcess(args, engineEnv(engine));
      try {
        const expected = await expectedIds(log);
        assert.equal(expected.length, 6500);
        await until('every finding indexed', async () => (await ids(prefix)).length === expected.length);
        assert.deepEqual(await ids(prefix), expected);
      } finally {
        assert.equal(await second.stop(), 0);
      }
    });
  });

  test('the engine going away and coming back mid-stream loses nothing; memory stays bounded meanwhile', async () => {
    await withTempDir(async (dir) => {
      const log = join(dir, 'app.log');
      const prefix = newPrefix();
      await writeFile(log, '');
      const proxy = new SwitchableProxy(engine);
      await proxy.up();
      const env = { ...engineEnv(engine), MEMTRAIL_ES_URL: proxy.url };
      const tail = new TailProcess(
        [log, '--from', 'start', '--state', join(dir, 'state.json'), '--index', '--index-prefix', prefix, '--engine', 'elasticsearch', '--status-interval', '1s'],
        env,
      );
      try {
        await appendFile(log, Array.from({ length: 200 }, (_, i) => line(`e-${i}`, i)).join(''));
        await until('the first findings indexed', async () => (await ids(prefix)).length === 200);
        await proxy.down();
        // While the engine is away the writer goes on: 24 MB, every line a finding.
        const batch = Array.from({ length: 2000 }, (_, i) => line(`down-${i}`, i)).join('');
        for (let i = 0; i < 80; i++) await appendFile(log, batch.replaceAll('"down-', `"d${i}-`));
        await until('the tail to report retries', () => /retry \d+ in \d+ ms: cannot reach/.test(tail.stderr));
        await sleep(3000);
        const rss = Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${tail.child.pid}/status`, 'utf8'))?.[1]) / 1024;
        assert.ok(rss < 250, `resident memory stays bounded while the engine is down (${rss.toFixed(0)} MB)`);
        assert.match(tail.stderr, /lag [1-9]\d* bytes/, 'it stopped reading ahead');
        await proxy.up();
        const expected = 200 + 80 * 2000;
        await until('everything indexed after the engine returned', async () => {
          const result = await request(engine, 'GET', `/${prefix}-findings/_count`);
          return result.body?.count === expected;
        }, 240_000);
      } finally {
        assert.equal(await tail.stop(), 0);
        await proxy.down();
      }
    });
  });

  test('SIGTERM while the engine is away: exit 0, the checkpoint stops before what was not confirmed, a restart delivers it', async () => {
    await withTempDir(async (dir) => {
      const log = join(dir, 'app.log');
      const state = join(dir, 'state.json');
      const prefix = newPrefix();
      await writeFile(log, '');
      const proxy = new SwitchableProxy(engine);
      await proxy.up();
      const args = [log, '--from', 'start', '--state', state, '--index', '--index-prefix', prefix, '--engine', 'elasticsearch'];
      const env = { ...engineEnv(engine), MEMTRAIL_ES_URL: proxy.url };
      const first = new TailProcess(args, env);
      await appendFile(log, Array.from({ length: 100 }, (_, i) => line(`x-${i}`, i)).join(''));
      await until('the first batch indexed', async () => (await ids(prefix)).length === 100);
      const confirmedUpTo = (await readFile(log)).length;
      await proxy.down();
      await appendFile(log, Array.from({ length: 100 }, (_, i) => line(`y-${i}`, i)).join(''));
      await until('the second batch read', () => first.findings().length === 200);
      assert.equal(await first.stop(), 0);
      const saved = JSON.parse(await readFile(state, 'utf8'));
      assert.equal(saved.files[0].offset, confirmedUpTo, 'the checkpoint is where the engine last confirmed');
      await proxy.up();
      const second = new TailProcess(args, env);
      try {
        await until('the unconfirmed findings delivered after the restart', async () => (await ids(prefix)).length === 200);
      } finally {
        assert.equal(await second.stop(), 0);
        await proxy.down();
      }
    });
  });

  test('SIGTERM flushes to the engine, commits the checkpoint and exits 0', async () => {
    await withTempDir(async (dir) => {
      const log = join(dir, 'app.log');
      const state = join(dir, 'state.json');
      const prefix = newPrefix();
      await writeFile(log, '');
      const tail = new TailProcess([log, '--from', 'start', '--state', state, '--index', '--index-prefix', prefix], engineEnv(engine));
      await sleep(500);
      await appendFile(log, Array.from({ length: 300 }, (_, i) => line(`s-${i}`, i)).join(''));
      await until('all lines read', () => tail.findings().length === 300);
      assert.equal(await tail.stop('SIGTERM'), 0);
      assert.equal((await ids(prefix)).length, 300, 'everything read was indexed before exiting');
      const saved = JSON.parse(await readFile(state, 'utf8'));
      assert.equal(saved.files[0].offset, (await readFile(log)).length);
      const summary = await request(engine, 'GET', `/${prefix}-traces/_doc/s-1`);
      assert.equal(summary.body._source.memtrail.findings, 1, 'trace summaries were written on the way out');
    });
  });
});
