import type { SinkRegistration } from '../sink.js';

/** `--index`. The search clients are loaded only when indexing: they cost ~20 MB a plain scan does not need. */
export const searchSink: SinkRegistration = {
  name: 'search',
  modes: ['batch', 'live'],
  wanted: (options) => options.index !== undefined,
  open: async (options, context) => (await import('./search-sink.js')).SearchSink.open(options.index!, context),
};
