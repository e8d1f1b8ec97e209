import { asError, UsageError } from '../errors.js';
import { deadLetterSink } from './dead-letter.js';
import { htmlSink } from './html/registration.js';
import { jsonSink } from './json.js';
import { ndjsonSink } from './ndjson.js';
import { metricsSink } from './metrics/registration.js';
import { searchSink } from './search/registration.js';
import type { OutputOptions, Sink, SinkContext, SinkRegistration } from './sink.js';
import { stderrSink } from './stderr.js';
import { textSink } from './text.js';

/**
 * Every sink, in the order a run hands them its report: the engine first (so the outputs can say
 * what it indexed), the dead-letter file, the stdout formats, then the diagnostics on stderr.
 * A new sink is its module plus one line here.
 */
export const SINKS: readonly SinkRegistration[] = [metricsSink, searchSink, deadLetterSink, textSink, jsonSink, ndjsonSink, htmlSink, stderrSink];

/** Opens the sinks a run's options ask for, in registry order; if one cannot open, those opened are closed. */
export async function openSinks(options: OutputOptions, context: SinkContext, registry: readonly SinkRegistration[] = SINKS): Promise<Sink[]> {
  const sinks: Sink[] = [];
  try {
    for (const registration of registry) {
      if (!registration.wanted(options)) continue;
      if (!registration.modes.includes(context.mode)) {
        throw new UsageError(`the ${registration.name} output is for ${registration.modes.join(' and ')} runs only`);
      }
      sinks.push(await registration.open(options, context));
    }
  } catch (error) {
    await closeSinks(sinks);
    throw error;
  }
  return sinks;
}

export async function closeSinks(sinks: readonly Sink[]): Promise<void> {
  let failure: unknown;
  for (const sink of sinks) {
    try {
      await sink.close();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw asError(failure);
}
