import type { SeriesSummary } from '../../classify/trends/summary.js';
import type { MemorySeriesView } from './data.js';

/**
 * A series as the trend detector summarised it, as the report draws it: each bucket at its middle
 * (findings and restarts are at their exact times), usage in percent of the limit the bucket saw.
 * Swap has no limit of its own: it is charted in bytes.
 */
export function seriesView(s: SeriesSummary): MemorySeriesView {
  const memory = s.measure === 'memory_used_bytes';
  return {
    host: s.host,
    service: s.service,
    pid: s.pid,
    measure: memory ? 'memory' : 'swap',
    points: s.points.map((p) => {
      const limit = memory && p.limit !== null && p.limit > 0 ? p.limit : null;
      return {
        t: p.t + Math.floor(p.width / 2),
        usedMin: p.min,
        usedMax: p.max,
        usedLast: p.last,
        usageMax: limit === null ? null : (p.max / limit) * 100,
        limit,
      };
    }),
    restarts: [...s.restarts],
    verdict: s.verdict,
    growthBytesPerSecond: s.growth_bytes_per_second,
    growth: s.growth.map((g) => ({
      start: g.start,
      end: g.end,
      bytesPerSecond: g.bytes_per_second,
      projectedLimitAt: g.projected_limit_at,
      severity: g.severity,
      restarts: g.restarts,
    })),
    limitBytes: memory ? s.limit_bytes : null,
  };
}
