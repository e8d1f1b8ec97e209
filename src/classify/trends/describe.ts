// The mini class: the full UTCDate builds three Intl formatters when loaded (~30 ms of every start).
import { UTCDateMini } from '@date-fns/utc/date/mini';
import bytes from 'bytes';
import { format } from 'date-fns/format';
import { formatDuration } from 'date-fns/formatDuration';
import { intervalToDuration } from 'date-fns/intervalToDuration';
import type { Episode } from './evaluator.js';

/** "1.5 GB" (1024-based, as the runbook's "10MB" is). */
export function size(value: number): string {
  return bytes.format(Math.round(value), { unitSeparator: ' ', decimalPlaces: 1 }) ?? String(value);
}

/** "42.3 MB per 30m": a rate in the unit of the rule it is compared with. */
export function rateText(bytesPerSecond: number, perMs: number, perText: string): string {
  return `${size((bytesPerSecond * perMs) / 1000)} per ${perText}`;
}

/** "1 hour 5 minutes": whole minutes (a projection is no more precise). */
export function minutesText(ms: number): string {
  if (ms < 60_000) return 'under a minute';
  const duration = intervalToDuration({ start: 0, end: Math.round(ms / 60_000) * 60_000 });
  return formatDuration(duration, { format: ['days', 'hours', 'minutes'] });
}

export function utcClock(ms: number): string {
  return `${format(new UTCDateMini(ms), 'HH:mm')} UTC`;
}

/**
 * A growth finding's message: how fast, from what to what, over how long, how many restarts,
 * and when the limit is reached at this rate.
 */
export function growthMessage(what: 'memory' | 'swap', episode: Episode, per: { ms: number; text: string }): string {
  const parts = [
    `${what} grows ${rateText(episode.rate, per.ms, per.text)}: ${size(episode.startBytes)} to ${size(episode.endBytes)} over ${minutesText(episode.end - episode.start)}`,
  ];
  if (episode.restarts > 0) parts.push(`through ${episode.restarts} restart${episode.restarts === 1 ? '' : 's'}`);
  if (episode.limit !== null && episode.projectedLimitAt !== null) {
    const left = episode.projectedLimitAt - episode.end;
    parts.push(
      left <= 0
        ? `at its ${size(episode.limit)} limit`
        : `reaches its ${size(episode.limit)} limit at ${utcClock(episode.projectedLimitAt)}, in ${minutesText(left)}`,
    );
  }
  return parts.join('; ');
}
