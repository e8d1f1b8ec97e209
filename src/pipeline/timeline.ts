import type { Config } from '../config.js';
import { FindingCollector } from '../correlate/collector.js';
import { emptyStats, type ScanReport } from '../correlate/report.js';
import { Output } from '../sinks/output.js';
import { closeSinks, openSinks } from '../sinks/registry.js';
import type { Connection } from '../sinks/search/connection.js';
import type { TimelineFilter } from '../sinks/search/timeline-query.js';
import type { OutputOptions, SinkContext } from '../sinks/sink.js';
import { colorsFor, stripControl } from '../sinks/terminal.js';

export interface TimelineRequest {
  config: Config;
  connection: Connection;
  filter: TimelineFilter;
  limit: number;
  outputs: OutputOptions;
}

/**
 * The timeline driver: findings read back from the engine (every host that indexed into it) →
 * correlation → the same output sinks as a scan.
 */
export async function runTimeline(request: TimelineRequest): Promise<ScanReport> {
  const context: SinkContext = {
    mode: 'batch',
    stdout: new Output(process.stdout),
    colors: colorsFor(process.stdout, request.outputs.color),
    warn: (message) => process.stderr.write(`memtrail: ${stripControl(message)}\n`),
    failed: () => undefined,
    reject: () => undefined,
  };
  const collector = new FindingCollector({
    maxFindingsPerTrace: request.config.max_findings_per_trace,
    maxFindings: request.outputs.format === 'ndjson' && request.outputs.html === undefined ? 0 : request.config.max_findings,
    maxTraces: request.config.max_traces,
    incidentGapMs: request.config.incident_gap,
  });
  const { readFindings } = await import('../sinks/search/read-findings.js');
  const { newestWindow } = await import('./timeline-window.js');
  // --limit keeps the newest findings: the window starts at the oldest one kept.
  const window = await newestWindow(request.connection, request.filter, request.limit);
  if (window.cut) {
    context.warn(`kept the newest ${request.limit} of ${window.total} findings (--limit ${request.limit}); narrow with --since, --until, --trace, --host or --severity, or raise --limit`);
  }
  const sinks = await openSinks(request.outputs, context);
  const findingSinks = sinks.filter((s) => s.finding !== undefined);
  try {
    let toSkip = window.skip;
    const { origin } = await readFindings(request.connection, window.filter, window.read, async (finding) => {
      if (toSkip > 0) {
        toSkip--;
        return;
      }
      collector.add(finding);
      for (const sink of findingSinks) await sink.finding!(finding, () => undefined);
    });
    const report: ScanReport = {
      stats: { ...emptyStats(), findings: { ...collector.counts } },
      ...collector.result(),
      errors: [],
      errors_total: 0,
      origin,
    };
    for (const sink of sinks) await sink.summary?.(report);
    return report;
  } finally {
    await closeSinks(sinks);
  }
}
