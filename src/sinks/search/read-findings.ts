import type { Finding } from '../../classify/finding.js';
import type { Connection } from './connection.js';
import { findingFromDocument } from './documents.js';
import { connect } from './engine.js';
import { EngineError } from './errors.js';
import { findingsIndex } from './templates.js';
import { timelineQuery, type TimelineFilter } from './timeline-query.js';

const PAGE = 1000;

/** What was read back, and from which engine. */
export interface ReadBack {
  origin: string;
  read: number;
}

/**
 * Reads indexed findings back in time order (search_after pages), up to `limit`, handing each to
 * `found` (awaited: backpressure). A missing index is said as such.
 */
export async function readFindings(
  connection: Connection,
  filter: TimelineFilter,
  limit: number,
  found: (finding: Finding) => Promise<void> | void,
): Promise<ReadBack> {
  const engine = await connect(connection);
  try {
    let searchAfter: unknown[] | undefined;
    let read = 0;
    while (read < limit) {
      let page;
      try {
        page = await engine.search(findingsIndex(connection.prefix), timelineQuery(filter, Math.min(PAGE, limit - read), searchAfter));
      } catch (error) {
        if (error instanceof EngineError && error.status === 404) {
          throw new EngineError(`no findings index at ${connection.url} yet (run memtrail scan --index first)`, 404);
        }
        throw error;
      }
      for (const hit of page.hits.hits) await found(findingFromDocument(hit._source, hit._id));
      read += page.hits.hits.length;
      if (page.hits.hits.length === 0) break;
      searchAfter = page.hits.hits.at(-1)!.sort;
    }
    return { origin: `${engine.kind} ${engine.version} at ${connection.url}`, read };
  } finally {
    await engine.close();
  }
}
