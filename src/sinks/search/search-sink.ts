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

  private readonly indexer: BulkIndexer<Finding> | undefined;

  private constructor(
    private readonly connection: Connection,
    private readonly engine: SearchEngine | undefined,
    private readonly unavailable: string | undefined,
    private readonly hooks: SearchSinkHooks,
  ) {
    this.indexer = engine
      ? new BulkIndexer<Finding>(engine, {
          flushBytes: connection.flushBytes,
          concurrency: connection.concurrency,
          retries: connection.retries,
          onFail: (doc, reason) => this.notIndexed(doc.context, reason),
          onRetry: (attempt, wait, reason) => hooks.warn(`retry ${attempt} in ${wait} ms: ${reason}`),
        })
      : undefined;
  }

  static async open(connection: Connection, hooks: SearchSinkHooks): Promise<SearchSink> {
    let engine: SearchEngine | undefined;
    try {
      engine = await connect(connection);
      await installTemplates(engine, connection.prefix);
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      await engine?.close();
      // The scan still runs and reports; every finding goes to the dead-letter file instead.
      hooks.warn(error.message);
      return new SearchSink(connection, undefined, `not indexed: ${error.message}`, hooks);
    }
    return new SearchSink(connection, engine, undefined, hooks);
  }

  get kind(): string {
    return this.engine ? `${this.engine.kind} ${this.engine.version}` : 'unreachable';
  }

  async add(finding: Finding): Promise<void> {
    if (this.indexer === undefined) {
      this.notIndexed(finding, this.unavailable ?? 'not indexed');
      return;
    }
    if (finding.trace_id !== null) this.touched.add(finding.trace_id);
    const doc: BulkDocument<Finding> = {
      index: findingsIndex(this.connection.prefix),
      id: finding.id,
      body: findingDocument(finding, this.indexedAt),
      context: finding,
    };
    await this.indexer.add(doc);
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
        this.failures.set(`trace summaries: ${error.message}`, this.touched.size);
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
      onFail: (doc, reason) => this.failures.set(`trace summary: ${reason}`, (this.failures.get(`trace summary: ${reason}`) ?? 0) + 1),
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

  private notIndexed(finding: Finding, reason: string): void {
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
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
