/**
 * HtmlReportData for the browser tests and the size measurement, built the way a run builds it:
 * findings of every registered kind, trace summaries from the real TraceBook, incidents from the
 * real incidentsOf.
 */
import type { Finding, Severity } from '../../src/classify/finding.js';
import type { KindSpec } from '../../src/classify/kind.js';
import { KINDS } from '../../src/classify/registry.js';
import { incidentsOf, pointOf } from '../../src/correlate/incidents.js';
import { emptyStats, type ReportedError, type ScanReport } from '../../src/correlate/report.js';
import { TraceBook } from '../../src/correlate/traces.js';
import type { HtmlReportData, MemorySeriesView } from '../../src/sinks/html/data.js';

export const XSS_MESSAGE = '</script><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
export const XSS_TRACE = 'trace-"quoted"-<b>bold</b>';
export const XSS_HOST = 'host-"x"-<b>h</b>';
export const XSS_EVENT = 'evt-"e"-<b>ev</b>';

const MIN = 60_000;
const HOUR = 60 * MIN;
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const T0 = Date.UTC(2024, 4, 1, 8, 0, 0);
const THRESHOLDS = { warnPercent: 80, criticalPercent: 90, payloadBytes: MIB };

/** A small deterministic PRNG (mulberry32), so fixtures are the same every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const role = (k: KindSpec) => (k.memory ? 'memory' : k.measure === 'payload_bytes' ? 'payload' : 'event');
const worst = (k: KindSpec): Severity => (k.severities.includes('critical') ? 'critical' : 'warning');
/** Registered kinds by what they measure: the tests never name a kind. */
export const kindsBy = {
  memory: (severity: Severity) => KINDS.find((k) => role(k) === 'memory' && k.severities.includes(severity))!,
  payload: () => KINDS.find((k) => role(k) === 'payload')!,
  events: () => KINDS.filter((k) => role(k) === 'event'),
};

interface FindingInput {
  kind: KindSpec;
  severity?: Severity;
  t: number | null;
  trace: string | null;
  host: string | null;
  service?: string | null;
  usage?: number | null;
  usedBytes?: number | null;
  payloadBytes?: number | null;
  event?: string | null;
  message?: string | null;
  file?: string;
  line: number;
}

let nextId = 0;
export function finding(f: FindingInput): Finding {
  const details: Record<string, string | number | null> = {};
  for (const [field, type] of Object.entries(f.kind.fields)) details[field] = type === 'keyword' ? 'node' : 1;
  return {
    id: (nextId++).toString(16).padStart(16, '0'),
    trace_id: f.trace,
    timestamp: f.t,
    timestamp_source: f.t === null ? 'none' : 'record',
    kind: f.kind.name,
    severity: f.severity ?? worst(f.kind),
    event: f.event ?? null,
    message: f.message ?? null,
    level: f.severity === 'critical' ? 'error' : 'warn',
    host: f.host,
    service: f.service ?? 'checkout',
    usage_percent: f.usage ?? null,
    memory_used_bytes: f.usedBytes ?? null,
    payload_bytes: f.payloadBytes ?? null,
    origin: null,
    ...(Object.keys(details).length > 0 ? { details } : {}),
    source: { file: f.file ?? '/var/log/checkout/app.log', line: f.line, offset: f.line * 180 },
  };
}

/** Buckets of a memory series: `usage(t)` in percent of `limit` (or bytes when limit is null). */
function series(
  host: string,
  service: string,
  pid: string,
  buckets: number,
  step: number,
  limit: number | null,
  value: (t: number) => number,
): MemorySeriesView {
  const points = Array.from({ length: buckets }, (_, i) => {
    const t = T0 + i * step;
    const used = limit === null ? value(t) : (value(t) / 100) * limit;
    const spread = (limit ?? used) * 0.012;
    return {
      t,
      usedMin: Math.round(used - spread),
      usedMax: Math.round(used + spread),
      usedLast: Math.round(used),
      usageMax: limit === null ? null : ((used + spread) / limit) * 100,
      limit,
    };
  });
  return { host, service, pid, measure: 'memory', points, restarts: [], verdict: 'stable', growthBytesPerSecond: null, growth: [], limitBytes: limit };
}

/** GC sawtooth: a 5-minute period, `amplitude` percent high. */
const sawtooth = (t: number, amplitude: number) => (((t - T0) % (5 * MIN)) / (5 * MIN)) * amplitude;

function report(findings: Finding[], extra: Partial<ScanReport> = {}): ScanReport {
  const book = new TraceBook({ maxFindingsPerTrace: 10_000 });
  for (const f of findings) book.add(f);
  const stats = emptyStats();
  for (const f of findings) stats.findings[f.kind] = (stats.findings[f.kind] ?? 0) + 1;
  const timed = findings.filter((f) => f.timestamp !== null);
  return {
    stats,
    traces: book.summaries(),
    untraced: findings.filter((f) => f.trace_id === null),
    untracedOmitted: 0,
    tracesOmitted: 0,
    incidents: incidentsOf(
      timed.map((f) => pointOf(f, f.timestamp!)),
      5 * MIN,
    ),
    errors: [],
    errors_total: 0,
    ...extra,
  };
}

/**
 * Six hours of a checkout service: api-1 leaks from 10:00 (a sawtooth climbing 8 % an hour), is
 * OOM-killed at 12:40 and restarts; api-2 saws near the warning threshold; worker-1 has no
 * limit (bytes); oversized payloads; an XSS attempt in a trace of a host with no series.
 */
export function realisticReport(): HtmlReportData {
  const rnd = random(42);
  const step = 10_000;
  const buckets = (6 * HOUR) / step;
  const leakStart = T0 + 2 * HOUR;
  const restart = T0 + 4 * HOUR + 40 * MIN;
  const api1 = series('api-1', 'checkout', '4242', buckets, step, 2 * GIB, (t) => {
    if (t >= restart) return 48 + sawtooth(t, 10);
    return 54 + sawtooth(t, 10) + (t > leakStart ? ((t - leakStart) / HOUR) * 12 : 0);
  });
  api1.restarts = [restart];
  api1.verdict = 'growing';
  api1.growthBytesPerSecond = (0.12 * 2 * GIB) / 3600;
  api1.growth = [{ start: leakStart, end: restart - step, bytesPerSecond: (0.12 * 2 * GIB) / 3600, projectedLimitAt: restart + 9 * MIN, severity: 'critical', restarts: 0 }];
  // Busy spells at 09:10 and 11:30 push api-2 over the warning threshold.
  const busy = (t: number) => [T0 + 70 * MIN, T0 + 210 * MIN].some((s) => t >= s && t < s + 25 * MIN);
  const api2 = series('api-2', 'checkout', '5151', buckets, step, 2 * GIB, (t) => 62 + sawtooth(t, 12) + (busy(t) ? 9 : 0) + rnd() * 2);
  const worker = series('worker-1', 'reindex', '777', buckets, step, null, (t) => 600 * MIB + sawtooth(t, 1) * 250 * MIB);

  const findings: Finding[] = [];
  let line = 1000;
  let trace = 0;
  const traceId = () => `4bf92f3577b34da6a3ce929d0e0e${(4736 + Math.floor(trace / 6)).toString(16)}`;
  for (const s of [api1, api2]) {
    for (const [i, p] of s.points.entries()) {
      const usage = p.usageMax!;
      if (usage <= THRESHOLDS.warnPercent || i % 3 !== 0) continue;
      const critical = usage > THRESHOLDS.criticalPercent;
      trace++;
      line += 17;
      findings.push(
        finding({
          kind: kindsBy.memory(critical ? 'critical' : 'warning'),
          t: p.t + 1234,
          trace: traceId(),
          host: s.host,
          usage: Math.round(usage * 100) / 100,
          usedBytes: p.usedMax,
          event: critical ? 'system.memory_critical' : 'system.high_memory',
          message: `heap ${Math.round(p.usedMax / MIB)} MiB of ${Math.round(p.limit! / MIB)} MiB after GC`,
          line,
        }),
      );
    }
  }
  for (let i = 0; i < 24; i++) {
    findings.push(
      finding({
        kind: kindsBy.payload(),
        t: T0 + i * 15 * MIN + Math.floor(rnd() * 10 * MIN),
        trace: `4bf92f3577b34da6a3ce929d0e0e${(4736 + i * 7).toString(16)}`,
        host: i % 2 ? 'api-1' : 'api-2',
        payloadBytes: Math.round(MIB * (1.1 + rnd() ** 3 * 90)),
        event: 'http.response',
        message: `GET /api/v2/orders/export?page=${i} returned a large body`,
        line: 500 + i * 31,
      }),
    );
  }
  for (const kind of kindsBy.events()) {
    findings.push(
      finding({
        kind,
        t: restart - 2000,
        trace: null,
        host: 'api-1',
        usedBytes: 2 * GIB,
        message: 'Memory cgroup out of memory: Killed process 4242 (node) total-vm:3145728kB, anon-rss:2097152kB',
        file: '/var/log/kern.log',
        line: 88_123,
      }),
    );
  }
  findings.push(
    finding({ kind: kindsBy.memory('warning'), t: null, trace: null, host: 'api-2', usage: 81.5, event: 'system.high_memory', message: 'no time on this one', line: 4 }),
  );
  for (let i = 0; i < 3; i++) {
    findings.push(
      finding({
        kind: kindsBy.memory('critical'),
        t: T0 + 3 * HOUR + i * 40_000,
        trace: XSS_TRACE,
        host: XSS_HOST,
        usage: 99.9 - i,
        event: XSS_EVENT,
        message: XSS_MESSAGE,
        file: '/var/log/<b>odd</b>.log',
        line: 7 + i,
      }),
    );
  }
  const errors: ReportedError[] = [
    { file: '/var/log/checkout/app.log', line: 17, kind: 'malformed', reason: 'Unexpected token < in JSON at position 0: <html><body>502</body></html>' },
    { file: '/var/log/checkout/app.log', line: 9120, kind: 'invalid', reason: 'timestamp: expected a time, got "yesterday"' },
  ];
  const r = report(findings, { errors, errors_total: 12 });
  Object.assign(r.stats, {
    files: 2,
    bytes: 412 * MIB,
    lines: 1_204_311,
    records: 1_203_992,
    malformed: 9,
    invalid: 3,
    untimed: 1,
    blank: 307,
  });
  r.stats.coverage = { time: 1_203_991, usage: 388_021, memory_bytes: 388_021, payload: 90_114, rule_event: 2_310, trace_id: 1_100_456 };
  return {
    meta: {
      command: 'memtrail scan --html report.html /var/log/checkout/app.log /var/log/kern.log # <script>alert(1)</script>',
      inputs: ['/var/log/checkout/app.log', '/var/log/kern.log'],
      generatedAt: Date.UTC(2024, 4, 1, 15, 2, 11),
      version: '0.1.0',
    },
    report: r,
    series: [api1, api2, worker],
    thresholds: THRESHOLDS,
  };
}

/** The realistic report without memory series: the findings' usage is charted instead. */
export function withoutSeries(): HtmlReportData {
  return { ...realisticReport(), series: [] };
}

/** Nothing found. */
export function emptyReport(): HtmlReportData {
  return { ...realisticReport(), report: report([]), series: [] };
}

export interface LargeShape {
  findings: number;
  traces: number;
  series: number;
  buckets: number;
  incidents: number;
}

/** What a 1M-record log leaves after the budgets: 20,000 findings kept, in bursts that make incidents. */
export const LARGE: LargeShape = { findings: 20_000, traces: 500, series: 3, buckets: 2000, incidents: 50 };

export function largeReport(shape: LargeShape = LARGE): HtmlReportData {
  const rnd = random(7);
  const span = 24 * HOUR;
  const step = span / shape.buckets;
  const seriesList = Array.from({ length: shape.series }, (_, s) =>
    series(`api-${s + 1}`, 'checkout', String(1000 + s), shape.buckets, step, 4 * GIB, (t) => 60 + sawtooth(t, 25) + rnd() * 8),
  );
  const burst = span / shape.incidents;
  const events = ['system.high_memory', 'system.memory_warning', 'system.memory_critical', 'gc.pressure'];
  const findings: Finding[] = [];
  for (let i = 0; i < shape.findings; i++) {
    const b = Math.floor(rnd() * shape.incidents);
    const t = T0 + b * burst + Math.floor(rnd() * 20 * MIN);
    const host = `api-${1 + (i % shape.series)}`;
    const x = rnd();
    const common = { t, trace: `trace-${(i % shape.traces).toString().padStart(6, '0')}`, host, line: 1 + Math.floor(rnd() * 1_000_000) };
    if (x < 0.1) {
      findings.push(
        finding({
          ...common,
          kind: kindsBy.payload(),
          payloadBytes: Math.round(MIB * (1 + rnd() * 50)),
          event: 'http.request',
          message: `POST /api/import body ${Math.round(rnd() * 5e7)} bytes`,
        }),
      );
      continue;
    }
    const usage = 80 + rnd() * 19.9;
    const critical = usage > 90;
    findings.push(
      finding({
        ...common,
        kind: kindsBy.memory(critical ? 'critical' : 'warning'),
        usage: Math.round(usage * 100) / 100,
        usedBytes: Math.round((usage / 100) * 4 * GIB),
        event: events[Math.floor(rnd() * events.length)]!,
        message: `Memory usage at ${usage.toFixed(1)}% (heap ${Math.round(usage * 40)} MB, rss ${Math.round(usage * 41)} MB) in worker ${i % 64}`,
        file: `/var/log/checkout/app-${i % 3}.log`,
      }),
    );
  }
  const r = report(findings, { errors_total: 0 });
  Object.assign(r.stats, { files: 3, bytes: 380 * MIB, lines: 1_000_000, records: 1_000_000 });
  return {
    meta: { command: 'memtrail scan --html big.html logs/', inputs: ['logs/app-0.log', 'logs/app-1.log', 'logs/app-2.log'], generatedAt: T0 + span, version: '0.1.0' },
    report: r,
    series: seriesList,
    thresholds: THRESHOLDS,
  };
}
