import { Command, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { ConfigError } from '../config.js';
import { WorkerPool } from '../parallel/worker-pool.js';
import type { Finding, Severity } from '../classify/finding.js';
import { DeadLetter, type DeadLetterEntry } from '../sinks/dead-letter.js';
import { connectionFrom, type ConnectionFlags } from '../sinks/search/connection.js';
import type { IndexResult } from '../sinks/search/search-sink.js';
import { engineOptions } from './engine-options.js';
import { resolveInputs } from '../sources/inputs.js';
import { renderJson } from '../sinks/json.js';
import { findingLine, summaryLines } from '../sinks/ndjson.js';
import { Output } from '../sinks/output.js';
import { ProgressBar } from '../sinks/progress.js';
import { colorsFor, stripControl } from '../sinks/terminal.js';
import { renderText } from '../sinks/text.js';
import { EXIT } from './exit.js';
import { loadConfig, ruleOptions, type RuleFlags } from './options.js';
import { Scanner } from './scanner.js';

interface ScanFlags extends RuleFlags, ConnectionFlags {
  index?: boolean;
  format: 'text' | 'json' | 'ndjson';
  failOn?: Severity;
  deadLetter?: string;
  progress: boolean;
  color?: boolean;
  threads: number;
}

export function scanCommand(): Command {
  const command = new Command('scan')
    .description('scan JSON logs (files, directories, globs, gzip, or stdin) for memory findings and trace timelines')
    .argument('[inputs...]', "files, directories (recursive), globs; '-' or nothing for stdin")
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'ndjson']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 3 when a finding is at or above this severity').choices(['warning', 'critical']))
    .option('--dead-letter <file>', 'write every malformed line and invalid record to FILE as NDJSON')
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)')
    .option('--color', 'force colours on')
    .option('--no-color', 'force colours off (NO_COLOR works too)')
    .option(
      '--threads <n>',
      `worker threads parsing large NDJSON inputs, same results (default 1; this machine has ${availableParallelism()} cores)`,
      (v: string) => Number(v),
      1,
    );
  command.option('--index', 'also index findings and trace summaries into Elasticsearch / OpenSearch (see --es-url)');
  for (const option of [...ruleOptions(), ...engineOptions()]) command.addOption(option);
  return command.action(async (inputs: string[], flags: ScanFlags) => {
    process.exitCode = await runScan(inputs, flags);
  });
}

export async function runScan(args: string[], flags: ScanFlags): Promise<number> {
  const config = await loadConfig(flags);
  const connection = flags.index ? connectionFrom(flags) : undefined;
  if (!Number.isInteger(flags.threads) || flags.threads < 1) throw new ConfigError('--threads: expected a whole number of at least 1');
  const stdout = new Output(process.stdout);
  const deadLetter = flags.deadLetter ? new DeadLetter(flags.deadLetter) : undefined;
  const { inputs, problems } = await resolveInputs(args);

  const pendingFindings: Finding[] = [];
  const pendingIndex: Finding[] = [];
  const pendingDead: DeadLetterEntry[] = [];
  const warn = (message: string) => process.stderr.write(`memtrail: ${message}\n`);
  // The search clients are loaded only when indexing: they cost ~20 MB a plain scan does not need.
  const search = connection
    ? await (await import('../sinks/search/search-sink.js')).SearchSink.open(connection, {
        notIndexed: (entry) => deadLetter && pendingDead.push(entry),
        warn,
      })
    : undefined;
  let rawBytes = 0;
  const totalBytes = inputs.every((i) => i.size !== undefined) ? inputs.reduce((n, i) => n + (i.size ?? 0), 0) : undefined;
  const progress = flags.progress && process.stderr.isTTY ? new ProgressBar(totalBytes) : undefined;

  const pool = flags.threads > 1 ? new WorkerPool(flags.threads) : undefined;
  const scanner: Scanner = new Scanner(config, {
    finding: (f) => {
      if (flags.format === 'ndjson') pendingFindings.push(f);
      if (search) pendingIndex.push(f);
    },
    inputError: deadLetter ? (e) => pendingDead.push(e) : undefined,
    progress: (n) => {
      rawBytes += n;
    },
    drain: async () => {
      progress?.update({ bytes: rawBytes, findings: scanner.findings.total });
      for (const f of pendingFindings.splice(0)) await stdout.write(findingLine(f));
      for (const f of pendingIndex.splice(0)) await search?.add(f);
      for (const e of pendingDead.splice(0)) await deadLetter?.write(e);
    },
  }, pool);

  for (const problem of problems) scanner.inputFailed(problem.name, problem.reason);
  for (const input of inputs) await scanner.scan(input);
  progress?.stop();
  await pool?.close();
  const indexed = await search?.finish();
  for (const e of pendingDead.splice(0)) await deadLetter?.write(e);
  await deadLetter?.close();

  const report = scanner.report();
  if (indexed) report.index = indexed;
  if (flags.format === 'json') await stdout.write(renderJson(report));
  else if (flags.format === 'ndjson') for (const line of summaryLines(report)) await stdout.write(line);
  else for (const chunk of renderText(report, colorsFor(process.stdout, flags.color))) await stdout.write(chunk);

  reportErrorsOnStderr(report.errors, report.errors_total, scanner, flags.deadLetter);
  if (indexed) reportIndexing(indexed, flags.deadLetter);

  if (scanner.inputFailures > 0 || (indexed && indexed.failed > 0)) return EXIT.runtime;
  if (flags.failOn && scanner.findings.reached(flags.failOn)) return EXIT.findings;
  return EXIT.ok;
}

function reportIndexing(result: IndexResult, deadLetter: string | undefined): void {
  const lines = [
    `memtrail: indexed ${result.indexed} findings and ${result.traces} trace summaries into ${result.url} (${result.engine}); ${result.failed} failed`,
  ];
  for (const failure of result.failures) lines.push(`  ${failure.count} × ${failure.reason}`);
  if (result.failed > 0) lines.push(deadLetter ? `  the findings not indexed are in ${deadLetter}` : '  use --dead-letter FILE to keep the findings not indexed');
  process.stderr.write(`${lines.join('\n')}\n`);
}

const STDERR_SAMPLE = 10;

/** Diagnostics for people, on stderr: what could not be read, and a few bad lines with file:line. */
function reportErrorsOnStderr(
  errors: { file: string; line: number; kind: string; reason: string }[],
  total: number,
  scanner: Scanner,
  deadLetter: string | undefined,
): void {
  if (total === 0) return;
  const c = colorsFor(process.stderr);
  const { malformed, invalid } = scanner.stats;
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
  process.stderr.write(`${lines.join('\n')}\n`);
}
