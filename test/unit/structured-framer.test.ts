import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { FramingError } from '../../src/parse/frame.js';
import { LineFramer } from '../../src/parse/line-framer.js';
import { detectFraming } from '../../src/parse/framing.js';
import { StructuredFramer } from '../../src/parse/structured-framer.js';
import { fixture } from '../support/helpers.js';

function frameStructured(text: string, maxRecordBytes = 1 << 20) {
  const values: { value: unknown; line: number }[] = [];
  const errors: FramingError[] = [];
  const structured = new StructuredFramer(
    { frame: () => undefined, value: (value, frame) => values.push({ value, line: frame.line }), error: (e) => errors.push(e) },
    { maxRecordBytes, maxDepth: 100 },
  );
  const lines = new LineFramer({ frame: (f) => structured.frame(f), error: (e) => errors.push(e) }, { maxLineBytes: maxRecordBytes });
  lines.push(Buffer.from(text));
  lines.end();
  structured.end();
  return { values, errors };
}

test("the runbook's two pretty-printed events are two records, on the lines they start", async () => {
  const text = await readFile(fixture('runbook-events.json'), 'utf8');
  const { values, errors } = frameStructured(text);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    values.map((v) => [v.line, (v.value as { trace_id: string }).trace_id]),
    [
      [1, 'trace_mem123'],
      [14, 'trace_mem456'],
    ],
  );
});

test('a top-level array yields each element as a record', async () => {
  const text = await readFile(fixture('array.json'), 'utf8');
  const { values, errors } = frameStructured(text);
  assert.deepEqual(errors, []);
  assert.equal(values.length, 3);
  assert.deepEqual(
    values.map((v) => v.line),
    [2, 12, 22],
  );
});

test('concatenated objects on one line and across lines', () => {
  const { values } = frameStructured('{"a":1}{"b":2}\n{\n"c":3}\n');
  assert.deepEqual(
    values.map((v) => v.value),
    [{ a: 1 }, { b: 2 }, { c: 3 }],
  );
});

test('a broken pretty-printed record is one error; the parser resumes at the next record', async () => {
  const text = await readFile(fixture('pretty-broken.json'), 'utf8');
  const { values, errors } = frameStructured(text);
  assert.deepEqual(
    values.map((v) => v.line),
    [1, 12],
  );
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.line, 7);
  assert.match(errors[0]!.reason, /^invalid JSON: .*lines 7-11 skipped/);
});

test('a broken element inside an array does not lose the elements after it', () => {
  const text = '[\n  {"a": 1},\n  {"b": nope},\n  {"c": 3}\n]\n';
  const { values, errors } = frameStructured(text);
  assert.deepEqual(
    values.map((v) => v.value),
    [{ a: 1 }, { c: 3 }],
  );
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.line, 3);
});

test('input that ends inside a record is reported as truncated at the line the record starts', async () => {
  const text = await readFile(fixture('truncated.json'), 'utf8');
  const { values, errors } = frameStructured(text);
  assert.equal(values.length, 1);
  assert.deepEqual(
    errors.map((e) => [e.line, e.reason]),
    [[9, 'truncated JSON: input ended inside a record']],
  );
});

test('a pretty-printed record over the size limit is malformed and skipped, not buffered', () => {
  const big = `{\n${Array.from({ length: 200 }, (_, i) => `  "k${i}": "${'v'.repeat(50)}",`).join('\n')}\n  "end": 1\n}\n{"small": 1}\n`;
  const { values, errors } = frameStructured(big, 2000);
  assert.deepEqual(
    values.map((v) => v.value),
    [{ small: 1 }],
  );
  assert.match(errors[0]!.reason, /record exceeds the maximum record size \(2000 bytes\)/);
});

test('framing is detected from the first bytes', () => {
  assert.equal(detectFraming(Buffer.from('{"a":1}\n{"b":2}\n')), 'ndjson');
  assert.equal(detectFraming(Buffer.from('\uFEFF\r\n  {"a":1}\r\n')), 'ndjson');
  assert.equal(detectFraming(Buffer.from('{\n  "a": 1\n}\n')), 'structured');
  assert.equal(detectFraming(Buffer.from('  [\n{"a":1}]')), 'structured');
  assert.equal(detectFraming(Buffer.from('{"a":1,"b":tru}\n')), 'ndjson', 'a broken one-line object still reads line by line');
  assert.equal(detectFraming(Buffer.from('plain text log\n')), 'ndjson');
  assert.equal(detectFraming(Buffer.from('{"a":')), undefined, 'undecided until the first line is complete');
});
