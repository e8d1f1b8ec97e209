import { findingJson, incidentJson, traceJson, type ScanReport } from './report.js';

/** `--format json`: exactly DESIGN.md's document (plus additive keys). */
export function renderJson(report: ScanReport): string {
  return `${JSON.stringify({
    stats: report.stats,
    traces: report.traces.map((t) => traceJson(t)),
    untraced_findings: report.untraced.map(findingJson),
    incidents: report.incidents.map(incidentJson),
    errors: report.errors,
    errors_total: report.errors_total,
    ...(report.index ? { index: report.index } : {}),
    ...(report.origin ? { origin: report.origin } : {}),
  })}\n`;
}
