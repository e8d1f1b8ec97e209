import type { SinkRegistration } from '../sink.js';

/** `--html FILE`. The report's renderer and its assets are loaded only when a report is asked for. */
export const htmlSink: SinkRegistration = {
  name: 'html',
  modes: ['batch'],
  wanted: (options) => options.html !== undefined,
  open: async (options, context) => (await import('./sink.js')).HtmlReportSink.open(options, context),
};
