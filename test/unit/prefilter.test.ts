import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPrefilter } from '../../src/classify/prefilter.js';
import { configSchema } from '../../src/config.js';
import { GENERATE_DEFAULTS, LogGenerator } from '../../src/generate/generator.js';
import { LineFramer } from '../../src/parse/line-framer.js';
import { containerPiece } from '../../src/parse/wrappers.js';

const prefilter = buildPrefilter(configSchema.parse({}))!;
const line = (text: string) => prefilter.line(Buffer.from(text));

test('lines that may match are kept, lines that cannot are not', () => {
  assert.equal(line('{"event":"system.high_memory"}'), true);
  assert.equal(line('{"context":{"memory_usage_percent":12}}'), true, 'a usage field is always parsed');
  assert.equal(line('{"context":{"request_size_bytes":999999}}'), false, 'six digits cannot exceed 1048576');
  assert.equal(line('{"context":{"request_size_bytes": 1000000}}'), true, 'seven digits may');
  assert.equal(line('{"context":{"response_size_bytes":12.5e9}}'), true);
  assert.equal(line('{"context":{"response_size_bytes":"huge"}}'), true, 'not a plain number: the schema decides');
  assert.equal(line('{"message":"request_size_bytes","x":1}'), false, 'a value that reads like the key is not the key');
  assert.equal(line('{"event":"graphql.request.end","message":"ok"}'), false);
});

test('custom fields and thresholds change what the prefilter keeps', () => {
  const custom = buildPrefilter(configSchema.parse({ thresholds: { payload_bytes: 1000 }, fields: { request_bytes: ['req.bytes'] } }))!;
  assert.equal(custom.line(Buffer.from('{"req":{"bytes":1001}}')), true);
  assert.equal(custom.line(Buffer.from('{"req":{"bytes":999}}')), false);
});

test('the prefiltered framer keeps the same lines whatever the chunk boundaries', () => {
  const generator = new LogGenerator({ ...GENERATE_DEFAULTS, records: 3000, seed: 5 });
  const text = Buffer.from(`${[...generator.lines()].join('\n')}\n`);
  const expected = text
    .toString()
    .split('\n')
    .filter((l) => l !== '' && line(l));
  assert.ok(expected.length > 10 && expected.length < 2000);
  for (const chunkSize of [1, 5, 17, 333, 4096, text.length]) {
    const kept: string[] = [];
    const framer = new LineFramer({ frame: (f) => kept.push(f.text), error: () => assert.fail('no errors') }, { maxLineBytes: 1 << 20 });
    framer.accept = prefilter;
    for (let i = 0; i < text.length; i += chunkSize) framer.push(text.subarray(i, i + chunkSize));
    framer.end();
    assert.deepEqual(kept, expected, `chunk size ${chunkSize}`);
    assert.equal(framer.skipped + kept.length, 3000);
  }
});

test('the prefilter sees through OTLP attributes, literal dotted keys and any JSON whitespace', () => {
  assert.equal(line('{"key":"request_size_bytes","value":{"intValue":"2000000"}}'), true, 'an OTLP intValue as a string');
  assert.equal(line('{"key":"request_size_bytes", "value": {"intValue": 2000000}}'), true);
  assert.equal(line('{"key":"request_size_bytes","value":{"intValue":"999"}}'), false, 'too few digits, OTLP or not');
  assert.equal(line('{"key":"request_size_bytes","value":{"doubleValue":2e6}}'), true);
  assert.equal(line('{"timestamp":"x","trace_id":"d","context.memory_usage_percent":95}'), true, 'a literal dotted key');
  assert.equal(line('{"context":{"request_size_bytes"\r:2000000}}'), true, 'whitespace between key and colon');
  assert.equal(line('{"fields":{"memory_used_bytes":1}}'), true, "tracing-subscriber's fields");
});

test('a piece of a split container line is told from its raw bytes, and never taken for a whole line', () => {
  const piece = (line: string) => {
    const bytes = Buffer.from(`xx\n${line}\nyy`);
    return containerPiece(bytes, 3, 3 + Buffer.byteLength(line));
  };
  assert.equal(piece('2026-11-28T14:12:25.843123462Z stdout P {"level":50'), 'partial');
  assert.equal(piece('2026-11-28T14:12:25.843123462Z stderr F rest"}'), 'whole');
  assert.equal(piece('2026-11-28T14:12:25.843Z {"level":50}'), undefined, 'kubectl --timestamps: never split');
  assert.equal(piece('{"log":"{\\"level\\":30}\\n","stream":"stdout","time":"2026-11-28T12:44:33.07Z"}'), 'whole');
  assert.equal(piece('{"log":"{\\"level\\":30, \\"msg\\":\\"xxxx","stream":"stdout","time":"2026-11-28T12:44:33.07Z"}'), 'partial');
  // A text ending with a backslash and an n is no newline: `\\\\n` is the escaped backslash, then n.
  assert.equal(piece('{"log":"C:\\\\n","stream":"stdout","time":"2026-11-28T12:44:33.07Z"}'), 'partial');
  assert.equal(piece('{"log":"C:\\\\\\n","stream":"stdout","time":"2026-11-28T12:44:33.07Z"}'), 'whole');
  assert.equal(piece('{"timestamp":"2026-11-28T12:44:33Z","message":"a log line"}'), undefined);
});
