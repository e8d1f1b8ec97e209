/**
 * What a newcomer meets first, through the built CLI: `tail` on a path that names nothing, the
 * line `tail` prints on a terminal, Ctrl-C, and `generate`'s demo logs (every kind of finding in
 * every size and format, timestamps that end now, a progress bar on a terminal, a closing line).
 * "On a terminal" is a real pseudo-terminal, from util-linux's `script`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { KINDS } from '../../src/classify/registry.js';
import { BIN, ROOT, runCli, scanJson, withTempDir } from '../support/helpers.js';
import { line, TailProcess, until } from '../support/tail-process.js';

const SCRIPT = '/usr/bin/script';
const skipTerminal = existsSync(SCRIPT) ? false : `no ${SCRIPT} (util-linux) to give the CLI a terminal`;

/** The kinds one record can give (the memory-trend kinds need hours of one series: not the record generator's). */
const PER_RECORD_KINDS = KINDS.map((k) => k.name).filter((name) => !name.endsWith('_growth'));

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** The CLI on a pseudo-terminal: stdin, stdout and stderr are a terminal; what it shows comes back as `output`. */
class OnTerminal {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], cwd?: string) {
    // `exec`: the shell script(1) starts is replaced by memtrail, so Ctrl-C reaches memtrail alone
    // (a shell left waiting would die of the SIGINT itself, and script would report 130).
    const command = `exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
    this.child = spawn(SCRIPT, ['-qfec', command, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Keys typed on the terminal: "\x03" is Ctrl-C (the terminal sends SIGINT to the program). */
  type(keys: string): void {
    this.child.stdin!.write(keys);
  }

  /** Waits until the screen shows what `seen` looks for; a failure shows the screen. */
  async until(what: string, seen: (output: string) => boolean): Promise<void> {
    await until(what, () => seen(this.output)).catch((error: Error) => {
      throw new Error(`${error.message}; the terminal shows ${JSON.stringify(this.output)}`);
    });
  }

  /** Ends the session if it is still running (a failed test leaves nothing behind). */
  end(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

describe('tail: paths that name no file', () => {
  test('a path that names no file is said at once, and with nothing to follow the run ends (exit 1)', async () => {
    await withTempDir(async (dir) => {
      const missing = join(dir, 'nonexistent', 'app.log');
      const result = await runCli(['tail', missing, '--state', join(dir, 'state.json')]);
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        `memtrail: ${missing}: no such file\n` +
          'memtrail: nothing to follow: no path names a file (check the paths, or add --wait-for-files to wait for them to appear)\n',
      );
      assert.equal(result.stdout, '');
    });
  });

  test('a typo next to a real file: the typo is named, the real file followed', async () => {
    await withTempDir(async (dir) => {
      const log = join(dir, 'app.log');
      const typo = join(dir, 'ap.log');
      await writeFile(log, line('real-1', 1));
      const tail = new TailProcess([log, typo, '--from', 'start', '--state', join(dir, 'state.json')]);
      try {
        await until('the real file is read', () => tail.findings().some((f) => f.trace_id === 'real-1'));
        assert.match(tail.stderr, new RegExp(`${typo.replace(/[.]/g, '\\.')}: no such file; not followed \\(add --wait-for-files to wait for it\\)`));
      } finally {
        assert.equal(await tail.stop(), 0);
      }
    });
  });

  test('a folder given as a path says how to follow the files in it', async () => {
    await withTempDir(async (dir) => {
      const result = await runCli(['tail', dir, '--state', join(dir, 'state.json')]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`is a folder: follow the files in it with a quoted glob such as '${dir.replace(/[.]/g, '\\.')}/\\*\\.log'`));
    });
  });

  test('--wait-for-files keeps waiting for a path, as Filebeat does, and follows it once it appears', async () => {
    await withTempDir(async (dir) => {
      const later = join(dir, 'later.log');
      const tail = new TailProcess([later, '--wait-for-files', '--from', 'start', '--state', join(dir, 'state.json'), '--scan-interval', '100ms']);
      try {
        await until('it says it waits', () => tail.stderr.includes(`${later}: no such file; waiting for it`));
        await writeFile(later, line('later-1', 1));
        await until('the file that appeared is read', () => tail.findings().some((f) => f.trace_id === 'later-1'));
      } finally {
        assert.equal(await tail.stop(), 0);
      }
    });
  });

  test('a glob that matches nothing yet is said at once, and files that appear are followed', async () => {
    await withTempDir(async (dir) => {
      const glob = join(dir, '*.log');
      const tail = new TailProcess([glob, '--from', 'start', '--state', join(dir, 'state.json'), '--scan-interval', '100ms']);
      try {
        await until('it says the glob matches nothing yet', () => tail.stderr.includes(`'${glob}' matches no file yet; files that appear and match it are followed`));
        await writeFile(join(dir, 'new.log'), line('new-1', 1));
        await until('the new file is read', () => tail.findings().some((f) => f.trace_id === 'new-1'));
      } finally {
        assert.equal(await tail.stop(), 0);
      }
    });
  });
});

describe('tail on a terminal', { skip: skipTerminal }, () => {
  test('says what it follows and how to stop; Ctrl-C stops it with exit 0; the next run resumes', async () => {
    await withTempDir(async (dir) => {
      const logs = [join(dir, 'a.log'), join(dir, 'b.log'), join(dir, 'c.log')];
      for (const [i, log] of logs.entries()) await writeFile(log, line(`old-${i}`, i));
      const state = join(dir, 'state.json');
      const first = new OnTerminal(['tail', join(dir, '*.log'), '--state', state]);
      try {
        await first.until('the start line', (output) => output.includes('following 3 files from the end; Ctrl-C to stop'));
        first.type('\x03');
        assert.equal(await first.exited, 0, first.output);
        assert.doesNotMatch(first.output, /old-\d/, 'from the end: what was there before is not shown');
      } finally {
        first.end();
      }
      await writeFile(join(dir, 'd.log'), line('new-d', 1));
      const second = new OnTerminal(['tail', join(dir, '*.log'), '--state', state]);
      try {
        await second.until('the start line of the second run', (output) => output.includes('; Ctrl-C to stop'));
        assert.match(second.output, /following 4 files \(3 from where the last run stopped, 1 from the end\); Ctrl-C to stop/);
        second.type('\x03');
        assert.equal(await second.exited, 0, second.output);
      } finally {
        second.end();
      }
    });
  });

  test('without a terminal there is no start line', async () => {
    await withTempDir(async (dir) => {
      const log = join(dir, 'app.log');
      await writeFile(log, line('quiet-1', 1));
      const tail = new TailProcess([log, '--from', 'start', '--state', join(dir, 'state.json')]);
      await until('the finding', () => tail.findings().length === 1);
      assert.equal(await tail.stop(), 0);
      assert.equal(tail.stderr, '');
    });
  });
});

describe('the built command', () => {
  test('--version prints the version in package.json, and every command loads from the bundle bin/memtrail.js runs', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const shown = await runCli(['--version']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stdout.trim(), version);
    assert.match(await readFile(BIN, 'utf8'), /dist\/bin\/main\.js/);
    for (const command of ['scan', 'tail', 'timeline', 'inspect', 'setup', 'generate']) {
      const help = await runCli([command, '--help']);
      assert.equal(help.code, 0, `${command}: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`Usage: memtrail ${command}`));
    }
  });
});

describe('generate', () => {
  // Sizes from 4 records up are checked in-process (test/unit/generator.test.ts); here, each format through the CLI.
  for (const [format, records] of [['ndjson', 600], ['pretty', 40], ['array', 40]] as const) {
    test(`${records} records as ${format}: at least one finding of each kind, and the scan agrees with the manifest`, async () => {
      await withTempDir(async (dir) => {
        const file = join(dir, `sample.${format === 'ndjson' ? 'log' : 'json'}`);
        const manifestFile = join(dir, 'manifest.json');
        const generated = await runCli(['generate', '-n', String(records), '--format', format, '-o', file, '--manifest', manifestFile]);
        assert.equal(generated.code, 0, generated.stderr);
        const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { findings: Record<string, number> };
        const { report } = await scanJson([file]);
        for (const kind of PER_RECORD_KINDS) {
          assert.ok(manifest.findings[kind]! >= 1, `${kind} planted`);
          assert.equal(report.stats.findings[kind], manifest.findings[kind], `${kind}: found as planted`);
        }
      });
    });
  }

  test('--no-plant writes only what the traffic gives by itself (a quiet background for tests)', async () => {
    await withTempDir(async (dir) => {
      const manifestFile = join(dir, 'manifest.json');
      const result = await runCli(['generate', '-n', '2000', '--no-plant', '-o', join(dir, 'quiet.log'), '--manifest', manifestFile]);
      assert.equal(result.code, 0, result.stderr);
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { findings: Record<string, number> };
      assert.equal(manifest.findings.oom_kill, 0, 'no record gives an OOM kill by itself');
      assert.equal(manifest.findings.memory_critical, 0);
    });
  });

  test('by default the log ends at the current time, so `--since 2h` finds it; --start keeps fixed dates', async () => {
    await withTempDir(async (dir) => {
      const now = join(dir, 'now.log');
      const before = Date.now();
      const result = await runCli(['generate', '-n', '3000', '--bad-rate', '0', '-o', now]);
      const after = Date.now();
      assert.equal(result.code, 0);
      const lines = (await readFile(now, 'utf8')).trimEnd().split('\n');
      const last = Date.parse((JSON.parse(lines.at(-1)!) as { timestamp: string }).timestamp);
      assert.ok(last >= before && last <= after, `the last record (${new Date(last).toISOString()}) is written at the time of the run`);

      const fixed = [join(dir, 'a.log'), join(dir, 'b.log')];
      for (const file of fixed) assert.equal((await runCli(['generate', '-n', '3000', '--seed', '3', '--start', '2025-12-29T11:00:00Z', '-o', file])).code, 0);
      const [a, b] = await Promise.all(fixed.map((f) => readFile(f, 'utf8')));
      assert.equal(a, b, 'the same seed and --start give the same bytes');
      assert.equal((JSON.parse(a!.split('\n')[0]!) as { timestamp: string }).timestamp, '2025-12-29T11:00:00.000Z');
    });
  });

  test('a closing line on stderr: lines, bytes, where, the span of the timestamps, the findings planted', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'demo.log');
      const result = await runCli(['generate', '-n', '2000', '--start', '2025-12-29T11:00:00Z', '-o', file, '--manifest', join(dir, 'm.json')]);
      const manifest = JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')) as { findings: Record<string, number> };
      const lines = result.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, 'one line, and no progress bar off a terminal');
      const size = Buffer.byteLength(await readFile(file, 'utf8'));
      assert.match(lines[0]!, new RegExp(`^memtrail: generated 2,000 lines \\(${(size / 1e6).toFixed(1).replace('.', '\\.')} MB\\) in [\\d.]+ s to ${file.replace(/[.]/g, '\\.')}, 2025-12-29T11:00:00\\.000Z → 2025-12-29T11:00:\\d\\d\\.\\d{3}Z; findings: `));
      for (const kind of PER_RECORD_KINDS) assert.match(lines[0]!, new RegExp(`\\b${manifest.findings[kind]} ${kind}\\b`));
      assert.equal(result.stdout, '');
    });
  });

  test('on a terminal: a progress bar while it writes, then the closing line', { skip: skipTerminal }, async () => {
    await withTempDir(async (dir) => {
      const run = new OnTerminal(['generate', '-n', '40000', '-o', join(dir, 'big.log')]);
      assert.equal(await run.exited, 0, run.output);
      assert.match(run.output, /generate \[[^\]]*\] \d+% \| \d+\/40000 records/);
      assert.match(run.output, /memtrail: generated 40,000 lines/);
    });
  });
});
