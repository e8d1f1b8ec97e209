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
    maxFindings: request.outputs.format === 'ndjson' ? 0 : request.config.max_findings,
    maxTraces: request.config.max_traces,
    incidentGapMs: request.config.incident_gap,
  });
  const { readFindings } = await import('../sinks/search/read-findings.js');
  const sinks = await openSinks(request.outputs, context);
  const findingSinks = sinks.filter((s) => s.finding !== undefined);
  try {
    const { origin } = await readFindings(request.connection, request.filter, request.limit, async (finding) => {
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
