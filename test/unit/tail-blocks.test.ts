import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Finding } from '../../src/classify/finding.js';
import { buildConfig } from '../../src/config.js';
import { GENERATE_DEFAULTS, LogGenerator } from '../../src/generate/generator.js';
import type { LogRecord } from '../../src/parse/record.js';
import type { InputError } from '../../src/parse/records.js';
import type { Source } from '../../src/parse/source.js';
import { Detection, type TaggedSample } from '../../src/pipeline/detection.js';
import { BlockReader, InFlight } from '../../src/pipeline/parallel/block-reader.js';
import { WorkerPool } from '../../src/pipeline/parallel/worker-pool.js';

// Lower thresholds than the defaults: many findings on a short log.
const config = buildConfig(undefined, { max_record_bytes: 4096, thresholds: { warn_percent: 50, payload_bytes: 100_000 } });
const pool = new WorkerPool(2);
pool.configure({ config, live: true, observe: true });
after(() => pool.close());

interface Seen {
  findings: Finding[];
  errors: InputError[];
  samples: { tagged: TaggedSample; source: Source }[];
  observed: { record: LogRecord; source: Source }[];
}

const emptySeen = (): Seen => ({ findings: [], errors: [], samples: [], observed: [] });

/** What a follower of a file reads: a generated app log, container (CRI) lines split in pieces, an oversized line, and a last line still being written. */
function followedBytes(): { bytes: Buffer; unfinished: number } {
  const generator = new LogGenerator({ ...GENERATE_DEFAULTS, records: 4000, seed: 3, badRate: 0.02, hosts: 2, sampleEvery: 20 });
  const lines = [...generator.lines()];
  lines.splice(700, 0, `{"timestamp":"2025-12-29T11:00:00Z","message":"${'x'.repeat(6000)}"}`);
  // Container lines: each record in three pieces (P, P, F) on stdout, a whole stderr line between the pieces.
  const container = lines.slice(0, 300).flatMap((record, i) => {
    const time = `2025-12-29T11:00:${String(i % 60).padStart(2, '0')}.000000000Z`;
    const third = Math.ceil(record.length / 3);
    return [
      `${time} stdout P ${record.slice(0, third)}`,
      `${time} stderr F plain text ${i}`,
      `${time} stdout P ${record.slice(third, 2 * third)}`,
      `${time} stdout F ${record.slice(2 * third)}`,
    ];
  });
  const unfinished = '{"timestamp":"2025-12-29T12:00:00Z","level":"WARN","event":"system.high_memory"';
  return { bytes: Buffer.from(`${[...lines, ...container, ...lines.slice(300, 900)].join('\n')}\n${unfinished}`), unfinished: unfinished.length };
}

/** Deterministic chunk sizes between 1 byte and 300 kB, as reads of a file being written come. */
function chunksOf(bytes: Buffer, seed: number): Buffer[] {
  const chunks: Buffer[] = [];
  let state = seed;
  for (let at = 0; at < bytes.length; ) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const size = 1 + (state % (state % 3 === 0 ? 300_000 : 5000));
    chunks.push(Buffer.from(bytes.subarray(at, at + size)));
    at += size;
  }
  return chunks;
}

/** Records without a time take the time they are read: that one field differs between two reads. */
function comparable(seen: Seen) {
  const timeless = <T extends { timestamp: number | null; timestamp_source?: string }>(x: T) => (x.timestamp_source === 'read' ? { ...x, timestamp: 0 } : x);
  // A series sample has its record's time as `t`; the records it comes from are among those observed.
  const readAt = new Set(seen.observed.filter(({ record }) => record.timestamp_source === 'read').map(({ source }) => `${source.line}:${source.record ?? 0}`));
  return {
    findings: seen.findings.map(timeless),
    errors: seen.errors,
    samples: seen.samples.map(({ tagged, source }) =>
      readAt.has(`${source.line}:${source.record ?? 0}`) ? { tagged: { ...tagged, sample: { ...(tagged.sample as object), t: 0 } }, source } : { tagged, source },
    ),
    observed: seen.observed.map(({ record, source }) => ({ record: timeless(record), source })),
  };
}

test('a followed file read in blocks on worker threads gives what one thread gives: findings, bad lines, samples, records, position', async () => {
  const { bytes, unfinished } = followedBytes();
  const file = '/var/log/app.log';

  const one = emptySeen();
  const reader = new Detection(config, { live: true }).reader(
    file,
    { framing: 'ndjson', startOffset: 0, startLine: 0, readTime: Date.now },
    {
      finding: (f) => one.findings.push(f),
      error: (e) => one.errors.push(e),
      sample: (tagged, source) => one.samples.push({ tagged, source }),
      observe: (record, source) => one.observed.push({ record, source }),
    },
  );
  for (const chunk of chunksOf(bytes, 1)) reader.push(chunk);

  for (const [blockBytes, hereBelow] of [
    [2048, 0],
    [64 << 10, 0],
    [1 << 20, 16 << 10],
  ] as const) {
    const blocks = emptySeen();
    let merges = 0;
    let failure: unknown;
    const blocked = new BlockReader(
      pool,
      { file, startOffset: 0, startLine: 0, maxRecordBytes: 4096, hereBelow, blockBytes, inFlight: new InFlight(3) },
      {
        finding: (f) => blocks.findings.push(f),
        error: (e) => blocks.errors.push(e),
        sample: (tagged, source) => blocks.samples.push({ tagged, source }),
        observe: (record, source) => blocks.observed.push({ record, source }),
        outside: () => undefined,
        merged: () => {
          merges++;
          return Promise.resolve();
        },
        failed: (error) => (failure ??= error),
      },
    );
    for (const chunk of chunksOf(bytes, 2)) await blocked.push(chunk);
    await blocked.settled();
    assert.equal(failure, undefined);
    const what = `blocks of ${blockBytes} bytes, read here below ${hereBelow}`;
    assert.deepEqual(comparable(blocks), comparable(one), what);
    assert.equal(blocked.linesSeen, reader.linesSeen, what);
    assert.equal(blocked.completeUpTo, reader.completeUpTo, what);
    assert.ok(merges > 1, what);
  }
  // What was compared is all there: the last line waits for its end, and every kind of entry came.
  assert.equal(reader.completeUpTo, bytes.length - unfinished);
  assert.ok(one.findings.length > 100 && one.samples.length > 100 && one.observed.length > 1000);
  assert.ok(one.findings.some((f) => f.source.file === file && f.message?.includes('memory')));
  const reasons = new Set(one.errors.map((e) => e.reason.split(':')[0]));
  assert.ok(reasons.has('record exceeds the maximum record size (4096 bytes)') && reasons.has('invalid JSON'), [...reasons].join(', '));
  assert.ok(one.findings.some((f) => f.source.line > 4000), 'findings from the container lines');
});
