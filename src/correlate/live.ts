import type { Finding } from '../classify/finding.js';
import { IncidentBuilder, pointOf, type Incident } from './incidents.js';
import { TraceBook, type TraceSummary } from './traces.js';

export type LiveEvent =
  | { type: 'trace'; summary: TraceSummary; reason: 'idle' | 'evicted' | 'shutdown' }
  | { type: 'incident_opened'; incident: Incident }
  | { type: 'incident_closed'; incident: Incident };

export interface LiveOptions {
  /** A trace's summary is emitted once it has had no finding for this long (wall time). */
  traceIdleMs: number;
  incidentGapMs: number;
  maxTraces: number;
  maxFindingsPerTrace: number;
}

/**
 * Correlation for a live tail. Pure: the caller passes the wall-clock time. Incidents open with a
 * finding and close when the next finding is more than the gap away in log time, or when no
 * finding has come for the gap in wall time. Open traces are bounded (the least recent is
 * summarised early), so memory stays flat however long it runs.
 */
export class LiveCorrelator {
  private readonly book: TraceBook;
  private readonly lastSeen = new Map<string, number>();
  private incident: IncidentBuilder | undefined;
  private incidentWall = 0;
  private evicted: LiveEvent[] = [];

  constructor(private readonly options: LiveOptions) {
    this.book = new TraceBook({
      maxFindingsPerTrace: options.maxFindingsPerTrace,
      maxTraces: options.maxTraces,
      onEvict: (summary) => {
        this.lastSeen.delete(summary.trace_id);
        this.evicted.push({ type: 'trace', summary, reason: 'evicted' });
      },
    });
  }

  get openTraces(): number {
    return this.book.size;
  }

  add(finding: Finding, now: number): LiveEvent[] {
    const events: LiveEvent[] = [];
    // Live findings always have a time (the record's, or when it was read); the guard is for the type.
    const timestamp = finding.timestamp ?? now;
    const point = pointOf(finding, timestamp);
    if (this.incident && timestamp - this.incident.end > this.options.incidentGapMs) {
      events.push({ type: 'incident_closed', incident: this.incident.build() });
      this.incident = undefined;
    }
    if (this.incident) {
      this.incident.add(point);
    } else {
      this.incident = new IncidentBuilder(point);
      events.push({ type: 'incident_opened', incident: this.incident.build() });
    }
    this.incidentWall = now;
    if (finding.trace_id !== null) {
      this.book.add(finding);
      this.lastSeen.set(finding.trace_id, now);
    }
    events.push(...this.evicted.splice(0));
    return events;
  }

  tick(now: number): LiveEvent[] {
    const events: LiveEvent[] = [];
    for (const [traceId, seen] of this.lastSeen) {
      if (now - seen < this.options.traceIdleMs) continue;
      this.lastSeen.delete(traceId);
      const summary = this.book.take(traceId);
      if (summary) events.push({ type: 'trace', summary, reason: 'idle' });
    }
    if (this.incident && now - this.incidentWall >= this.options.incidentGapMs) {
      events.push({ type: 'incident_closed', incident: this.incident.build() });
      this.incident = undefined;
    }
    return events;
  }

  /** Everything still open, on shutdown. */
  flush(): LiveEvent[] {
    const events: LiveEvent[] = this.book.summaries().map((summary) => ({ type: 'trace', summary, reason: 'shutdown' }) as const);
    for (const summary of events) if (summary.type === 'trace') this.book.take(summary.summary.trace_id);
    this.lastSeen.clear();
    if (this.incident) events.push({ type: 'incident_closed', incident: this.incident.build() });
    this.incident = undefined;
    return events;
  }
}
