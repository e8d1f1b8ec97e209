import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Finding } from '../../classify/finding.js';
import { KINDS } from '../../classify/registry.js';
import type { SeriesSummary, Verdict } from '../../classify/trends/summary.js';
import type { LogRecord } from '../../parse/record.js';
import type { LiveProbe } from '../sink.js';
import { clip, LabelCap, OTHER } from './cardinality.js';

/** How many distinct label values (or host and service pairs) each dimension keeps before `_other`. */
export interface LabelLimits {
  /** host and service pairs: the memory gauges, the trend, the findings counter. */
  series: number;
  /** hosts of the request and response size histograms. */
  hosts: number;
  /** followed files of memtrail_file_lag_bytes. */
  files: number;
  /** reasons of memtrail_bulk_failures_total. */
  reasons: number;
}

export const DEFAULT_LIMITS: LabelLimits = { series: 500, hosts: 200, files: 500, reasons: 50 };

export interface MetricsOptions {
  limits?: Partial<LabelLimits>;
  /** prom-client's default Node process metrics (process_*, nodejs_*); default on. */
  processMetrics?: boolean;
  /** A diagnostic for people (said once per kind of problem). */
  warn?(message: string): void;
}

/** Sizes of requests and responses: around the 1 MiB oversized threshold, 256 B to 64 MiB. */
export const SIZE_BUCKETS = [256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

const VERDICTS: readonly Verdict[] = ['growing', 'stable', 'not_enough_data'];
/** For a pair with several series (process lanes, or `_other`): the worst verdict wins. */
const VERDICT_RANK: Record<Verdict, number> = { not_enough_data: 0, stable: 1, growing: 2 };
const BAD_KINDS = ['malformed', 'invalid', 'poisoned'];
const PAIR = ['host', 'service'] as const;

type Pair = { host: string; service: string };

/**
 * memtrail's Prometheus metrics (prom-client, one Registry per run): the memory state the logs
 * tell (fed record by record and finding by finding), and the pipeline's own state (read from
 * the live run's probe when scraped).
 */
export class MemtrailMetrics {
  readonly registry = new Registry();
  readonly limits: LabelLimits;
  private readonly pairs: LabelCap;
  private readonly hosts: LabelCap;
  private readonly files: LabelCap;
  private readonly reasons: LabelCap;
  /** Per host and service kept (and `_other`): the time of the record the memory gauges hold. */
  private readonly memoryAt = new Map<string, number>();
  private readonly warned = new Set<string>();
  /** Whether the `_other` pair's findings counters were started at 0. */
  private otherZeroed = false;

  private readonly usedBytes: Gauge<'host' | 'service'>;
  private readonly limitBytes: Gauge<'host' | 'service'>;
  private readonly usageRatio: Gauge<'host' | 'service'>;
  private readonly swapBytes: Gauge<'host' | 'service'>;
  private readonly growth: Gauge<'host' | 'service'>;
  private readonly trend: Gauge<'host' | 'service' | 'verdict'>;
  private readonly findings: Counter<'kind' | 'severity' | 'host' | 'service'>;
  private readonly requestSize: Histogram<'host'>;
  private readonly responseSize: Histogram<'host'>;
  private readonly linesRead: Counter;
  private readonly badLines: Counter<'kind'>;
  private readonly filesFollowed: Gauge;
  private readonly fileLag: Gauge<'file'>;
  private readonly waiting: Gauge;
  private checkpointAge: Gauge | undefined;
  private engineUp: Gauge | undefined;
  private bulkFailures: Counter<'reason'> | undefined;

  constructor(private readonly options: MetricsOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.pairs = new LabelCap(this.limits.series);
    this.hosts = new LabelCap(this.limits.hosts);
    this.files = new LabelCap(this.limits.files);
    this.reasons = new LabelCap(this.limits.reasons);
    const registers = [this.registry];

    this.usedBytes = new Gauge({ name: 'memtrail_memory_used_bytes', help: 'Memory used, as last logged by the host and service (memory_used_bytes).', labelNames: PAIR, registers });
    this.limitBytes = new Gauge({ name: 'memtrail_memory_limit_bytes', help: 'Memory limit, as last logged by the host and service (memory_limit_bytes).', labelNames: PAIR, registers });
    this.usageRatio = new Gauge({
      name: 'memtrail_memory_usage_ratio',
      help: 'Memory usage (0..1) last logged by the host and service: memory_usage_percent / 100, else memory_used_bytes / memory_limit_bytes.',
      labelNames: PAIR,
      registers,
    });
    this.swapBytes = new Gauge({ name: 'memtrail_swap_used_bytes', help: 'Swap used, as last logged by the host and service (swap_used_bytes).', labelNames: PAIR, registers });
    this.growth = new Gauge({
      name: 'memtrail_memory_growth_bytes_per_second',
      help: "Memory growth rate memtrail's trend detector measures for the host and service (log time, restarts split), bytes per second.",
      labelNames: PAIR,
      registers,
    });
    this.trend = new Gauge({
      name: 'memtrail_memory_trend',
      help: "The trend detector's verdict on the host and service's memory: 1 for the current verdict, 0 for the others.",
      labelNames: [...PAIR, 'verdict'],
      registers,
    });
    this.findings = new Counter({ name: 'memtrail_findings_total', help: 'Findings made, by kind, severity, host and service.', labelNames: ['kind', 'severity', ...PAIR], registers });
    this.requestSize = new Histogram({ name: 'memtrail_request_size_bytes', help: 'Request sizes logged (request_size_bytes), by host.', labelNames: ['host'], buckets: SIZE_BUCKETS, registers });
    this.responseSize = new Histogram({ name: 'memtrail_response_size_bytes', help: 'Response sizes logged (response_size_bytes), by host.', labelNames: ['host'], buckets: SIZE_BUCKETS, registers });
    this.linesRead = new Counter({ name: 'memtrail_lines_read_total', help: 'Lines read from the followed files.', registers });
    this.badLines = new Counter({ name: 'memtrail_bad_lines_total', help: 'Lines that did not become a record, by kind (malformed, invalid, poisoned).', labelNames: ['kind'], registers });
    this.filesFollowed = new Gauge({ name: 'memtrail_files_followed', help: 'Files followed now.', registers });
    this.fileLag = new Gauge({ name: 'memtrail_file_lag_bytes', help: 'Bytes written to a followed file and not read yet.', labelNames: ['file'], registers });
    this.waiting = new Gauge({ name: 'memtrail_findings_waiting', help: 'Findings read and not yet confirmed by every output (they hold the checkpoint back).', registers });
    const caps = { host_service: this.pairs, host: this.hosts, file: this.files, reason: this.reasons };
    new Counter({
      name: 'memtrail_label_overflows_total',
      help: 'Values folded into the "_other" label value because their dimension reached its cap.',
      labelNames: ['dimension'],
      registers,
      collect() {
        this.reset();
        for (const [dimension, cap] of Object.entries(caps)) this.inc({ dimension }, cap.overflows);
      },
    });
    for (const kind of BAD_KINDS) this.badLines.inc({ kind }, 0);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The exposition, with the pipeline's state read from the probe first (undefined until the run starts). */
  async exposition(probe: LiveProbe | undefined): Promise<string> {
    if (probe) await this.refresh(probe);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** A record as read: its memory numbers and payload sizes. */
  record(record: LogRecord): void {
    if (record.request_bytes !== undefined) this.requestSize.observe(this.hostLabels(record.host), record.request_bytes);
    if (record.response_bytes !== undefined) this.responseSize.observe(this.hostLabels(record.host), record.response_bytes);
    const { usage_percent, used_bytes, limit_bytes, swap_bytes } = record;
    // The usage the classification reads: the logged percentage, else used / limit.
    const ratio = usage_percent !== undefined ? usage_percent / 100 : used_bytes !== undefined && limit_bytes ? used_bytes / limit_bytes : undefined;
    if (ratio === undefined && used_bytes === undefined && limit_bytes === undefined && swap_bytes === undefined) return;
    const labels = this.pairLabels(record.host, record.service);
    // The gauges hold the latest record by its time: a file read late (a rotated one) does not roll them back.
    const key = pairKey(labels);
    const at = this.memoryAt.get(key);
    if (record.timestamp !== null) {
      if (at !== undefined && record.timestamp < at) return;
      this.memoryAt.set(key, record.timestamp);
    }
    if (ratio !== undefined && Number.isFinite(ratio)) this.usageRatio.set(labels, ratio);
    if (used_bytes !== undefined) this.usedBytes.set(labels, used_bytes);
    if (limit_bytes !== undefined) this.limitBytes.set(labels, limit_bytes);
    if (swap_bytes !== undefined) this.swapBytes.set(labels, swap_bytes);
  }

  finding(finding: Finding): void {
    this.findings.inc({ kind: finding.kind, severity: finding.severity, ...this.pairLabels(finding.host, finding.service) });
  }

  /** The pipeline's state, the trends and the other outputs' health, as the probe says now. */
  async refresh(probe: LiveProbe): Promise<void> {
    const status = await probe.status();
    this.linesRead.reset();
    this.linesRead.inc(status.linesRead);
    this.badLines.reset();
    for (const kind of new Set([...BAD_KINDS, ...Object.keys(status.bad)])) this.badLines.inc({ kind }, status.bad[kind] ?? 0);
    this.filesFollowed.set(status.files.length);
    this.fileLag.reset();
    const lag = new Map<string, number>();
    for (const file of status.files) {
      const name = this.files.admit(clip(file.path)) ? clip(file.path) : OTHER;
      lag.set(name, (lag.get(name) ?? 0) + file.lagBytes);
    }
    for (const [file, bytes] of lag) this.fileLag.set({ file }, bytes);
    this.waiting.set(status.waiting);
    if (status.lastCheckpoint !== undefined) {
      this.checkpointAge ??= new Gauge({ name: 'memtrail_checkpoint_age_seconds', help: 'Seconds since the checkpoint file was last written.', registers: [this.registry] });
      this.checkpointAge.set(Math.max(0, (Date.now() - status.lastCheckpoint) / 1000));
    }
    this.trends(probe);
    this.outputs(probe);
  }

  /** Growth rate and verdict per host and service (of the memory series; several process lanes: the worst). */
  private trends(probe: LiveProbe): void {
    let series: SeriesSummary[];
    try {
      series = probe.series();
    } catch (error) {
      this.warnOnce('series', `metrics: the memory trends cannot be read: ${(error as Error).message}`);
      return;
    }
    const byPair = new Map<string, { labels: Pair; growth: number | undefined; verdict: Verdict }>();
    for (const s of series) {
      if (s.measure !== 'memory_used_bytes') continue;
      const labels = this.pairLabels(s.host, s.service);
      const key = pairKey(labels);
      const entry = byPair.get(key) ?? { labels, growth: undefined, verdict: 'not_enough_data' as Verdict };
      if (s.growth_bytes_per_second !== null) entry.growth = Math.max(entry.growth ?? -Infinity, s.growth_bytes_per_second);
      if (VERDICT_RANK[s.verdict] > VERDICT_RANK[entry.verdict]) entry.verdict = s.verdict;
      byPair.set(key, entry);
    }
    this.growth.reset();
    this.trend.reset();
    for (const { labels, growth, verdict } of byPair.values()) {
      if (growth !== undefined) this.growth.set(labels, growth);
      for (const v of VERDICTS) this.trend.set({ ...labels, verdict: v }, v === verdict ? 1 : 0);
    }
  }

  /** The search engine's health and its deliveries that failed for good (only with --index). */
  private outputs(probe: LiveProbe): void {
    const search = probe.sinks().find((s) => s.name === 'search');
    if (!search) return;
    this.engineUp ??= new Gauge({ name: 'memtrail_engine_up', help: 'Whether the search engine (--index) takes documents: 1 or 0.', registers: [this.registry] });
    this.engineUp.set(search.health.up ? 1 : 0);
    this.bulkFailures ??= new Counter({
      name: 'memtrail_bulk_failures_total',
      help: 'Documents the search engine did not take for good, by reason.',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.bulkFailures.reset();
    const totals = new Map<string, number>();
    for (const [reason, count] of Object.entries(search.health.failures ?? {})) {
      const label = this.reasons.admit(clip(reason)) ? clip(reason) : OTHER;
      totals.set(label, (totals.get(label) ?? 0) + count);
    }
    for (const [reason, count] of totals) this.bulkFailures.inc({ reason }, count);
  }

  /** host and service as labels, or `_other` for both past the cap. A pair kept for the first time starts its findings counters at 0. */
  private pairLabels(host: string | null | undefined, service: string | null | undefined): Pair {
    const labels = { host: clip(host), service: clip(service) };
    if (this.pairs.admit(pairKey(labels), () => this.zeroFindings(labels))) return labels;
    const other = { host: OTHER, service: OTHER };
    if (!this.otherZeroed) {
      this.otherZeroed = true;
      this.zeroFindings(other);
    }
    return other;
  }

  /** Every kind and severity at 0, so the first finding of a host is an increase Prometheus sees (rate(), increase()). */
  private zeroFindings(labels: Pair): void {
    for (const kind of KINDS) for (const severity of kind.severities) this.findings.inc({ kind: kind.name, severity, ...labels }, 0);
  }

  private hostLabels(host: string | undefined): { host: string } {
    const label = clip(host);
    return { host: this.hosts.admit(label) ? label : OTHER };
  }

  private warnOnce(what: string, message: string): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    this.options.warn?.(message);
  }
}

const pairKey = (labels: Pair) => `${labels.host}\u0000${labels.service}`;
