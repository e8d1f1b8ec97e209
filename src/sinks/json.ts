import type { ScanReport } from '../correlate/report.js';
import { findingJson, incidentJson, traceJson } from './contract.js';
import type { SinkRegistration } from './sink.js';

/** `--format json`: exactly the contract's document (plus additive keys). */
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

/** One JSON document once the run is over; a stream that never ends has no place for it (batch only). */
export const jsonSink: SinkRegistration = {
  name: 'json',
  modes: ['batch'],
  wanted: (options) => options.format === 'json',
  open: (_options, context) =>
    Promise.resolve({
      name: 'json',
      summary: (report) => context.stdout.write(renderJson(report)),
      close: () => Promise.resolve(),
    }),
};
