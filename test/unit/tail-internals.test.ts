import assert from 'node:assert/strict';
import { appendFile, open, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { RuntimeFailure } from '../../src/errors.js';
import { CheckpointStore, FORGET_AFTER_MS } from '../../src/sources/tail/checkpoints.js';
import { Follower, lastCompleteLine } from '../../src/sources/tail/follower.js';
import { identify } from '../../src/sources/tail/identity.js';
import { Tailer, type TailEvent } from '../../src/sources/tail/tailer.js';
import { withTempDir } from '../support/helpers.js';
import { until } from '../support/tail-process.js';

const identity = { dev: 1, ino: 2, fingerprintLength: 3, fingerprint: 'abc' };

test('a checkpoint file that is not JSON, or not one memtrail wrote, is a clear error naming it', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'state.json');
    await writeFile(path, '{"version":1,"files":[{"path":');
    await assert.rejects(CheckpointStore.open(path), (error: Error) => {
      assert.ok(error instanceof RuntimeFailure);
      assert.match(error.message, new RegExp(`the checkpoint file ${path} is corrupt \\(not JSON`));
      assert.match(error.message, /move it aside/);
      return true;
    });
    await writeFile(path, JSON.stringify({ version: 1, files: [{ path: 'x', offset: -1 }] }));
    await assert.rejects(CheckpointStore.open(path), /is corrupt \(files\.0\.dev: /);
  });
});

test('entries untouched for 7 days leave the state; others stay', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'state.json');
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = await CheckpointStore.open(path, () => now);
    store.set(identity, '/old.log', 10, 1);
    now += FORGET_AFTER_MS - 1000;
    store.set({ ...identity, ino: 3 }, '/recent.log', 20, 2);
    await store.save();
    assert.deepEqual((await CheckpointStore.open(path, () => now)).find(identity)?.offset, 10, 'not yet a week');
    now += 2000;
    await store.save();
    const reopened = await CheckpointStore.open(path, () => now);
    assert.equal(reopened.find(identity), undefined);
    assert.equal(reopened.find({ dev: 1, ino: 3 })?.path, '/recent.log');
  });
});

test('nothing is rewritten when nothing changed; temporary files of a killed writer are removed on open', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'state.json');
    const store = await CheckpointStore.open(path);
    store.set(identity, '/a.log', 10, 1);
    assert.equal(await store.save(), true);
    const written = (await stat(path)).mtimeMs;
    store.set(identity, '/a.log', 10, 1);
    assert.equal(await store.save(), false, 'the same offset: no write');
    assert.equal((await stat(path)).mtimeMs, written);
    store.set(identity, '/a.log', 11, 1);
    assert.equal(await store.save(), true);
    assert.deepEqual((await readdir(dir)).sort(), ['state.json'], 'no temporary file is left behind');

    // What a `kill -9` between write and rename leaves.
    await writeFile(`${path}.4242.tmp`, '{"version":1,"fi');
    const reopened = await CheckpointStore.open(path);
    assert.equal(reopened.find(identity)?.offset, 11);
    assert.deepEqual((await readdir(dir)).sort(), ['state.json']);
  });
});

test('--from end on a file without a trailing newline starts at its last complete line', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'a.log');
    await writeFile(path, 'one\ntwo\nthree-without-newline');
    const handle = await open(path, 'r');
    try {
      assert.deepEqual(await lastCompleteLine(handle, (await handle.stat()).size), { offset: 8, lines: 2 });
    } finally {
      await handle.close();
    }
    await writeFile(path, 'no newline at all');
    const again = await open(path, 'r');
    try {
      assert.deepEqual(await lastCompleteLine(again, (await again.stat()).size), { offset: 0, lines: 0 });
    } finally {
      await again.close();
    }
  });
});

test("a follower's identity is refreshed once its file grows past a short first look, and a rewrite is seen as truncation", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'a.log');
    await writeFile(path, 'short\n');
    const follower = await Follower.open(path, () => Promise.resolve(0));
    try {
      assert.equal(follower.identity.fingerprintLength, 6);
      await appendFile(path, 'x'.repeat(3000));
      await follower.refreshIdentity();
      assert.equal(follower.identity.fingerprintLength, 1024);
      const handle = await open(path, 'r');
      assert.equal(follower.identity.fingerprint, (await identify(handle)).fingerprint);
      await handle.close();
      assert.equal(await follower.wasTruncated(true), false);
      await writeFile(path, 'different start, same inode '.repeat(200));
      assert.equal(await follower.wasTruncated(true), true, 'the first bytes changed');
    } finally {
      await follower.close();
    }
  });
});

test('the tailer emits typed events: opened, data in order, closed after a rename rotation', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'app.log');
    await writeFile(path, 'first\n');
    const events: TailEvent[] = [];
    const data: string[] = [];
    const tailer = new Tailer(
      { patterns: [path], pollMs: 20, discoverMs: 50, closeInactiveMs: 100, startPosition: () => Promise.resolve(0) },
      {
        data: (follower, chunk) => {
          data.push(`${follower.path}:${chunk.toString()}`);
          return Promise.resolve();
        },
        event: (event) => {
          events.push(event);
        },
      },
    );
    const running = tailer.run();
    try {
      await until('the first line', () => data.length === 1);
      await rename(path, `${path}.1`);
      await appendFile(`${path}.1`, 'late\n');
      await writeFile(path, 'second\n');
      await until('the rotated file to be let go', () => events.some((e) => e.type === 'closed'));
      await until('the new file', () => data.some((d) => d.endsWith('second\n')));
      assert.deepEqual(
        events.map((e) => e.type),
        ['opened', 'opened', 'closed'],
      );
      assert.equal(data.filter((d) => d.includes('late')).length, 1, 'the old file was read to its end, once');
    } finally {
      tailer.stop();
      await running;
      await tailer.close();
    }
    const text = await readFile(`${path}.1`, 'utf8');
    assert.equal(text, 'first\nlate\n');
  });
});
