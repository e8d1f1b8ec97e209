// The mini class: the full UTCDate builds three Intl formatters when loaded (~30 ms of every start).
import { UTCDateMini } from '@date-fns/utc/date/mini';
import { format } from 'date-fns/format';
import { formatDuration } from 'date-fns/formatDuration';
import { intervalToDuration } from 'date-fns/intervalToDuration';
import type { Locale } from 'date-fns/locale';
import type { Finding, Severity } from '../classify/finding.js';
import { kindSpec } from '../classify/registry.js';
import type { Colors } from './terminal.js';

/** How values read in the terminal (and in the HTML report's server-rendered parts). */

const SHORT_UNITS: Record<string, string> = {
  xYears: 'y',
  xMonths: 'mo',
  xWeeks: 'w',
  xDays: 'd',
  xHours: 'h',
  xMinutes: 'm',
  xSeconds: 's',
};

/** date-fns' locale hook, used to get compact units ("4m 33s") from formatDuration. */
const compactLocale: Pick<Locale, 'formatDistance'> = {
  formatDistance: (token, count) => `${count}${SHORT_UNITS[token] ?? token}`,
};

/** A time in UTC; a record without one shows as "(no time)", as wide as a time would be. */
export function formatTime(ms: number | null, pattern = 'yyyy-MM-dd HH:mm:ss.SSS'): string {
  if (ms === null) return '(no time)'.padEnd(pattern.length);
  return format(new UTCDateMini(ms), pattern);
}

/** "1.2s" under a minute, else "4m 33s" / "2h 5m 0s" (date-fns duration, compact units). */
export function formatSpan(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
  const duration = intervalToDuration({ start: 0, end: ms });
  return formatDuration(duration, { locale: compactLocale, delimiter: ' ', zero: false });
}

export function severityLabel(severity: Severity, c: Colors): string {
  return severity === 'critical' ? c.bold(c.red('CRITICAL')) : c.yellow('WARNING ');
}

export function severityWord(severity: Severity, c: Colors): string {
  return severity === 'critical' ? c.red('critical') : c.yellow('warning');
}

/** Two decimals at most, so 80.01 % does not print as an innocent-looking 80.0 %. */
export function percent(value: number | null): string {
  return value === null ? '' : `${Number(value.toFixed(2))}%`;
}

export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/** One decimal in binary units: 512.0 KiB, 8.0 MiB, 2.0 GiB. */
export function bytes(value: number | null): string {
  if (value === null) return '';
  if (value >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(1)} GiB`;
  return value >= 1048576 ? `${(value / 1048576).toFixed(1)} MiB` : `${(value / 1024).toFixed(1)} KiB`;
}

/** A finding's headline measure, as its kind's spec says (usage, payload size, growth rate…). */
export function measureText(finding: Finding): string {
  const spec = kindSpec(finding.kind);
  const field = spec?.measure ?? 'usage_percent';
  const value = (field in finding ? finding[field as keyof Finding] : finding.details?.[field]) as number | null | undefined;
  if (value === null || value === undefined || typeof value !== 'number') return '';
  switch (spec?.unit) {
    case 'bytes':
      return bytes(value);
    case 'bytes_per_second':
      return `${bytes(value)}/s`;
    default:
      return percent(value);
  }
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
// East Asian wide and full-width characters and emoji take two columns.
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;
// eslint-disable-next-line no-control-regex -- colour sequences are not printed columns
const SGR = /\u001b\[[0-9;]*m/g;

/** Columns a string takes in a terminal (colour sequences take none). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes.segment(text.replace(SGR, ''))) width += WIDE.test(segment) ? 2 : 1;
  return width;
}

/** Plain text cut to `columns`, ending in "…" when cut, never in the middle of a character. */
export function cut(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  let out = '';
  let width = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = WIDE.test(segment) ? 2 : 1;
    if (width + w > columns - 1) break;
    out += segment;
    width += w;
  }
  return `${out}…`;
}

/** Messages are never longer than this (--wide keeps them whole): a pipe or a file has no width to cut to. */
export const MESSAGE_COLUMNS = 200;

/** The terminal's width, or $COLUMNS; undefined for a pipe or a file. */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number | undefined {
  if (stream.isTTY && stream.columns > 0) return stream.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : undefined;
}
