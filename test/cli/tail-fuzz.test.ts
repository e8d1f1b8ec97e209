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

test('fuzz, tail: a hostile writer never stops the tail, its memory stays bounded, SIGTERM exits 0', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 25 }), async (operations) => {
      await withTempDir(async (dir) => {
        const log = join(dir, 'app.log');
        await writeFile(log, '');
        const tail = new TailProcess([log, '--from', 'start', '--state', join(dir, 'state.json'), '--close-inactive', '200ms', '--scan-interval', '100ms']);
        try {
          for (const [round, op] of operations.entries()) {
            await apply(log, op, round);
            await new Promise((resolve) => setImmediate(resolve));
          }
          if (await isFolder(log)) await rm(log, { recursive: true, force: true });
          await appendFile(log, line('sentinel', 1));
          await until('the sentinel line after the storm', () => tail.findings().some((f) => f.trace_id === 'sentinel'), 30_000);
          assert.equal(tail.child.exitCode, null, 'still running');
          assert.ok((await rssMb(tail.child.pid!)) < 300, 'memory bounded');
        } finally {
          const code = await tail.stop();
          assert.equal(code, 0, tail.stderr);
        }
        assert.doesNotMatch(tail.stderr, /internal error|tail failed/);
      });
    }),
    fuzzParameters(2),
  );
});
