import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BulkIndexer, type BulkDocument, type BulkFailure } from '../../src/sinks/search/bulk-indexer.js';
import type { BulkItem, SearchEngine } from '../../src/sinks/search/engine.js';
import { EngineError } from '../../src/sinks/search/errors.js';
import { until } from '../support/tail-process.js';

type BulkFn = (ids: string[]) => { items: BulkItem[] } | Error;

/** A unit-test stand-in for the engine's bulk call; the integration tests use real engines. */
function fakeEngine(bulk: BulkFn): SearchEngine & { calls: string[][]; bodies: number[]; maxInFlight: number } {
  let inFlight = 0;
  const engine = {
    calls: [] as string[][],
    bodies: [] as number[],
    maxInFlight: 0,
    async bulk(body: string) {
      engine.bodies.push(Buffer.byteLength(body));
      const lines = body.trimEnd().split('\n');
      const ids = lines.filter((_, i) => i % 2 === 0).map((op) => (JSON.parse(op) as { index: { _id: string } }).index._id);
      engine.calls.push(ids);
      inFlight++;
      engine.maxInFlight = Math.max(engine.maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      const result = bulk(ids);
      if (result instanceof Error) throw result;
      return { errors: result.items.some((i) => i.status >= 300), items: result.items.map((item) => ({ index: item })) };
    },
  };
  return engine as unknown as SearchEngine & { calls: string[][]; bodies: number[]; maxInFlight: number };
}

const doc = (id: string): BulkDocument<string> => ({ index: 'i', id, body: { n: id }, context: id });
const ok = (ids: string[]) => ({ items: ids.map((id) => ({ status: 201, _id: id })) });

function indexer(engine: SearchEngine, options: Partial<ConstructorParameters<typeof BulkIndexer<string>>[1]> = {}) {
  const failed: [string, string][] = [];
  const failures: BulkFailure<string>[] = [];
  const acked: string[] = [];
  const bulk = new BulkIndexer<string>(engine, {
    flushBytes: 200,
    concurrency: 2,
    retries: 3,
    backoffMs: 1,
    maxBackoffMs: 4,
    onFail: (f) => {
      failed.push([f.document.id, f.reason]);
      failures.push(f);
    },
    onAck: (docs) => acked.push(...docs.map((d) => d.id)),
    ...options,
  });
  return { bulk, failed, failures, acked };
}

test('flushes by bytes, keeps at most `concurrency` requests in flight, acknowledges every document', async () => {
  const engine = fakeEngine(ok);
  const { bulk, acked, failed } = indexer(engine);
  for (let i = 0; i < 50; i++) await bulk.add(doc(`d${i}`));
  await bulk.close();
  assert.equal(acked.length, 50);
  assert.deepEqual(new Set(acked).size, 50);
  assert.deepEqual(failed, []);
  assert.ok(engine.calls.length > 5, 'several flushes');
  assert.ok(engine.maxInFlight <= 2);
  assert.equal(bulk.indexed, 50);
});

test('documents answered 429 or 5xx are retried alone; other rejections fail with their reason', async () => {
  let round = 0;
  const engine = fakeEngine((ids) => {
    round++;
    return {
      items: ids.map((id) => {
        if (id === 'busy' && round === 1) return { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } };
        if (id === 'bad') return { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse' } };
        return { status: 201, _id: id };
      }),
    };
  });
  const { bulk, acked, failed } = indexer(engine, { flushBytes: 1e6 });
  for (const id of ['a', 'busy', 'bad', 'b']) await bulk.add(doc(id));
  await bulk.close();
  assert.deepEqual(acked.sort(), ['a', 'b', 'busy']);
  assert.deepEqual(failed, [['bad', '400 mapper_parsing_exception: failed to parse']]);
  assert.deepEqual(engine.calls, [['a', 'busy', 'bad', 'b'], ['busy']]);
  assert.equal(bulk.retried, 1);
});

test('a request failing with a transient error is retried with backoff, then succeeds', async () => {
  let attempts = 0;
  const engine = fakeEngine((ids) => (++attempts <= 2 ? new EngineError('bulk indexing failed with 503', 503, true) : ok(ids)));
  const waits: number[] = [];
  const { bulk, acked } = indexer(engine, { flushBytes: 1e6, onRetry: (_a, wait) => waits.push(wait) });
  await bulk.add(doc('x'));
  await bulk.close();
  assert.deepEqual(acked, ['x']);
  assert.equal(waits.length, 2);
});

test('an unreachable engine: retries run out, that batch fails, and later documents fail at once', async () => {
  const engine = fakeEngine(() => new EngineError('cannot reach the search engine at http://x (bulk indexing): ECONNREFUSED', undefined, true));
  const { bulk, failed } = indexer(engine, { flushBytes: 1e6 });
  await bulk.add(doc('first'));
  await bulk.close();
  const callsAfterFirst = engine.calls.length;
  assert.equal(callsAfterFirst, 4, 'the first try and three retries');
  await bulk.add(doc('later'));
  await bulk.close();
  assert.equal(engine.calls.length, callsAfterFirst, 'no more requests once the engine is known to be down');
  assert.deepEqual(
    failed.map(([id]) => id),
    ['first', 'later'],
  );
  assert.match(failed[1]![1], /^not indexed: cannot reach the search engine .*gave up after 3 retries/);
});

test('a permanent request error (401) fails the batch with its message, without retries', async () => {
  const engine = fakeEngine(() => new EngineError('authentication failed (401)', 401, false));
  const { bulk, failed } = indexer(engine, { flushBytes: 1e6 });
  await bulk.add(doc('a'));
  await bulk.add(doc('b'));
  await bulk.close();
  assert.equal(engine.calls.length, 1);
  assert.deepEqual(failed, [
    ['a', 'authentication failed (401)'],
    ['b', 'authentication failed (401)'],
  ]);
});

test('failures are structured: status, error type, reason, the document, how often it was retried', async () => {
  let round = 0;
  const engine = fakeEngine((ids) => {
    round++;
    return {
      items: ids.map((id) =>
        id === 'full' ? { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } : id === 'bad' && round === 1
          ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse' } }
          : { status: 201, _id: id },
      ),
    };
  });
  const { bulk, failures } = indexer(engine, { flushBytes: 1e6, retries: 2 });
  for (const id of ['ok', 'bad', 'full']) await bulk.add(doc(id));
  await bulk.close();
  assert.deepEqual(
    failures.map((f) => ({ id: f.document.id, context: f.document.context, status: f.status, type: f.type, retried: f.retried })),
    [
      { id: 'bad', context: 'bad', status: 400, type: 'mapper_parsing_exception', retried: 0 },
      { id: 'full', context: 'full', status: 429, type: 'es_rejected_execution_exception', retried: 2 },
    ],
  );
  assert.match(failures[1]!.reason, /^not indexed after 2 retries: 429 es_rejected_execution_exception: queue full$/);
  // The body as sent, whether it failed in the first request or after being resent alone.
  assert.deepEqual(
    failures.map((f) => f.body),
    ['{"n":"bad"}', '{"n":"full"}'],
  );
});

test('batches are cut by the bytes actually sent, each document serialised once', async () => {
  const engine = fakeEngine(ok);
  const { bulk, acked } = indexer(engine, { flushBytes: 1000 });
  for (let i = 0; i < 100; i++) await bulk.add({ index: 'i', id: `d${i}`, body: { text: 'é'.repeat(40) }, context: `d${i}` });
  await bulk.close();
  assert.equal(acked.length, 100);
  // One document: {"index":{"_index":"i","_id":"dNN"}} + {"text":"éé…"} with 2-byte characters.
  const perDocument = Buffer.byteLength(`${JSON.stringify({ index: { _index: 'i', _id: 'd10' } })}\n${JSON.stringify({ text: 'é'.repeat(40) })}\n`);
  assert.ok(engine.bodies.every((bytes) => bytes <= 1000), `no body over flushBytes: ${engine.bodies.join(', ')}`);
  assert.ok(engine.bodies.slice(0, -1).every((bytes) => bytes > 1000 - perDocument - 2), 'full batches are full');
});

test('its own flush interval sends what waits in the buffer without a full batch', async () => {
  const engine = fakeEngine(ok);
  const { bulk, acked } = indexer(engine, { flushBytes: 1e6, flushIntervalMs: 20 });
  await bulk.add(doc('lonely'));
  await until('the timer to send it', () => acked.length === 1);
  assert.deepEqual(engine.calls, [['lonely']]);
  await bulk.close();
});

test('documents are sent byte for byte as serialised and in order, non-ASCII text included; one larger than flushBytes goes alone', async () => {
  const bodies: string[] = [];
  const engine = {
    async bulk(body: string) {
      bodies.push(body);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const ids = body.trimEnd().split('\n').filter((_, i) => i % 2 === 0);
      return { errors: false, items: ids.map(() => ({ index: { status: 201 } })) };
    },
  } as unknown as SearchEngine;
  const acked: string[] = [];
  const bulk = new BulkIndexer<string>(engine, { flushBytes: 200_000, concurrency: 2, retries: 0, onFail: () => assert.fail('nothing fails'), onAck: (docs) => acked.push(...docs.map((d) => d.id)) });
  const sent: BulkDocument<string>[] = [];
  for (let i = 0; i < 600; i++) {
    // Non-ASCII text: bytes and characters differ, as they do in real messages.
    const body = i === 250 ? { huge: 'x'.repeat(300_000) } : { n: i, text: `mémoire ${'é'.repeat(i % 500)} ✓` };
    sent.push({ index: 'i', id: `d${i}`, body, context: `d${i}` });
    await bulk.add(sent[i]!);
  }
  await bulk.close();
  assert.deepEqual(acked, sent.map((d) => d.id));
  const expected = sent.map((d) => `${JSON.stringify({ index: { _index: d.index, _id: d.id } })}\n${JSON.stringify(d.body)}\n`);
  assert.equal(bodies.join(''), expected.join(''), 'every byte sent, in order');
  const huge = bodies.find((b) => b.includes('"huge"'))!;
  assert.equal(huge, expected[250], 'the document over flushBytes goes alone');
  assert.ok(bodies.filter((b) => b !== huge).every((b) => Buffer.byteLength(b) <= 200_000), 'no other body over flushBytes');
});
