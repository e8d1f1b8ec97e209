import { setTimeout as sleep } from 'node:timers/promises';
import type { BulkItem, SearchEngine } from './engine.js';
import { EngineError } from './errors.js';

export interface BulkDocument<T = unknown> {
  index: string;
  id: string;
  body: object;
  /** Carried through to the callbacks (the finding, say, for the dead-letter file). */
  context: T;
}

/** A document once queued: its body is kept only as the serialised lines sent, not as its object graph. */
export type QueuedDocument<T = unknown> = Omit<BulkDocument<T>, 'body'>;

/** A document that will not be indexed, and why, as the engine (or the connection) said. */
export interface BulkFailure<T = unknown> {
  document: QueuedDocument<T>;
  /** The document's body as it was sent (JSON). */
  body: string;
  /** The HTTP status of the document's bulk item, or of the whole request; undefined when the engine was not reached. */
  status: number | undefined;
  /** The engine's error type (`mapper_parsing_exception`, `cluster_block_exception`…), or `unreachable`. */
  type: string;
  reason: string;
  /** How many times it was retried before giving up. */
  retried: number;
}

export interface BulkIndexerOptions<T> {
  /** A request is sent once its body reaches this many bytes. */
  flushBytes: number;
  concurrency: number;
  /** Attempts after the first for a request or document that failed transiently. */
  retries: number;
  /** First backoff; doubles per attempt (with jitter) up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Sends what is buffered when nothing was sent for this long (live runs: quiet periods are not held back). */
  flushIntervalMs?: number;
  /** The engine confirmed these documents (for checkpoints). */
  onAck?(docs: QueuedDocument<T>[]): void;
  /** A document that will not be indexed. */
  onFail(failure: BulkFailure<T>): void;
  /** Called before each retry, for diagnostics. */
  onRetry?(attempt: number, waitMs: number, reason: string): void;
  /**
   * Batch runs: once the engine stayed unreachable through every retry, fail later documents at
   * once (default). A live tail sets false: it waits for the engine, however long, and reading
   * stops meanwhile because add() does not return.
   */
  giveUp?: boolean;
}

/** A document serialised once, as the two NDJSON lines it is sent as. */
interface Pending<T> {
  doc: QueuedDocument<T>;
  lines: string;
  /** Where the body starts in `lines` (after the action line). */
  bodyAt: number;
  bytes: number;
  retried: number;
}

interface LastError {
  status: number | undefined;
  type: string;
  reason: string;
}

/**
 * Bulk indexing with the properties a shipper needs: each document is serialised once and
 * batches are cut by the bytes actually sent; a bounded number of requests in flight (callers
 * wait: backpressure); retries with exponential backoff and jitter on connection errors, 429 and
 * 5xx (the whole request, or just the documents that got them); every document either
 * acknowledged or failed with a structured reason. Once the engine stays unreachable through all
 * retries, later documents fail at once instead of each waiting out the backoff again.
 */
export class BulkIndexer<T = unknown> {
  private buffer: Pending<T>[] = [];
  private bufferBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private unavailable: LastError | undefined;
  private readonly aborter = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private lastSent = Date.now();
  private sending = 0;
  indexed = 0;
  failed = 0;
  retried = 0;
  /** Bytes of request bodies sent, retries included. */
  bytesSent = 0;

  constructor(
    private readonly engine: SearchEngine,
    private readonly options: BulkIndexerOptions<T>,
  ) {
    const every = options.flushIntervalMs;
    if (every !== undefined) {
      this.timer = setInterval(() => {
        if (this.buffer.length > 0 && Date.now() - this.lastSent >= every && this.inFlight.size < this.options.concurrency) {
          this.flush().catch(() => undefined); // flush never rejects: failures go to onFail
        }
      }, every);
      this.timer.unref();
    }
  }

  /** Queues a document; resolves once there is room for more (await it: that is the backpressure). */
  async add(doc: BulkDocument<T>): Promise<void> {
    // The same bytes as JSON.stringify({ index: { _index, _id } }), without building the object per document.
    const action = `{"index":{"_index":${JSON.stringify(doc.index)},"_id":${JSON.stringify(doc.id)}}}\n`;
    const lines = `${action}${JSON.stringify(doc.body)}\n`;
    const queued: Pending<T> = { doc: { index: doc.index, id: doc.id, context: doc.context }, lines, bodyAt: action.length, bytes: 0, retried: 0 };
    if (this.unavailable !== undefined) {
      this.fail(queued, this.unavailable);
      return;
    }
    queued.bytes = Buffer.byteLength(lines);
    this.buffer.push(queued);
    this.bufferBytes += queued.bytes;
    if (this.bufferBytes >= this.options.flushBytes) await this.sendBuffered(false);
  }

  /** Sends everything buffered, waiting first if the maximum of requests is already in flight. */
  async flush(): Promise<void> {
    await this.sendBuffered(true);
  }

  /** Full batches only, unless `all`: a partial batch waits for more documents (or the timer, or close). */
  private async sendBuffered(all: boolean): Promise<void> {
    while (this.buffer.length > 0 && (all || this.bufferBytes >= this.options.flushBytes)) {
      while (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight);
      if (this.buffer.length === 0) return;
      const batch = this.takeBatch();
      const request = this.send(batch).finally(() => this.inFlight.delete(request));
      this.inFlight.add(request);
    }
  }

  /** Stops retrying (shutdown): what is not confirmed yet is neither acknowledged nor failed. */
  abort(): void {
    this.aborter.abort();
    clearInterval(this.timer);
  }

  /** Documents buffered or in flight, not yet confirmed or failed. */
  get buffered(): number {
    return this.buffer.length + this.sending;
  }

  /** Flushes and waits for every request to settle. */
  async close(): Promise<void> {
    await this.flush();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    clearInterval(this.timer);
  }

  /** Up to flushBytes of buffered documents (at least one), in order. */
  private takeBatch(): Pending<T>[] {
    let bytes = 0;
    let count = 0;
    while (count < this.buffer.length && (count === 0 || bytes + this.buffer[count]!.bytes <= this.options.flushBytes)) {
      bytes += this.buffer[count]!.bytes;
      count++;
    }
    const batch = this.buffer.splice(0, count);
    this.bufferBytes -= bytes;
    return batch;
  }

  private async send(batch: Pending<T>[]): Promise<void> {
    this.sending += batch.length;
    this.lastSent = Date.now();
    try {
      await this.sendWithRetries(batch);
    } finally {
      this.sending -= batch.length;
    }
  }

  private async sendWithRetries(batch: Pending<T>[]): Promise<void> {
    let pending = batch;
    let last: LastError = { status: undefined, type: 'unknown', reason: 'not sent' };
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        if (attempt > this.options.retries) break;
        const wait = this.backoff(attempt);
        this.retried += pending.length;
        for (const p of pending) p.retried++;
        this.options.onRetry?.(attempt, wait, last.reason);
        try {
          await sleep(wait, undefined, { signal: this.aborter.signal });
        } catch {
          return; // aborted on shutdown: these documents stay unconfirmed, so no checkpoint passes them
        }
      }
      if (this.aborter.signal.aborted) return;
      if (this.unavailable !== undefined) {
        last = this.unavailable;
        break;
      }
      // A string: a Buffer body left a live tail's retries hung after the connection to the engine
      // was dropped and came back (test/engine/tail-index.test.ts), where a string does not.
      const body = pending.map((p) => p.lines).join('');
      // Each document's lines become a slice of the body (V8 keeps a reference, not a copy): in
      // flight, a document's text is held once, in the request, instead of twice.
      let at = 0;
      for (const p of pending) {
        const length = p.lines.length;
        p.lines = body.slice(at, at + length);
        at += length;
      }
      this.bytesSent += Buffer.byteLength(body);
      let items: Record<string, BulkItem>[];
      try {
        ({ items } = await this.engine.bulk(body));
      } catch (error) {
        if (error instanceof EngineError && error.transient) {
          last = { status: error.status, type: error.status === undefined ? 'unreachable' : 'http_error', reason: error.message };
          continue;
        }
        const failure = { status: error instanceof EngineError ? error.status : undefined, type: 'request_failed', reason: (error as Error).message };
        for (const p of pending) this.fail(p, failure);
        return;
      }
      const retry: Pending<T>[] = [];
      const acked: QueuedDocument<T>[] = [];
      pending.forEach((p, i) => {
        const item = items[i] ? Object.values(items[i])[0] : undefined;
        if (item && item.status >= 200 && item.status < 300) {
          acked.push(p.doc);
        } else if (item === undefined || item.status === 429 || item.status >= 500) {
          retry.push(p);
          last = describeItem(item);
        } else {
          this.fail(p, describeItem(item));
        }
      });
      if (acked.length > 0) {
        this.indexed += acked.length;
        this.options.onAck?.(acked);
      }
      pending = retry;
    }
    if (pending.length === 0) return;
    if (last.type === 'unreachable' && this.options.giveUp !== false) {
      this.unavailable = { ...last, reason: `not indexed: ${last.reason} (gave up after ${this.options.retries} retries)` };
    }
    const final = this.unavailable ?? { ...last, reason: `not indexed after ${this.options.retries} retries: ${last.reason}` };
    for (const p of pending) this.fail(p, final);
  }

  private fail(pending: Pending<T>, error: LastError): void {
    this.failed++;
    const body = pending.lines.slice(pending.bodyAt, -1);
    this.options.onFail({ document: pending.doc, body, status: error.status, type: error.type, reason: error.reason, retried: pending.retried });
  }

  private backoff(attempt: number): number {
    const base = this.options.backoffMs ?? 250;
    const ceiling = Math.min(this.options.maxBackoffMs ?? 8000, base * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }
}

function describeItem(item: BulkItem | undefined): LastError {
  if (item === undefined) return { status: undefined, type: 'missing_item', reason: 'no result for this document in the bulk response' };
  const error = item.error;
  const type = error?.type ?? 'http_error';
  return { status: item.status, type, reason: `${item.status}${error ? ` ${error.type ?? ''}${error.reason ? `: ${error.reason}` : ''}` : ''}` };
}
