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

export interface BulkIndexerOptions<T> {
  flushBytes: number;
  concurrency: number;
  /** Attempts after the first for a request or document that failed transiently. */
  retries: number;
  /** First backoff; doubles per attempt (with jitter) up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** The engine confirmed these documents (for checkpoints). */
  onAck?(docs: BulkDocument<T>[]): void;
  /** A document that will not be indexed, with the reason. */
  onFail(doc: BulkDocument<T>, reason: string): void;
  /** Called before each retry, for diagnostics. */
  onRetry?(attempt: number, waitMs: number, reason: string): void;
  /**
   * Batch runs: once the engine stayed unreachable through every retry, fail later documents at
   * once (default). A live tail sets false: it waits for the engine, however long, and reading
   * stops meanwhile because add() does not return.
   */
  giveUp?: boolean;
}

interface Pending<T> {
  doc: BulkDocument<T>;
  bytes: number;
}

/**
 * Bulk indexing with the properties a shipper needs: flushes by bytes, a bounded number of
 * requests in flight (callers wait: backpressure), retries with exponential backoff and jitter on
 * connection errors, 429 and 5xx (the whole request, or just the documents that got them), and
 * every document either acknowledged or failed with its reason. Once the engine stays unreachable
 * through all retries, later documents fail at once with the same reason instead of each waiting
 * out the backoff again.
 */
export class BulkIndexer<T = unknown> {
  private buffer: Pending<T>[] = [];
  private bufferBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private unavailable: string | undefined;
  private readonly aborter = new AbortController();
  indexed = 0;
  failed = 0;
  retried = 0;

  constructor(
    private readonly engine: SearchEngine,
    private readonly options: BulkIndexerOptions<T>,
  ) {}

  /** Queues a document; resolves once there is room for more (await it: that is the backpressure). */
  async add(doc: BulkDocument<T>): Promise<void> {
    if (this.unavailable !== undefined) {
      this.fail(doc, this.unavailable);
      return;
    }
    const bytes = JSON.stringify(doc.body).length + doc.id.length + doc.index.length + 40;
    this.buffer.push({ doc, bytes });
    this.bufferBytes += bytes;
    if (this.bufferBytes >= this.options.flushBytes) await this.flush();
  }

  /** Sends what is buffered, waiting first if the maximum of requests is already in flight. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    while (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight);
    const batch = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    const request = this.send(batch.map((p) => p.doc)).finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
  }

  /** Stops retrying (shutdown): what is not confirmed yet is neither acknowledged nor failed. */
  abort(): void {
    this.aborter.abort();
  }

  /** Documents buffered or in flight, not yet confirmed or failed. */
  get buffered(): number {
    return this.buffer.length + this.sending;
  }

  /** Flushes and waits for every request to settle. */
  async close(): Promise<void> {
    await this.flush();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  private sending = 0;

  private async send(docs: BulkDocument<T>[]): Promise<void> {
    this.sending += docs.length;
    try {
      await this.sendWithRetries(docs);
    } finally {
      this.sending -= docs.length;
    }
  }

  private async sendWithRetries(docs: BulkDocument<T>[]): Promise<void> {
    let pending = docs;
    let lastReason = '';
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        if (attempt > this.options.retries) break;
        const wait = this.backoff(attempt);
        this.retried += pending.length;
        this.options.onRetry?.(attempt, wait, lastReason);
        try {
          await sleep(wait, undefined, { signal: this.aborter.signal });
        } catch {
          return; // aborted on shutdown: these documents stay unconfirmed, so no checkpoint passes them
        }
      }
      if (this.aborter.signal.aborted) return;
      if (this.unavailable !== undefined) {
        lastReason = this.unavailable;
        break;
      }
      const operations = pending.flatMap((d) => [{ index: { _index: d.index, _id: d.id } }, d.body]);
      let items: Record<string, BulkItem>[];
      try {
        ({ items } = await this.engine.bulk(operations));
      } catch (error) {
        if (error instanceof EngineError && error.transient) {
          lastReason = error.message;
          continue;
        }
        for (const doc of pending) this.fail(doc, (error as Error).message);
        return;
      }
      const retry: BulkDocument<T>[] = [];
      const acked: BulkDocument<T>[] = [];
      pending.forEach((doc, i) => {
        const item = items[i] ? Object.values(items[i]!)[0] : undefined;
        if (item && item.status >= 200 && item.status < 300) {
          acked.push(doc);
        } else if (item === undefined || item.status === 429 || item.status >= 500) {
          retry.push(doc);
          lastReason = describeItem(item);
        } else {
          this.fail(doc, describeItem(item));
        }
      });
      if (acked.length > 0) {
        this.indexed += acked.length;
        this.options.onAck?.(acked);
      }
      pending = retry;
    }
    if (pending.length === 0) return;
    if (/cannot reach/.test(lastReason) && this.options.giveUp !== false) this.unavailable = `not indexed: ${lastReason} (gave up after ${this.options.retries} retries)`;
    for (const doc of pending) this.fail(doc, this.unavailable ?? `not indexed after ${this.options.retries} retries: ${lastReason}`);
  }

  private fail(doc: BulkDocument<T>, reason: string): void {
    this.failed++;
    this.options.onFail(doc, reason);
  }

  private backoff(attempt: number): number {
    const base = this.options.backoffMs ?? 250;
    const ceiling = Math.min(this.options.maxBackoffMs ?? 8000, base * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }
}

function describeItem(item: BulkItem | undefined): string {
  if (item === undefined) return 'no result for this document in the bulk response';
  const error = item.error;
  return `${item.status}${error ? ` ${error.type ?? ''}${error.reason ? `: ${error.reason}` : ''}` : ''}`;
}
