import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import split2 from 'split2';
import type { Frame, FramingError } from '../../src/parse/frame.js';
import { LineFramer } from '../../src/parse/line-framer.js';
import { ALL_FIXTURES, fixture } from '../support/helpers.js';

function frameAll(bytes: Buffer, chunkSize: number, maxLineBytes = 1 << 20) {
  const frames: Frame[] = [];
  const errors: FramingError[] = [];
  const framer = new LineFramer({ frame: (f) => frames.push(f), error: (e) => errors.push(e) }, { maxLineBytes });
  for (let i = 0; i < bytes.length; i += chunkSize) framer.push(bytes.subarray(i, i + chunkSize));
  framer.end();
  return { frames, errors, lines: framer.linesSeen };
}

async function split2Lines(bytes: Buffer): Promise<string[]> {
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    Readable.from([bytes])
      .pipe(split2())
      .on('data', (line: string) => lines.push(line))
      .on('end', resolve)
      .on('error', reject);
  });
  return lines;
}

async function fixtureBytes(name: string): Promise<Buffer> {
  const raw = await readFile(fixture(name));
  return name.endsWith('.gz') ? gunzipSync(raw) : raw;
}

for (const name of ALL_FIXTURES) {
  test(`frames ${name} exactly as split2 does, whatever the chunk size`, async () => {
    const bytes = await fixtureBytes(name);
    // split2 keeps a BOM and blank lines; memtrail drops both (a BOM is not content, a blank line is not a record).
    const expected = (await split2Lines(bytes))
      .map((line, i) => (i === 0 ? line.replace(/^\uFEFF/, '') : line))
      .filter((line) => line.trim() !== '');
    for (const chunkSize of [1, 7, 64, 1 << 20]) {
      const { frames, errors } = frameAll(bytes, chunkSize);
      assert.deepEqual(errors, []);
      assert.deepEqual(
        frames.map((f) => f.text),
        expected,
        `chunk size ${chunkSize}`,
      );
    }
  });
}

test('line numbers count every line, blank ones included, and offsets point at the line', () => {
  const bytes = Buffer.from('{"a":1}\r\n\n   \n{"b":2}\n{"c":3}');
  const { frames, lines } = frameAll(bytes, 3);
  assert.deepEqual(
    frames.map((f) => [f.text, f.line, f.offset]),
    [
      ['{"a":1}', 1, 0],
      ['{"b":2}', 4, 14],
      ['{"c":3}', 5, 22],
    ],
  );
  assert.equal(lines, 5);
  assert.equal(bytes.subarray(14, 21).toString(), '{"b":2}');
});

test('a line over the record limit is one error, and the lines around it still frame', () => {
  const long = `{"x":"${'y'.repeat(5000)}"}`;
  const bytes = Buffer.from(`{"a":1}\n${long}\n{"b":2}\n${long}`);
  for (const chunkSize of [1, 100, 1 << 20]) {
    const { frames, errors } = frameAll(bytes, chunkSize, 1000);
    assert.deepEqual(
      frames.map((f) => [f.text, f.line]),
      [
        ['{"a":1}', 1],
        ['{"b":2}', 3],
      ],
    );
    assert.deepEqual(
      errors.map((e) => [e.line, e.offset, e.reason]),
      [
        [2, 8, 'record exceeds the maximum record size (1000 bytes)'],
        [4, 8 + long.length + 1 + 8, 'record exceeds the maximum record size (1000 bytes)'],
      ],
    );
    assert.ok(errors.every((e) => e.sample.length < 1300), 'only a sample of the long line is kept');
    // Its length is counted whatever the chunks (over many, the bytes past the limit are dropped, not forgotten).
    assert.ok(errors.every((e) => e.sample.endsWith(` [${long.length} bytes]`)), `chunks of ${chunkSize}: ${errors.map((e) => e.sample.slice(-20)).join(', ')}`);
  }
});

test('multi-byte characters split across chunks decode intact', () => {
  const bytes = Buffer.from('{"m":"mémoire — 内存"}\n');
  const { frames } = frameAll(bytes, 1);
  assert.equal(frames[0]?.text, '{"m":"mémoire — 内存"}');
});
