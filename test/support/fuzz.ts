/**
 * The fuzz suite's inputs: log records with hostile values, byte-level mutations of the real
 * fixtures, and one logical memory event written in every shape the field mapping reads.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { ALL_FIXTURES, CONTAINER_FIXTURES, fixture, LOGGER_FIXTURES } from './helpers.js';

/**
 * Seed, runs and time from the environment: `npm test` fixes them, `npm run fuzz` draws a seed and
 * runs long. FUZZ_PATH (with FUZZ_SEED) replays the one counterexample a failure reported, and
 * nothing else (`npm run fuzz -- --seed S --path P --only NAME`).
 */
export function fuzzParameters(defaultRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 42;
  const seconds = process.env.FUZZ_SECONDS ? Number(process.env.FUZZ_SECONDS) : undefined;
  const path = process.env.FUZZ_PATH || undefined;
  // The property's own error (which assertion, and why) goes into the report: the test runner
  // prints the message of fast-check's error, not its cause.
  const common = { seed, includeErrorInReport: true };
  // The first value a path replays is its counterexample; endOnFailure stops there when it fails
  // again (if it passes, fast-check goes on with the values shrunk from the same parent).
  if (path !== undefined) return { ...common, path, endOnFailure: true };
  return {
    ...common,
    numRuns: seconds ? Number.MAX_SAFE_INTEGER : Number(process.env.FUZZ_RUNS ?? defaultRuns),
    ...(seconds ? { interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false } : {}),
  };
}

const SEED_TEXTS = [...ALL_FIXTURES.filter((f) => !f.endsWith('.gz')), ...LOGGER_FIXTURES.map((f) => `loggers/${f}`), ...CONTAINER_FIXTURES].map((name) =>
  readFileSync(fixture(name)),
);

const NASTY = [
  '\u0000',
  '\u001b[31m',
  '\ufeff',
  '{',
  '[',
  ']',
  '}',
  '"',
  '\\',
  ',',
  '\n',
  '\r',
  '\r\n',
  '1e400',
  '-1',
  '8640000000000001',
  '"__proto__":{"a":1},',
  '"context.memory_usage_percent":95,',
  '{"a":'.repeat(200),
  '['.repeat(300),
  '"memory_usage_percent":"95",',
  '"request_size_bytes" :\r 2000000',
  '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{}]}]}]}',
];

/** One change to a byte string; positions are fractions of its length. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), text: fc.constantFrom(...NASTY) }),
  fc.record({ op: fc.constant('bytes' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(input: Buffer, mutations: Mutation[]): Buffer {
  let bytes = input;
  for (const m of mutations) {
    const at = Math.floor(m.at * bytes.length);
    switch (m.op) {
      case 'flip':
        if (bytes.length > 0) {
          bytes = Buffer.from(bytes);
          bytes[Math.min(at, bytes.length - 1)]! ^= 1 << m.bit;
        }
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.text), bytes.subarray(at)]);
        break;
      case 'bytes':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
        break;
      case 'duplicate':
        bytes = Buffer.concat([bytes.subarray(0, at + m.length), bytes.subarray(at)]);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
    }
  }
  return bytes;
}

/** Real fixtures, one or a few concatenated, mutated at the byte level. */
export const mutatedFixture = fc
  .tuple(fc.array(fc.integer({ min: 0, max: SEED_TEXTS.length - 1 }), { minLength: 1, maxLength: 3 }), fc.array(mutation, { maxLength: 12 }))
  .map(([picks, mutations]) => mutate(Buffer.concat(picks.map((i) => SEED_TEXTS[i]!)), mutations));

/** Values a log field might hold, the usable and the hostile. */
const anyValue = fc.oneof(
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, true, '', '0x0', 1e307, -0, 8640000000000001, '2025-12-29T11:20:15.456Z', '2025-12-29 11:20:15,456', '1767007215456789123'),
  fc.jsonValue({ maxDepth: 3 }),
);

const timestamp = fc.oneof(
  fc.date({ min: new Date('1960-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer({ min: -1, max: 2 ** 53 - 1 }),
  fc.double({ min: 0, max: 2e18, noNaN: true }),
  anyValue,
);

const number = fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: 0, max: 2 ** 40 }), anyValue);

/** A log record in roughly the runbook's shape, every field hostile or missing at times. */
export const hostileRecord = fc.record(
  {
    timestamp,
    level: anyValue,
    event: fc.oneof(fc.constantFrom('system.memory_critical', 'system.high_memory', 'system.memory_warning', 'graphql.request.start'), anyValue),
    message: anyValue,
    trace_id: fc.oneof(fc.constantFrom('t1', 't2', '0x4bf92f35', '00000000'), anyValue),
    context: fc.record(
      {
        memory_usage_percent: number,
        memory_used_bytes: number,
        memory_limit_bytes: number,
        request_size_bytes: number,
        response_size_bytes: number,
      },
      { requiredKeys: [] },
    ),
    extra: fc.jsonValue({ maxDepth: 4 }),
  },
  { requiredKeys: [] },
);

/** Records written as a log: one per line, some pretty-printed, some written back to back. */
export const hostileLog = fc
  .array(fc.tuple(hostileRecord, fc.constantFrom('line', 'line', 'line', 'pretty', 'glued')), { maxLength: 40 })
  .map((entries) =>
    Buffer.from(
      entries
        .map(([record, how]) => (how === 'pretty' ? JSON.stringify(record, null, 2) : how === 'glued' ? `${JSON.stringify(record)}${JSON.stringify(record)}` : JSON.stringify(record)))
        .join('\n'),
    ),
  );

/** One memory event, as a logical record: what every shape below must give the same findings for. */
export const logicalEvent = fc.record({
  time: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
  event: fc.constantFrom('system.memory_critical', 'system.high_memory', 'graphql.request.start', 'system.memory_sample'),
  usage: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
  used: fc.option(fc.integer({ min: 0, max: 4 * 2 ** 30 }), { nil: undefined }),
  limit: fc.option(fc.integer({ min: 1, max: 4 * 2 ** 30 }), { nil: undefined }),
  request: fc.option(fc.integer({ min: 0, max: 10 * 2 ** 20 }), { nil: undefined }),
  trace: fc.option(fc.stringMatching(/^[a-z0-9_]{1,16}$/), { nil: undefined }),
});

export type LogicalEvent = typeof logicalEvent extends fc.Arbitrary<infer E> ? E : never;

/** The event's numbers as a shape would hold them (only those present). */
function numbers(e: LogicalEvent): Record<string, number> {
  const out: Record<string, number> = {};
  if (e.usage !== undefined) out.memory_usage_percent = e.usage;
  if (e.used !== undefined) out.memory_used_bytes = e.used;
  if (e.limit !== undefined) out.memory_limit_bytes = e.limit;
  if (e.request !== undefined) out.request_size_bytes = e.request;
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The same event in each shape `auto` reads, bare and inside each envelope: (name, the log text). */
export function shapesOf(e: LogicalEvent): [string, string][] {
  const trace = e.trace === undefined ? {} : { trace_id: e.trace };
  const otlpValue = (v: number) => (Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v });
  const runbook = JSON.stringify({ timestamp: iso(e.time), level: 'WARNING', event: e.event, message: 'm', ...trace, context: numbers(e) });
  // The envelopes' own times are a little later, as a runtime's are: the record's own time must win.
  const later = `${iso(e.time + 3).slice(0, -1)}123456Z`;
  const third = Math.ceil(runbook.length / 3);
  return [
    ['runbook', runbook],
    ['runbook in Docker json-file', JSON.stringify({ log: `${runbook}\n`, stream: 'stdout', time: later })],
    ['runbook in CRI', `${later} stdout F ${runbook}`],
    [
      'runbook in CRI, split over three partial pieces',
      [0, 1, 2].map((i) => `${later} stdout ${i === 2 ? 'F' : 'P'} ${runbook.slice(i * third, (i + 1) * third)}`).join('\n'),
    ],
    ['runbook in journalctl -o json', JSON.stringify({ MESSAGE: runbook, __REALTIME_TIMESTAMP: String((e.time + 3) * 1000), _HOSTNAME: 'h', _SYSTEMD_UNIT: 'u.service' })],
    ['runbook after kubectl logs --timestamps', `${later} ${runbook}`],
    ['runbook, pretty-printed', JSON.stringify({ timestamp: iso(e.time), event: e.event, ...trace, context: numbers(e) }, null, 2)],
    ['pino', JSON.stringify({ level: 40, time: e.time, pid: 1, hostname: 'h', event: e.event, ...trace, context: numbers(e), msg: 'm' })],
    [
      'ECS',
      JSON.stringify({
        '@timestamp': iso(e.time),
        'log.level': 'warn',
        'ecs.version': '8.10.0',
        event: { action: e.event },
        ...(e.trace === undefined ? {} : { trace: { id: e.trace } }),
        context: numbers(e),
        message: 'm',
      }),
    ],
    ['structlog', JSON.stringify({ ...numbers(e), event: e.event, ...trace, level: 'warning', timestamp: e.time / 1000 })],
    [
      'tracing-subscriber',
      JSON.stringify({
        timestamp: iso(e.time),
        level: 'WARN',
        fields: { message: 'm', event: e.event, ...numbers(e) },
        target: 't',
        ...(e.trace === undefined ? {} : { span: { trace_id: e.trace }, spans: [{ trace_id: e.trace }] }),
      }),
    ],
    [
      'OTLP/JSON',
      JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [] },
            scopeLogs: [
              {
                scope: { name: 's' },
                logRecords: [
                  {
                    timeUnixNano: `${BigInt(e.time) * 1_000_000n}`,
                    severityText: 'WARN',
                    body: { stringValue: 'm' },
                    eventName: e.event,
                    ...(e.trace === undefined ? {} : { traceId: e.trace }),
                    attributes: Object.entries(numbers(e)).map(([key, v]) => ({ key, value: otlpValue(v) })),
                  },
                ],
              },
            ],
          },
        ],
      }),
    ],
  ];
}
