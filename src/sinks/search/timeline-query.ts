import type { Severity } from '../../classify/finding.js';

export interface TimelineFilter {
  traces: string[];
  hosts: string[];
  /** Epoch ms bounds, inclusive. */
  since?: number;
  until?: number;
  /** At or above this severity. */
  severity?: Severity;
}

/** One page of findings in time order (ties broken by id, so search_after pages are stable). */
export function timelineQuery(filter: TimelineFilter, size: number, searchAfter?: unknown[]): object {
  const filters: object[] = [];
  if (filter.since !== undefined || filter.until !== undefined) {
    filters.push({
      range: {
        '@timestamp': {
          ...(filter.since !== undefined ? { gte: new Date(filter.since).toISOString() } : {}),
          ...(filter.until !== undefined ? { lte: new Date(filter.until).toISOString() } : {}),
        },
      },
    });
  }
  if (filter.traces.length > 0) filters.push({ terms: { 'trace.id': filter.traces } });
  if (filter.hosts.length > 0) filters.push({ terms: { 'host.name': filter.hosts } });
  if (filter.severity === 'critical') filters.push({ term: { 'memtrail.severity': 'critical' } });
  return {
    size,
    query: { bool: { filter: filters } },
    sort: [{ '@timestamp': 'asc' }, { 'memtrail.finding_id': 'asc' }],
    ...(searchAfter ? { search_after: searchAfter } : {}),
  };
}
