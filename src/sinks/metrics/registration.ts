import type { SinkRegistration } from '../sink.js';

/** `tail --metrics-listen`. prom-client is loaded only when metrics are asked for. */
export const metricsSink: SinkRegistration = {
  name: 'metrics',
  modes: ['live'],
  wanted: (options) => options.metricsListen !== undefined,
  open: async (options, context) => (await import('./sink.js')).MetricsSink.open(options.metricsListen!, context),
};
