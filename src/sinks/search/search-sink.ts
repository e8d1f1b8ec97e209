import type { Finding } from '../../classify/finding.js';
import type { DeadLetterEntry } from '../dead-letter.js';
import { BulkIndexer, type BulkDocument } from './bulk-indexer.js';
import type { Connection } from './connection.js';
import { findingDocument, traceDocument } from './documents.js';
import { connect, type SearchEngine } from './engine.js';
import { EngineError } from './errors.js';
import { summariesFromAggregation, TRACES_PER_QUERY, traceSummaryQuery } from './trace-summaries.js';
import { findingsIndex, TEMPLATE_VERSION, templatesFor, tracesIndex } from './templates.js';

export interface IndexResult {
  engine: string;
  url: string;
  indexed: number;
  failed: number;
  traces: number;
  /** Failures by reason, with how many documents each. */
  failures: { reason: string; count: number }[];
  /** From the end of reading to every finding acknowledged and searchable (flush + refresh). */
  searchable_after_ms: number;
  /** Deriving and indexing the trace summaries after that. */
  summaries_ms: number;
}

/** A finding on its way, with what to call once the engine has it (live tails move checkpoints). */
interface Outgoing {
  finding: Finding;
  confirmed?: () => void;
}

export interface SearchSinkHooks {
  /** A finding the engine did not take; the caller writes it to the dead-letter file. */
  notIndexed(entry: DeadLetterEntry): void;
  warn(message: string): void;
}

/** Installs the index templates unless the current version is there already. */
export async function installTemplates(engine: SearchEngine, prefix: string): Promise<void> {
  for (const [name, body] of Object.entries(templatesFor(prefix))) {
    const existing = (await engine.getIndexTemplate(name).catch(() => undefined)) as
      | { index_templates?: { index_template?: { version?: number } }[] }
      | undefined;
    if (existing?.index_templates?.[0]?.index_template?.version === TEMPLATE_VERSION) continue;
    await engine.putIndexTemplate(name, body);
  }
}

/**
 * `--index`: findings go to <prefix>-findings as they are found (their deterministic id is the
 * document id, so indexing the same input twice changes no count), then the summaries of the
 * traces this run touched are derived from everything indexed and written to <prefix>-traces.
 */
export class SearchSink {
  private readonly touched = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly indexedAt = new Date().toISOString();
  private traces = 0;

  private readonly indexer: BulkIndexer<Outgoing> | undefined;

  private constructor(
    private readonly connection: Connection,
    private readonly engine: SearchEngine | undefined,
    private readonly unavailable: string | undefined,
    private readonly hooks: SearchSinkHooks,
    live: boolean,
  ) {
    this.indexer = engine
      ? new BulkIndexer<Outgoing>(engine, {
          flushBytes: connection.flushBytes,
          concurrency: connection.concurrency,
          retries: live ? Number.POSITIVE_INFINITY : connection.retries,
          maxBackoffMs: live ? 30_000 : 8_000,
          giveUp: !live,
          onAck: (docs) => {
            for (const doc of docs) doc.context.confirmed?.();
          },
          onFail: (doc, reason) => {
            this.notIndexed(doc.context.finding, reason);
            // A rejected document is reported and dead-lettered; holding its checkpoint would stall the file.
            doc.context.confirmed?.();
          },
          onRetry: (attempt, wait, reason) => hooks.warn(`retry ${attempt} in ${wait} ms: ${reason}`),
        })
      : undefined;
  }

  /**
   * Connects and installs the templates. A batch run that cannot reach the engine still scans and
   * dead-letters every finding; a live tail (given a stop `signal`) keeps trying, with backoff,
   * until it can or until it is told to stop.
   */
  static async open(connection: Connection, hooks: SearchSinkHooks, signal?: AbortSignal): Promise<SearchSink> {
    const live = signal !== undefined;
    for (let attempt = 1; ; attempt++) {
      let engine: SearchEngine | undefined;
      try {
        engine = await connect(connection);
        await installTemplates(engine, connection.prefix);
        return new SearchSink(connection, engine, undefined, hooks, live);
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        await engine?.close();
        hooks.warn(error.message);
        if (!live || !error.transient) {
          // The scan still runs and reports; every finding goes to the dead-letter file instead.
          return new SearchSink(connection, undefined, `not indexed: ${error.message}`, hooks, live);
        }
        const wait = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
        hooks.warn(`waiting ${Math.round(wait / 1000)} s for the search engine`);
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, wait);
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve(undefined);
            },
            { once: true },
          );
        });
        if (signal.aborted) return new SearchSink(connection, undefined, 'not indexed: stopped while waiting for the engine', hooks, live);
      }
    }
  }

  get kind(): string {
    return this.engine ? `${this.engine.kind} ${this.engine.version}` : 'unreachable';
  }

  /** Queues a finding; resolves when there is room for more. `confirmed` runs once the engine has it. */
  async add(finding: Finding, confirmed?: () => void): Promise<void> {
    if (this.indexer === undefined) {
      this.notIndexed(finding, this.unavailable ?? 'not indexed');
      confirmed?.();
      return;
    }
    if (finding.trace_id !== null) this.touched.add(finding.trace_id);
    const doc: BulkDocument<Outgoing> = {
      index: findingsIndex(this.connection.prefix),
      id: finding.id,
      body: findingDocument(finding, this.indexedAt),
      context: { finding, confirmed },
    };
    await this.indexer.add(doc);
  }

  /** Sends what is buffered now (a live tail calls this on a timer, so quiet periods are not held back). */
  async flush(): Promise<void> {
    await this.indexer?.flush();
  }

  get buffered(): number {
    return this.indexer?.buffered ?? 0;
  }

  /** Re-derives the summaries of the traces touched since the last call (a live tail's timer). */
  async updateSummaries(): Promise<void> {
    if (!this.engine) return;
    try {
      await this.engine.refresh(findingsIndex(this.connection.prefix));
      await this.writeTraceSummaries(this.engine);
      this.touched.clear();
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      this.hooks.warn(`trace summaries not updated yet: ${error.message}`);
    }
  }

  /**
   * A live tail on its way out: up to `drainMs` for the engine to confirm what is in flight (what
   * it does not confirm stays uncheckpointed), up to `summariesMs` to refresh the trace summaries,
   * then the connections are closed.
   */
  async shutdown(drainMs: number, summariesMs: number): Promise<void> {
    if (this.indexer) {
      await settleWithin(this.indexer.close(), drainMs);
      this.indexer.abort();
      await settleWithin(this.updateSummaries(), summariesMs);
    }
    await this.close();
  }

  /** Closes the client's connections. */
  async close(): Promise<void> {
    await this.engine?.close();
  }

  /** Flushes findings, then (re)derives and indexes the summaries of every trace this run touched. */
  async finish(): Promise<IndexResult> {
    const finishing = performance.now();
    let searchable = finishing;
    if (this.engine && this.indexer) {
      await this.indexer.close();
      try {
        await this.engine.refresh(findingsIndex(this.connection.prefix));
        searchable = performance.now();
        await this.writeTraceSummaries(this.engine);
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        this.countFailure(`trace summaries: ${error.message}`, this.touched.size);
      }
      await this.engine.close();
    }
    return {
      engine: this.kind,
      url: this.connection.url,
      indexed: this.indexer?.indexed ?? 0,
      failed: [...this.failures.values()].reduce((a, b) => a + b, 0),
      traces: this.traces,
      failures: [...this.failures].map(([reason, count]) => ({ reason, count })),
      searchable_after_ms: Math.round(searchable - finishing),
      summaries_ms: Math.round(performance.now() - searchable),
    };
  }

  private async writeTraceSummaries(engine: SearchEngine): Promise<void> {
    if (this.touched.size === 0) return;
    const traceWriter = new BulkIndexer<string>(engine, {
      flushBytes: this.connection.flushBytes,
      concurrency: this.connection.concurrency,
      retries: this.connection.retries,
      onFail: (_doc, reason) => this.countFailure(`trace summary: ${reason}`),
    });
    const updatedAt = new Date().toISOString();
    const ids = [...this.touched];
    for (let i = 0; i < ids.length; i += TRACES_PER_QUERY) {
      const result = await engine.search(findingsIndex(this.connection.prefix), traceSummaryQuery(ids.slice(i, i + TRACES_PER_QUERY)));
      for (const summary of summariesFromAggregation(result.aggregations)) {
        await traceWriter.add({
          index: tracesIndex(this.connection.prefix),
          id: summary.trace_id,
          body: traceDocument(summary, updatedAt),
          context: summary.trace_id,
        });
      }
    }
    await traceWriter.close();
    this.traces = traceWriter.indexed;
    await engine.refresh(tracesIndex(this.connection.prefix));
  }

  private countFailure(reason: string, documents = 1): void {
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + documents);
  }

  private notIndexed(finding: Finding, reason: string): void {
    this.countFailure(reason);
    this.hooks.notIndexed({
      file: finding.source.file,
      line: finding.source.line,
      offset: finding.source.offset,
      kind: 'not_indexed',
      reason,
      raw: JSON.stringify(findingDocument(finding, this.indexedAt)),
      finding_id: finding.id,
    });
  }
}

/** Waits for the promise, but no longer than `ms`; the timer never outlives the wait. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
