import type { ScanReport } from '../correlate/report.js';
import { findingJson, incidentJson, seriesJson, traceJson } from './contract.js';
import type { SinkRegistration } from './sink.js';

/**
 * `--format json`: exactly the contract's document (plus additive keys), written in pieces (a
 * trace, a finding at a time) so no output is ever built as one giant string.
 */
export function* renderJson(report: ScanReport): Generator<string> {
  yield `{"stats":${JSON.stringify(report.stats)},"traces":[`;
  for (const [i, trace] of report.traces.entries()) yield `${i === 0 ? '' : ','}${JSON.stringify(traceJson(trace))}`;
  yield '],"untraced_findings":[';
  for (const [i, finding] of report.untraced.entries()) yield `${i === 0 ? '' : ','}${JSON.stringify(findingJson(finding))}`;
  yield `],"untraced_findings_omitted":${report.untracedOmitted},"traces_omitted":${report.tracesOmitted}`;
  yield `,"incidents":${JSON.stringify(report.incidents.map(incidentJson))}`;
  if (report.series) {
    yield ',"series":[';
    for (const [i, series] of report.series.entries()) yield `${i === 0 ? '' : ','}${JSON.stringify(seriesJson(series))}`;
    yield ']';
  }
  yield `,"errors":${JSON.stringify(report.errors)},"errors_total":${report.errors_total}`;
  if (report.index) yield `,"index":${JSON.stringify(report.index)}`;
  if (report.origin) yield `,"origin":${JSON.stringify(report.origin)}`;
  yield '}\n';
}

/** One JSON document once the run is over; a stream that never ends has no place for it (batch only). */
export const jsonSink: SinkRegistration = {
  name: 'json',
  modes: ['batch'],
  wanted: (options) => options.format === 'json',
  open: (_options, context) =>
    Promise.resolve({
      name: 'json',
      summary: async (report) => {
        for (const piece of renderJson(report)) await context.stdout.write(piece);
      },
      close: () => Promise.resolve(),
    }),
};
