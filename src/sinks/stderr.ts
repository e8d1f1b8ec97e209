import type { IndexResult, ReportedError } from '../correlate/report.js';
import type { Sink, SinkRegistration } from './sink.js';
import { colorsFor, stripControl } from './terminal.js';

const STDERR_SAMPLE = 10;

/**
 * Diagnostics for people, on stderr: after a batch run, what could not be read, a few bad lines
 * with file:line and what the engine took; in a live run without a dead-letter file, each bad
 * line as it comes.
 */
export const stderrSink: SinkRegistration = {
  name: 'stderr',
  modes: ['batch', 'live'],
  wanted: () => true,
  open: (options, context) => {
    const sink: Sink = { name: 'stderr', close: () => Promise.resolve() };
    if (context.mode === 'live') {
      if (options.deadLetter === undefined) {
        sink.rejected = (entry) => context.warn(`${entry.file}:${entry.line}: ${entry.kind}: ${entry.reason}`);
      }
    } else {
      sink.summary = (report) => {
        const lines = errorLines(report.errors, report.errors_total, report.stats, options.deadLetter);
        if (report.index) lines.push(...indexLines(report.index, options.deadLetter));
        if (lines.length > 0) process.stderr.write(`${lines.join('\n')}\n`);
        return Promise.resolve();
      };
    }
    return Promise.resolve(sink);
  },
};

function errorLines(errors: ReportedError[], total: number, stats: { malformed: number; invalid: number }, deadLetter: string | undefined): string[] {
  if (total === 0) return [];
  const c = colorsFor(process.stderr);
  const { malformed, invalid } = stats;
  const lines: string[] = [];
  for (const e of errors.filter((e) => e.kind === 'input')) lines.push(`memtrail: ${c.red('cannot read')} ${stripControl(e.file)}: ${e.reason}`);
  if (malformed + invalid > 0) {
    const where = deadLetter ? `all of them in ${deadLetter}` : 'use --dead-letter FILE to keep all of them';
    lines.push(`memtrail: ${malformed} malformed line${malformed === 1 ? '' : 's'}, ${invalid} invalid record${invalid === 1 ? '' : 's'} (${where})`);
    for (const e of errors.filter((e) => e.kind !== 'input').slice(0, STDERR_SAMPLE)) {
      lines.push(`  ${stripControl(e.file)}:${e.line}: ${e.kind}: ${stripControl(e.reason)}`);
    }
    if (malformed + invalid > STDERR_SAMPLE) lines.push(`  … and ${malformed + invalid - STDERR_SAMPLE} more`);
  }
  return lines;
}

function indexLines(result: IndexResult, deadLetter: string | undefined): string[] {
  const lines = [
    `memtrail: indexed ${result.indexed} findings and ${result.traces} trace summaries into ${result.url} (${result.engine}); ${result.failed} failed`,
  ];
  for (const failure of result.failures) lines.push(`  ${failure.count} × ${failure.reason}`);
  if (result.failed > 0) lines.push(deadLetter ? `  the findings not indexed are in ${deadLetter}` : '  use --dead-letter FILE to keep the findings not indexed');
  return lines;
}
