import type { SeriesSummary } from '../classify/trends/summary.js';
import { minutesText, size, utcClock } from '../classify/trends/describe.js';
import { stripControl, type Colors } from './terminal.js';

const BARS = '▁▂▃▄▅▆▇█';
const SPARK_COLUMNS = 24;
/** Series listed in the text report; the rest are counted (JSON lists every one). */
const MAX_LINES = 12;

const VERDICT_RANK: Record<SeriesSummary['verdict'], number> = { growing: 0, stable: 1, not_enough_data: 2 };

/** Most urgent first: growing with a leak, the fastest, then stable, then those without enough data. */
function urgency(a: SeriesSummary, b: SeriesSummary): number {
  const leak = (s: SeriesSummary) => (s.growth.some((g) => g.severity === 'critical') ? 0 : s.growth.length > 0 ? 1 : 2);
  return (
    leak(a) - leak(b) ||
    VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] ||
    (b.growth_bytes_per_second ?? 0) - (a.growth_bytes_per_second ?? 0) ||
    a.key.localeCompare(b.key)
  );
}

/**
 * The series' shape in a few characters: each column the lowest value of its buckets (the floor a
 * collector returns to, whose trend is what counts), scaled between the series' lowest and
 * highest floors; a column holding a restart is a `|`.
 */
export function sparkline(series: SeriesSummary, columns = SPARK_COLUMNS): string {
  const points = series.points;
  if (points.length === 0) return '';
  const groups = Math.min(columns, points.length);
  const floors = points.map((p) => p.min);
  const low = Math.min(...floors);
  const range = Math.max(...floors) - low;
  let line = '';
  for (let c = 0; c < groups; c++) {
    const from = Math.floor((c * points.length) / groups);
    const to = Math.floor(((c + 1) * points.length) / groups);
    const slice = points.slice(from, to);
    const start = slice[0]!.t;
    const end = slice[slice.length - 1]!.t + slice[slice.length - 1]!.width;
    if (c > 0 && series.restarts.some((r) => r >= start && r < end)) {
      line += '|';
      continue;
    }
    const floor = Math.min(...slice.map((p) => p.min));
    line += range <= 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.floor(((floor - low) / range) * BARS.length))];
  }
  return line;
}

function seriesName(series: SeriesSummary): string {
  const name = `${series.host ?? '-'}/${series.service ?? '-'}`;
  const lane = series.key.match(/#\d+/)?.[0] ?? '';
  return stripControl(`${name}${lane}${series.measure === 'swap_used_bytes' ? ' swap' : ''}`);
}

function rate(series: SeriesSummary, perMs: number, perText: string): string {
  if (series.growth_bytes_per_second === null) return '';
  const perWindow = (series.growth_bytes_per_second * perMs) / 1000;
  return `${perWindow >= 0 ? '+' : '-'}${size(Math.abs(perWindow))} per ${perText}`;
}

/** One line per series: verdict, rate, sparkline, range, restarts, when it reaches its limit. */
export function trendLine(series: SeriesSummary, c: Colors, per: { ms: number; text: string }, width = Infinity): string {
  const verdict =
    series.verdict === 'growing'
      ? series.growth.length > 0
        ? c.bold(c.red('LEAK    '))
        : c.yellow('growing ')
      : series.verdict === 'stable'
        ? c.green('stable  ')
        : c.dim('no data ');
  const parts = [`  ${seriesName(series).padEnd(28)} ${verdict} ${rate(series, per.ms, per.text).padEnd(18)} ${sparkline(series)}`];
  parts.push(`${size(series.min_bytes)} → ${size(series.last_bytes)}${series.limit_bytes !== null ? ` of ${size(series.limit_bytes)}` : ''}`);
  if (series.restarts.length > 0) parts.push(`${series.restarts.length} restart${series.restarts.length === 1 ? '' : 's'}`);
  if (series.verdict === 'not_enough_data') parts.push(`${series.samples} sample${series.samples === 1 ? '' : 's'}: too few or too sparse for a rate`);
  const latest = series.growth.at(-1);
  if (latest?.projected_limit_at !== null && latest?.projected_limit_at !== undefined) {
    const left = latest.projected_limit_at - latest.end;
    parts.push(left <= 0 ? c.red('at its limit') : `limit at ${utcClock(latest.projected_limit_at)} (${minutesText(left)} after the last sample)`);
  }
  return fit(parts, width);
}

// eslint-disable-next-line no-control-regex -- colour codes are what is measured out
const ANSI = /\u001b\[[0-9;]*m/g;

/** The parts that fit the width, in order (the first always): a line never wraps on a terminal. */
function fit(parts: string[], width: number): string {
  let line = parts[0]!;
  for (const part of parts.slice(1)) {
    const next = `${line}  ${part}`;
    if (next.replace(ANSI, '').length > width) break;
    line = next;
  }
  return line;
}

/** The "Memory trends" section of the text report: empty when the inputs carried no memory bytes. */
export function trendsSection(
  series: readonly SeriesSummary[],
  c: Colors,
  width = Infinity,
  per: { ms: number; text: string } = { ms: 1_800_000, text: '30m' },
): string[] {
  if (series.length === 0) return [];
  const sorted = [...series].sort(urgency);
  const lines = [c.bold(`Memory trends (${series.length} series)`)];
  for (const s of sorted.slice(0, MAX_LINES)) lines.push(trendLine(s, c, per, width));
  if (sorted.length > MAX_LINES) lines.push(c.dim(`  … ${sorted.length - MAX_LINES} more series (--format json lists every one)`));
  return lines;
}
