import type { Finding } from '../classify/finding.js';
import type { Incident } from '../correlate/incidents.js';
import type { LiveEvent } from '../correlate/live.js';
import type { ScanReport } from '../correlate/report.js';
import type { TraceSummary } from '../correlate/traces.js';
import { findingJson, incidentJson, seriesJson, traceJson } from './contract.js';
import type { Sink, SinkRegistration } from './sink.js';

/**
 * `--format ndjson`: one object per line with a `type`. Findings stream as they are found; traces
 * (their findings are the `finding` lines, so a trace line carries counts, not findings),
 * incidents, errors and the stats follow when the input ends.
 */
export function findingLine(finding: Finding): string {
  return `${JSON.stringify({ type: 'finding', ...findingJson(finding) })}\n`;
}

export function* summaryLines(report: ScanReport): Generator<string> {
  for (const trace of report.traces) yield `${JSON.stringify({ type: 'trace', ...traceJson(trace, false) })}\n`;
  for (const incident of report.incidents) yield `${JSON.stringify({ type: 'incident', ...incidentJson(incident) })}\n`;
  for (const series of report.series ?? []) yield `${JSON.stringify({ type: 'series', ...seriesJson(series) })}\n`;
  for (const error of report.errors) yield `${JSON.stringify({ type: 'error', ...error })}\n`;
  yield `${JSON.stringify({ type: 'stats', ...report.stats, errors_total: report.errors_total })}\n`;
}

export function liveTraceLine(trace: TraceSummary, reason: string): string {
  return `${JSON.stringify({ type: 'trace', reason, ...traceJson(trace, false) })}\n`;
}

export function incidentLine(type: 'incident_opened' | 'incident_closed', incident: Incident): string {
  return `${JSON.stringify({ type, ...incidentJson(incident) })}\n`;
}

export function liveEventLine(event: LiveEvent): string {
  return event.type === 'trace' ? liveTraceLine(event.summary, event.reason) : incidentLine(event.type, event.incident);
}

export const ndjsonSink: SinkRegistration = {
  name: 'ndjson',
  modes: ['batch', 'live'],
  wanted: (options) => options.format === 'ndjson',
  open: (_options, { stdout, mode }) => {
    const sink: Sink = {
      name: 'ndjson',
      finding: async (finding, ack) => {
        await stdout.write(findingLine(finding));
        ack();
      },
      close: () => Promise.resolve(),
    };
    if (mode === 'live') {
      sink.event = (event) => stdout.write(liveEventLine(event));
    } else {
      sink.summary = async (report) => {
        for (const line of summaryLines(report)) await stdout.write(line);
      };
    }
    return Promise.resolve(sink);
  },
};
