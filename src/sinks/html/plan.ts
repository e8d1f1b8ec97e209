import type { Finding } from '../../classify/finding.js';
import type { KindSpec } from '../../classify/kind.js';
import { KINDS } from '../../classify/registry.js';
import type { TraceSummary } from '../../correlate/traces.js';
import { headlineOf, rankTraces, type Headline } from '../view.js';
import type { HtmlReportData, MemorySeriesView } from './data.js';
import type { ChartMode, KindRole, MemoryChart, SeriesChart, ViewKind } from './view.js';

/** Beyond these the report lists the most important and says how many it left out (the JSON output has all). */
export const LIMITS = { traces: 1000, seriesCharts: 12, incidents: 500, payloadTraces: 100 } as const;

/** What the report shows, decided once: the server-rendered parts and the embedded JSON follow it. */
export interface Plan {
  data: HtmlReportData;
  kinds: ViewKind[];
  kindIndex: Map<string, number>;
  /** Listed traces, most important first. */
  traces: TraceSummary[];
  /** Traces past LIMITS.traces, ranked (their findings are charted, not listed). */
  unlisted: TraceSummary[];
  /** data.series indexes with a chart, in chart order. */
  charted: number[];
  charts: MemoryChart[];
  /** The memory chart a finding is drawn on, -1 for none. */
  chartOf(finding: Finding): number;
  headline: Headline;
}

export function roleOf(spec: Pick<KindSpec, 'memory' | 'measure'>): KindRole {
  if (spec.memory) return 'memory';
  return spec.measure === 'payload_bytes' ? 'payload' : 'event';
}

export function planReport(data: HtmlReportData): Plan {
  const { kinds, kindIndex } = viewKinds(data);
  const ranked = rankTraces(data.report.traces);
  const charted = chartedSeries(data.series);
  const match = seriesMatcher(data.series, charted);
  const onMemoryChart = (f: Finding) => f.timestamp !== null && kinds[kindIndex.get(f.kind) ?? -1]?.role !== 'payload';

  // Memory findings that no charted series takes get a chart of their own.
  let fallbackMode: ChartMode | undefined;
  for (const f of allFindings(data)) {
    if (!onMemoryChart(f) || match(f) >= 0) continue;
    if (f.usage_percent !== null) fallbackMode = 'percent';
    else if (f.memory_used_bytes !== null) fallbackMode ??= 'bytes';
    else fallbackMode ??= 'percent';
  }
  const charts: MemoryChart[] = charted.map((i) => seriesChart(data.series[i]!));
  const fallback = charts.length;
  if (fallbackMode !== undefined) charts.push({ type: 'findings', mode: fallbackMode });

  return {
    data,
    kinds,
    kindIndex,
    traces: ranked.slice(0, LIMITS.traces),
    unlisted: ranked.slice(LIMITS.traces),
    charted,
    charts,
    chartOf: (f) => {
      if (!onMemoryChart(f)) return -1;
      const chart = match(f);
      return chart >= 0 ? chart : fallbackMode === undefined ? -1 : fallback;
    },
    headline: data.headline ?? headlineOf(data.report),
  };
}

/** The registry's kinds, then any kind a finding carries that the registry no longer knows (a timeline read back). */
function viewKinds(data: HtmlReportData): { kinds: ViewKind[]; kindIndex: Map<string, number> } {
  const kinds: ViewKind[] = KINDS.map((k) => ({ name: k.name, description: k.description, unit: k.unit, role: roleOf(k) }));
  const kindIndex = new Map(kinds.map((k, i) => [k.name, i]));
  for (const f of allFindings(data)) {
    if (kindIndex.has(f.kind)) continue;
    kindIndex.set(f.kind, kinds.length);
    kinds.push({ name: f.kind, description: '', unit: 'percent', role: 'event' });
  }
  return { kinds, kindIndex };
}

export function* allFindings(data: HtmlReportData): Generator<Finding> {
  for (const trace of data.report.traces) yield* trace.findings;
  yield* data.report.untraced;
}

/** The series worth a chart first: growing, then the highest usage (or bytes), capped. */
function chartedSeries(series: readonly MemorySeriesView[]): number[] {
  const peak = (s: MemorySeriesView) => s.points.reduce((m, p) => Math.max(m, p.usageMax ?? -1), -1);
  const peakBytes = (s: MemorySeriesView) => s.points.reduce((m, p) => Math.max(m, p.usedMax), -1);
  return series
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.points.length > 0)
    .sort(
      (a, b) =>
        Number(b.s.verdict === 'growing') - Number(a.s.verdict === 'growing') ||
        peak(b.s) - peak(a.s) ||
        peakBytes(b.s) - peakBytes(a.s) ||
        a.i - b.i,
    )
    .slice(0, LIMITS.seriesCharts)
    .map(({ i }) => i);
}

function seriesMode(series: MemorySeriesView): ChartMode {
  return series.points.some((p) => p.usageMax !== null || p.limit !== null) ? 'percent' : 'bytes';
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function seriesChart(series: MemorySeriesView): SeriesChart {
  const mode = seriesMode(series);
  const percentOf = (used: number, limit: number | null) => (limit ? round2((used / limit) * 100) : null);
  return {
    type: 'series',
    mode,
    t: series.points.map((p) => p.t),
    lo: series.points.map((p) => (mode === 'bytes' ? p.usedMin : percentOf(p.usedMin, p.limit))),
    hi: series.points.map((p) => (mode === 'bytes' ? p.usedMax : p.usageMax === null ? percentOf(p.usedMax, p.limit) : round2(p.usageMax))),
    restarts: series.restarts,
    growth: series.growth.map((g) => [g.start, g.end]),
  };
}

/**
 * The chart of the series a finding belongs to: same host and service (a finding carries no
 * process id), the one whose time range holds the finding, else the nearest in time.
 */
function seriesMatcher(series: readonly MemorySeriesView[], charted: readonly number[]): (f: Finding) => number {
  const key = (host: string | null, service: string | null) => JSON.stringify([host, service]);
  const byKey = new Map<string, { chart: number; from: number; to: number }[]>();
  charted.forEach((index, chart) => {
    const s = series[index]!;
    const k = key(s.host, s.service);
    const entry = { chart, from: s.points[0]!.t, to: s.points.at(-1)!.t };
    byKey.set(k, [...(byKey.get(k) ?? []), entry]);
  });
  return (f) => {
    const candidates = byKey.get(key(f.host, f.service));
    if (candidates === undefined || f.timestamp === null) return -1;
    const t = f.timestamp;
    const distance = (c: { from: number; to: number }) => (t < c.from ? c.from - t : t > c.to ? t - c.to : 0);
    return candidates.reduce((best, c) => (distance(c) < distance(best) ? c : best)).chart;
  };
}
