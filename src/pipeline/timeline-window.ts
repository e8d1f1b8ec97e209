import type { Connection } from '../sinks/search/connection.js';
import { connect, type SearchEngine } from '../sinks/search/engine.js';
import { EngineError } from '../sinks/search/errors.js';
import { findingsIndex } from '../sinks/search/templates.js';
import { timelineQuery, type TimelineFilter } from '../sinks/search/timeline-query.js';

/** Sort values fetched per page while walking back from the newest finding. */
const PAGE = 1000;

/**
 * Which findings `timeline --limit N` reads: the newest N, read oldest first like any timeline.
 * When more match, `filter` starts at the time of the oldest one kept, and `skip` counts the
 * findings at that very millisecond that sort before it (by id), which are not kept.
 */
export interface TimelineWindow {
  filter: TimelineFilter;
  /** Findings to read, the skipped ones included. */
  read: number;
  skip: number;
  /** Findings that match the filter (a missing index: 0). */
  total: number;
  /** More matched than the limit: the oldest were left out. */
  cut: boolean;
}

type Query = { query: { bool: { filter: object[] } } };
const queryOf = (filter: TimelineFilter) => (timelineQuery(filter, 0) as Query).query;

export async function newestWindow(connection: Connection, filter: TimelineFilter, limit: number): Promise<TimelineWindow> {
  const engine = await connect(connection);
  try {
    return await windowIn(engine, findingsIndex(connection.prefix), filter, limit);
  } finally {
    await engine.close();
  }
}

async function windowIn(engine: SearchEngine, index: string, filter: TimelineFilter, limit: number): Promise<TimelineWindow> {
  let total: number;
  try {
    total = await engine.count(index, { query: queryOf(filter) });
  } catch (error) {
    // No index yet: reading says so, in its own words.
    if (error instanceof EngineError && error.status === 404) return { filter, read: limit, skip: 0, total: 0, cut: false };
    throw error;
  }
  if (total <= limit) return { filter, read: limit, skip: 0, total, cut: false };
  // Newest first, sort values only, down to the oldest finding kept.
  let oldestKept: unknown[] | undefined;
  for (let seen = 0; seen < limit; ) {
    const page = await engine.search(index, {
      ...timelineQuery(filter, Math.min(PAGE, limit - seen), oldestKept),
      sort: [{ '@timestamp': 'desc' }, { 'memtrail.finding_id': 'desc' }],
      _source: false,
    });
    const hits = page.hits.hits;
    if (hits.length === 0) break;
    seen += hits.length;
    oldestKept = hits.at(-1)!.sort;
  }
  if (oldestKept === undefined) return { filter, read: limit, skip: 0, total, cut: false };
  const [time, id] = oldestKept as [number, string];
  const at = new Date(time).toISOString();
  const skip = await engine.count(index, {
    query: {
      bool: {
        filter: [...queryOf(filter).bool.filter, { range: { '@timestamp': { gte: at, lte: at } } }, { range: { 'memtrail.finding_id': { lt: id } } }],
      },
    },
  });
  return { filter: { ...filter, since: time }, read: limit + skip, skip, total, cut: true };
}
