/**
 * A deterministic (seeded) generator of realistic application logs in the runbook's shape:
 * request traffic with trace ids, periodic memory samples, memory ramps that end in restarts,
 * oversized payloads and a share of malformed lines. It counts what it writes by construction
 * (not by running memtrail's rules), so tests and the benchmark can check a scan against it.
 *
 * Every log of four records or more shows each kind it can plant (`PLANTED_KINDS`) at least once:
 * at evenly spread positions, a kind that has not occurred yet is planted (a spike, a large
 * request, a kernel OOM kill), so a 500-record sample shows what a million-record one does.
 */
import type { FindingKind } from '../classify/finding.js';
import { emptyCounts } from '../classify/registry.js';

export interface GenerateOptions {
  records: number;
  seed: number;
  /** Share of lines that are broken: half malformed (not JSON), a quarter invalid records, a quarter records without a time. */
  badRate: number;
  start: number;
  hosts: number;
  /** Records between two memory samples. */
  sampleEvery: number;
  /** Share of requests with a payload over 1 MiB. */
  oversizedRate: number;
  /** Plant each kind that has not occurred by its position (false: only what the traffic gives by itself). */
  plant: boolean;
}

export const GENERATE_DEFAULTS: GenerateOptions = {
  records: 10_000,
  seed: 42,
  badRate: 0.0003,
  /** Programmatic default; the CLI ends the log at the current time unless --start is given. */
  start: Date.parse('2025-12-29T11:00:00.000Z'),
  hosts: 1,
  sampleEvery: 200,
  oversizedRate: 0.002,
  plant: true,
};

export interface Manifest {
  lines: number;
  records: number;
  malformed: number;
  invalid: number;
  /** Records written without a time (still records: memtrail reads them, placed by position). */
  untimed: number;
  /** Per registered finding kind (the registry's order), so the manifest reads like a scan's stats. */
  findings: Record<FindingKind, number>;
  /** Distinct trace ids that carry at least one finding. */
  traces_with_findings: number;
  restarts: number;
}

/** The finding kinds the generator plants when they have not occurred by their position. */
export const PLANTED_KINDS = ['memory_warning', 'memory_critical', 'oversized_payload', 'oom_kill'] as const satisfies readonly FindingKind[];
type PlantedKind = (typeof PLANTED_KINDS)[number];

/** Where each planted kind goes: evenly spread over the log, one position each (as far as the log is long enough). */
function plantingPositions(records: number): Map<number, PlantedKind> {
  const positions = new Map<number, PlantedKind>();
  PLANTED_KINDS.forEach((kind, j) => {
    let at = Math.floor(((j + 1) * records) / (PLANTED_KINDS.length + 1));
    while (positions.has(at)) at++;
    if (at < records) positions.set(at, kind);
  });
  return positions;
}

/** Milliseconds between two records: drawn from their own sequence, so a log's span is known before it is written. */
const step = (clock: () => number) => 1 + Math.floor(clock() * 20);
const clockSeed = (seed: number) => seed ^ 0x5bd1e995;

/** How long a log of these options spans, first record to last (its timestamps are start + this at the end). */
export function generatedSpanMs(options: Pick<GenerateOptions, 'records' | 'seed'>): number {
  const clock = prng(clockSeed(options.seed));
  let span = 0;
  for (let i = 0; i < options.records; i++) {
    const elapsed = step(clock);
    if (i > 0) span += elapsed;
  }
  return span;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPERATIONS = ['GetUser', 'ListOrders', 'CreateOrder', 'SearchProducts', 'UpdateCart', 'ExportReport', 'GetInventory'];
const LIMIT = 2147483648;
const MIB = 1048576;

interface Request {
  trace: string;
  operation: string;
  queries: number;
  oversized: 'request' | 'response' | null;
}

export class LogGenerator {
  readonly manifest: Manifest = {
    lines: 0,
    records: 0,
    malformed: 0,
    invalid: 0,
    untimed: 0,
    findings: emptyCounts(),
    traces_with_findings: 0,
    restarts: 0,
  };
  private readonly random: () => number;
  private readonly clock: () => number;
  private now: number;
  private usage = 0.45;
  private ramp = 0;
  /** The long-running request blamed for the current memory ramp. */
  private culprit: string | null = null;
  private readonly active: Request[] = [];
  private readonly tracesWithFindings = new Set<string>();
  private traceCounter = 0;

  constructor(private readonly options: GenerateOptions) {
    this.random = prng(options.seed);
    this.clock = prng(clockSeed(options.seed));
    this.now = options.start;
  }

  /** Yields `options.records` lines, each without its newline; the first record is at `start`. */
  *lines(): Generator<string> {
    const planting = this.options.plant ? plantingPositions(this.options.records) : new Map<number, PlantedKind>();
    for (let i = 0; i < this.options.records; i++) {
      const elapsed = step(this.clock);
      if (i > 0) this.now += elapsed;
      this.manifest.lines++;
      const planted = planting.get(i);
      if (planted !== undefined && this.manifest.findings[planted] === 0) {
        this.manifest.records++;
        yield JSON.stringify(this.plant(planted));
        continue;
      }
      if (this.random() < this.options.badRate) {
        yield this.badLine();
        continue;
      }
      this.manifest.records++;
      yield JSON.stringify(i % this.options.sampleEvery === 0 ? this.memoryRecord() : this.trafficRecord());
    }
    this.manifest.traces_with_findings = this.tracesWithFindings.size;
  }

  private base(level: string, event: string, message: string, trace: string | null) {
    const host = `app-${1 + Math.floor(this.random() * this.options.hosts)}`;
    return {
      timestamp: new Date(this.now).toISOString(),
      level,
      event,
      message,
      service: 'fraiseql-api',
      host,
      pid: 4000 + (host.length % 7),
      logger: event.startsWith('system.') ? 'fraiseql.monitoring' : 'fraiseql.graphql',
      ...(trace ? { trace_id: trace } : {}),
    };
  }

  private memoryRecord() {
    if (this.ramp === 0 && this.random() < 0.03) {
      this.ramp = 0.004 + this.random() * 0.02;
      this.traceCounter++;
      this.culprit = this.traceId();
    }
    this.usage = Math.min(0.995, Math.max(0.3, this.usage + this.ramp + (this.random() - 0.5) * 0.01));
    const percent = Math.round(this.usage * 10000) / 100;
    const context = {
      memory_used_bytes: Math.round(LIMIT * (percent / 100)),
      memory_limit_bytes: LIMIT,
      memory_usage_percent: percent,
    };
    // The request in flight when memory spiked is the one the spike is logged against.
    const inFlight =
      this.culprit ?? (this.active.length > 0 ? this.active[Math.floor(this.random() * this.active.length)]!.trace : null);
    if (percent > 97) {
      this.usage = 0.35 + this.random() * 0.1;
      this.ramp = 0;
      this.culprit = null;
      this.manifest.restarts++;
      this.finding('memory_critical', inFlight);
      return { ...this.base('ERROR', 'system.memory_critical', 'Critical memory usage - OOM risk, restarting', inFlight), context };
    }
    if (percent > 90) {
      this.finding('memory_critical', inFlight);
      return { ...this.base('ERROR', 'system.memory_critical', 'Critical memory usage - OOM risk', inFlight), context };
    }
    if (percent > 70) {
      this.finding('memory_warning', inFlight);
      return {
        ...this.base('WARNING', 'system.high_memory', 'Application memory usage exceeds threshold', inFlight),
        context: { ...context, threshold_percent: 70.0 },
      };
    }
    return { ...this.base('INFO', 'system.memory_sample', 'Memory sample', null), context };
  }

  private trafficRecord() {
    if (this.active.length < 4 || (this.active.length < 12 && this.random() < 0.35)) return this.startRequest();
    const index = Math.floor(this.random() * this.active.length);
    const request = this.active[index]!;
    if (request.queries > 0) {
      request.queries--;
      return {
        ...this.base('DEBUG', 'db.query', 'Query executed', request.trace),
        context: { table: request.operation.toLowerCase(), duration_ms: Math.round(this.random() * 400) / 10, rows: Math.floor(this.random() * 500) },
      };
    }
    this.active.splice(index, 1);
    const response = request.oversized === 'response' ? MIB + 1 + Math.floor(this.random() * 8 * MIB) : 200 + Math.floor(this.random() * 60000);
    if (request.oversized === 'response') this.finding('oversized_payload', request.trace);
    return {
      ...this.base('INFO', 'graphql.request.end', `Completed ${request.operation}`, request.trace),
      context: { operation: request.operation, status: 200, duration_ms: Math.round(this.random() * 9000) / 10, response_size_bytes: response },
    };
  }

  /** A record that gives one finding of `kind`, in the log's own shape. */
  private plant(kind: PlantedKind) {
    const inFlight = this.culprit ?? this.active[0]?.trace ?? null;
    const context = (percent: number) => ({
      memory_used_bytes: Math.round(LIMIT * (percent / 100)),
      memory_limit_bytes: LIMIT,
      memory_usage_percent: percent,
    });
    switch (kind) {
      case 'memory_warning':
        this.finding('memory_warning', inFlight);
        return {
          ...this.base('WARNING', 'system.high_memory', 'Application memory usage exceeds threshold', inFlight),
          context: { ...context(84.5), threshold_percent: 80.0 },
        };
      case 'memory_critical':
        this.finding('memory_critical', inFlight);
        return { ...this.base('ERROR', 'system.memory_critical', 'Critical memory usage - OOM risk', inFlight), context: context(93.75) };
      case 'oversized_payload':
        return this.startRequest('request');
      case 'oom_kill': {
        // The kernel's line, as journald hands it to the log shipper: no trace, the service's host.
        this.finding('oom_kill', null);
        const rssKb = Math.round((LIMIT * 0.97) / 1024);
        return {
          ...this.base(
            'CRITICAL',
            'kernel.oom_kill',
            `Memory cgroup out of memory: Killed process 4242 (fraiseql-api) total-vm:${rssKb + 524288}kB, anon-rss:${rssKb}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:4312kB oom_score_adj:0`,
            null,
          ),
          logger: 'kernel',
        };
      }
    }
  }

  private startRequest(force?: 'request') {
    this.traceCounter++;
    const trace = this.traceId();
    const roll = this.random();
    const oversized = force ?? (roll < this.options.oversizedRate / 2 ? 'request' : roll < this.options.oversizedRate ? 'response' : null);
    const request: Request = {
      trace,
      operation: OPERATIONS[Math.floor(this.random() * OPERATIONS.length)]!,
      queries: Math.floor(this.random() * 4),
      oversized,
    };
    this.active.push(request);
    const size = oversized === 'request' ? MIB + 1 + Math.floor(this.random() * 8 * MIB) : 100 + Math.floor(this.random() * 4000);
    if (oversized === 'request') this.finding('oversized_payload', trace);
    return {
      ...this.base('INFO', 'graphql.request.start', `Started ${request.operation}`, trace),
      context: { operation: request.operation, request_size_bytes: size, user_id: `user_${Math.floor(this.random() * 50000)}` },
    };
  }

  private traceId(): string {
    return `trace_${((this.traceCounter * 2654435761) >>> 0).toString(16).padStart(8, '0')}${this.traceCounter.toString(16)}`;
  }

  private finding(kind: FindingKind, trace: string | null): void {
    this.manifest.findings[kind] = (this.manifest.findings[kind] ?? 0) + 1;
    if (trace) this.tracesWithFindings.add(trace);
  }

  private badLine(): string {
    const record = JSON.stringify(this.base('INFO', 'graphql.request.start', 'Started GetUser', null));
    switch (Math.floor(this.random() * 4)) {
      case 0:
        this.manifest.malformed++;
        return record.slice(0, 10 + Math.floor(this.random() * (record.length - 20)));
      case 1:
        this.manifest.malformed++;
        return 'Traceback (most recent call last): MemoryError';
      case 2: {
        // No time at all: a record all the same (placed by position), not an error.
        this.manifest.records++;
        this.manifest.untimed++;
        const { timestamp: _dropped, ...rest } = JSON.parse(record) as Record<string, unknown>;
        return JSON.stringify(rest);
      }
      default:
        this.manifest.invalid++;
        return record.replace(/"timestamp":"[^"]+"/, '"timestamp":"yesterday at noon"');
    }
  }
}
