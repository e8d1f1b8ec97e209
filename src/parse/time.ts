import { TZDate } from '@date-fns/tz';

/** A record's time as memtrail reads it: epoch milliseconds, and whether the text had no zone. */
export type TimeResult = { ok: true; ms: number; naive: boolean } | { ok: false; reason: string };

/** Times outside this window are not log times but accidents (a counter, a typo, a fuzzer): invalid. */
export const EARLIEST_MS = 0;
export const LATEST_MS = Date.UTC(2100, 0, 1);

/** The parts of a date-time, as read from its text. */
interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** Minutes east of UTC; undefined when the text has no zone. */
  offset: number | undefined;
}

const DESCRIBE_EXPECTED = 'expected an ISO 8601 time (with Z, an offset, or none), YYYY-MM-DD HH:MM:SS,fff, or epoch seconds / ms / µs / ns';

/**
 * Reads a record's time. Strings: ISO 8601 with `Z` or an offset; without a zone (and Python's
 * asctime) in `timezone` (an IANA name; UTC by default); digits only as an epoch number. Numbers
 * by magnitude, as most shippers do: seconds (with fractions, structlog), milliseconds (pino),
 * microseconds, nanoseconds (OTLP). Milliseconds are kept exactly; finer digits are truncated.
 */
export function parseTime(value: string | number, timezone = 'UTC'): TimeResult {
  if (typeof value === 'number') return inWindow(epochToMs(value), false);
  const parts = readDateTime(value);
  if (parts === undefined) {
    if (/^\d{1,20}$/.test(value)) return inWindow(digitsToMs(value), false);
    return { ok: false, reason: DESCRIBE_EXPECTED };
  }
  const { year, month, day, hour, minute, second, ms, offset } = parts;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60 || day < 1 || day > daysIn(year, month)) {
    return { ok: false, reason: `not a valid date or time: "${value}"` };
  }
  // Date.UTC and TZDate read years 0–99 as 1900–1999: such a year is long before any log time.
  if (year < 100) return { ok: false, reason: `out of range: "${value}" is not between 1970 and 2100` };
  if (offset !== undefined) return inWindow(utcMs(year, month, day, hour, minute, second, ms) - offset * 60_000, false);
  const local =
    timezone === 'UTC'
      ? utcMs(year, month, day, hour, minute, second, ms)
      : new TZDate(year, month - 1, day, hour, minute, second, ms, timezone).getTime();
  return inWindow(local, true);
}

/** The day last read, as year·10⁴ + month·100 + day, and its epoch ms at 00:00 UTC: a log's times share their day. */
let lastDay = -1;
let lastDayMs = 0;

/** Date.UTC for a date and time already checked in range: the day's start comes from the one-day cache. */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const key = (year * 100 + month) * 100 + day;
  if (key !== lastDay) {
    lastDayMs = Date.UTC(year, month - 1, day);
    lastDay = key;
  }
  return lastDayMs + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** Epoch numbers by magnitude: below 1e11 seconds, below 1e14 ms, below 1e17 µs, else ns. */
function epochToMs(n: number): number {
  if (!Number.isFinite(n)) return NaN;
  const size = Math.abs(n);
  // Seconds with a fraction: 1767007215.456 × 1000 is 1767007215455.9998 in binary; 15 digits give back the 456.
  if (size < 1e11) return Math.floor(Number((n * 1000).toPrecision(15)));
  if (size < 1e14) return Math.floor(n);
  if (size < 1e17) return Math.floor(n / 1000);
  return Math.floor(n / 1e6);
}

/** Digit strings (OTLP's nanoseconds); BigInt keeps the milliseconds exact beyond 2^53. */
function digitsToMs(digits: string): number {
  const n = BigInt(digits);
  if (n < 100_000_000_000n) return Number(n) * 1000;
  if (n < 100_000_000_000_000n) return Number(n);
  if (n < 100_000_000_000_000_000n) return Number(n / 1000n);
  return Number(n / 1_000_000n);
}

function inWindow(ms: number, naive: boolean): TimeResult {
  if (Number.isNaN(ms)) return { ok: false, reason: DESCRIBE_EXPECTED };
  if (ms < EARLIEST_MS || ms >= LATEST_MS) {
    const when = Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms);
    return { ok: false, reason: `out of range: ${when} is not between 1970 and 2100` };
  }
  return { ok: true, ms, naive };
}

/**
 * ISO 8601 date-times (`T` or a space between date and time) and Python's asctime
 * (`2026-11-28 08:59:33,630`): `YYYY-MM-DD?HH:MM[:SS[(.|,)fraction]]`, optional spaces, then `Z`,
 * `±HH`, `±HHMM`, `±HH:MM`, or nothing (naive). Read character by character: every record's
 * time goes through here, and a regular expression with its match array measured at 9 % of a scan.
 */
function readDateTime(s: string): DateTimeParts | undefined {
  const n = s.length;
  if (n < 16 || s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || s.charCodeAt(13) !== 0x3a) return undefined;
  const sep = s.charCodeAt(10);
  if (sep !== 0x54 && sep !== 0x74 && sep !== 0x20) return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return undefined;
  let i = 16;
  let second = 0;
  let ms = 0;
  if (i < n && s.charCodeAt(i) === 0x3a) {
    second = digits(s, i + 1, 2);
    if (second < 0) return undefined;
    i += 3;
    const mark = s.charCodeAt(i);
    if (i < n && (mark === 0x2e || mark === 0x2c)) {
      i++;
      const start = i;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
      const length = i - start;
      if (length === 0 || length > 9) return undefined;
      // Milliseconds kept exactly: the first three digits, finer ones truncated.
      for (let k = 0; k < 3; k++) ms = ms * 10 + (start + k < i ? s.charCodeAt(start + k) - 0x30 : 0);
    }
  }
  while (i < n && s.charCodeAt(i) === 0x20) i++;
  if (i === n) return fill(year, month, day, hour, minute, second, ms, undefined);
  const zone = s.charCodeAt(i);
  if ((zone === 0x5a || zone === 0x7a) && i + 1 === n) return fill(year, month, day, hour, minute, second, ms, 0);
  if (zone !== 0x2b && zone !== 0x2d) return undefined;
  const sign = zone === 0x2d ? -1 : 1;
  const hours = digits(s, i + 1, 2);
  if (hours < 0) return undefined;
  let j = i + 3;
  let minutes = 0;
  if (j < n && s.charCodeAt(j) === 0x3a) j++;
  if (j < n) {
    minutes = digits(s, j, 2);
    if (minutes < 0) return undefined;
    j += 2;
  }
  if (j !== n) return undefined;
  return fill(year, month, day, hour, minute, second, ms, sign * (hours * 60 + minutes));
}

/** Every record's time is read into one object, read back at once: no allocation per record. */
const scratch: DateTimeParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, ms: 0, offset: undefined };

// prettier-ignore
function fill(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number, offset: number | undefined): DateTimeParts {
  const into = scratch;
  into.year = year; into.month = month; into.day = day; into.hour = hour; into.minute = minute; into.second = second; into.ms = ms; into.offset = offset;
  return into;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The number written by `count` digits at `at`, or -1. */
function digits(s: string, at: number, count: number): number {
  if (at + count > s.length) return -1;
  let value = 0;
  for (let k = at; k < at + count; k++) {
    const code = s.charCodeAt(k);
    if (!isDigit(code)) return -1;
    value = value * 10 + code - 0x30;
  }
  return value;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1]!;
}

/** Whether an IANA zone name is one this runtime knows (for the --timezone flag). */
export function isKnownTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
