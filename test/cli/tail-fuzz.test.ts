/**
 * The tail under a hostile writer (fast-check, seeded): mutated lines appended, rename and
 * copy-truncate rotations, truncation to zero, the file replaced by a folder and back. The tail
 * never crashes, keeps reading (a sentinel line written at the end is found), stays within a
 * memory bound, and SIGTERM exits 0.
 */
import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzzParameters, hostileLog, mutatedFixture } from '../support/fuzz.js';
import { withTempDir } from '../support/helpers.js';
import { line, TailProcess, until } from '../support/tail-process.js';

const operation = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('append' as const), bytes: fc.oneof(mutatedFixture, hostileLog) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rename' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('copytruncate' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('folder' as const) }) },
);

type Operation = typeof operation extends fc.Arbitrary<infer O> ? O : never;

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function apply(log: string, op: Operation, round: number): Promise<void> {
  if (await isFolder(log)) {
    // The folder goes away again before anything else is written there.
    await rm(log, { recursive: true, force: true });
    await writeFile(log, '');
  }
  switch (op.op) {
    case 'append':
      await appendFile(log, op.bytes);
      break;
    case 'rename':
      await rename(log, `${log}.${round}`);
      await writeFile(log, '');
      break;
    case 'copytruncate':
      await copyFile(log, `${log}.${round}`);
      await truncate(log, 0);
      break;
    case 'truncate':
      await truncate(log, 0);
      break;
    case 'folder':
      await rm(log, { force: true });
      await mkdir(log);
      break;
  }
}

/** Resident memory of a running process, from /proc (MB). */
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** The last lines of the tail's stderr, for a failure message (it can hold a line per bad input line). */
function stderrTail(tail: TailProcess, lines = 8): string {
  const all = tail.stderr.trimEnd().split('\n');
  return `${all.length > lines ? `[${all.length - lines} earlier stderr lines]\n` : ''}${all.slice(-lines).join('\n')}`;
}

test('fuzz, tail: a hostile writer never stops the tail, its memory stays bounded, SIGTERM exits 0', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 25 }), async (operations) => {
      await withTempDir(async (dir) => {
        const log = join(dir, 'app.log');
        await writeFile(log, '');
        const tail = new TailProcess([log, '--from', 'start', '--state', join(dir, 'state.json'), '--close-inactive', '200ms', '--scan-interval', '100ms']);
        let failure: Error | undefined;
        try {
          for (const [round, op] of operations.entries()) {
            await apply(log, op, round);
            await new Promise((resolve) => setImmediate(resolve));
          }
          if (await isFolder(log)) await rm(log, { recursive: true, force: true });
          // The hostile writer may have left a partial last line (a pretty-printed record's closing
          // `}`, a fixture cut short): the tail follows NDJSON only and holds a partial line until its
          // newline, so a sentinel glued onto it would be one malformed line, rightly. The newline
          // ends whatever was left, and the sentinel is a line of its own, as a writer's next line is.
          const before = await readFile(log).catch(() => Buffer.alloc(0));
          await appendFile(log, `\n${line('sentinel', 1)}`);
          const sentinel = () => tail.findings().some((f) => f.trace_id === 'sentinel');
          // A tail that exited will never print it: stop waiting then, and say so below.
          await until('the sentinel line after the storm', () => sentinel() || tail.child.exitCode !== null, 30_000).catch((error: Error) => {
            throw new Error(
              `${error.message}: no finding with trace_id "sentinel" among ${tail.lines.length} output lines ` +
                `(the log held ${before.length} bytes before it, ending ${JSON.stringify(before.subarray(-80).toString('latin1'))})\n` +
                `tail stderr:\n${stderrTail(tail)}`,
            );
          });
          assert.equal(tail.child.exitCode, null, `the tail exited (code ${tail.child.exitCode}, signal ${tail.child.signalCode}) before SIGTERM:\n${stderrTail(tail)}`);
          const rss = await rssMb(tail.child.pid!);
          assert.ok(rss < 300, `memory bounded: resident ${rss.toFixed(0)} MB after the storm (at most 300)`);
        } catch (error) {
          failure = error instanceof Error ? error : new Error(String(error));
        }
        // SIGTERM, whatever happened above; a bad exit is reported alongside the first failure, not instead of it.
        const code = await tail.stop();
        const exit = code === 0 ? undefined : `SIGTERM: exit code ${code} (signal ${tail.child.signalCode}), not 0:\n${stderrTail(tail)}`;
        if (failure !== undefined) {
          if (exit !== undefined) failure.message += `\nand then ${exit}`;
          throw failure;
        }
        assert.ok(exit === undefined, exit);
        const internal = tail.stderr.split('\n').find((l) => /internal error|tail failed/.test(l));
        assert.equal(internal, undefined, `the tail reported an internal error: ${internal}`);
      });
    }),
    fuzzParameters(2),
  );
});
