import type { Finding } from '../classify/finding.js';
import type { Incident } from '../correlate/incidents.js';
import type { TraceSummary } from '../correlate/traces.js';
import { findingJson, incidentJson, traceJson, type ScanReport } from './report.js';

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
  for (const error of report.errors) yield `${JSON.stringify({ type: 'error', ...error })}\n`;
  yield `${JSON.stringify({ type: 'stats', ...report.stats, errors_total: report.errors_total })}\n`;
}

export function liveTraceLine(trace: TraceSummary, reason: string): string {
  return `${JSON.stringify({ type: 'trace', reason, ...traceJson(trace, false) })}\n`;
}

export function incidentLine(type: 'incident_opened' | 'incident_closed', incident: Incident): string {
  return `${JSON.stringify({ type, ...incidentJson(incident) })}\n`;
}
