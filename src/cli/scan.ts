import { Command, Option } from 'commander';
import { availableParallelism } from 'node:os';
import type { Severity } from '../classify/finding.js';
import { ConfigError } from '../config.js';
import { EXIT } from '../errors.js';
import { runBatch } from '../pipeline/batch.js';
import { connectionFrom, type ConnectionFlags } from '../sinks/search/connection.js';
import type { OutputOptions } from '../sinks/sink.js';
import { engineOptions } from './engine-options.js';
import { loadConfig, ruleOptions, type RuleFlags } from './options.js';

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

export async function runScan(inputs: string[], flags: ScanFlags): Promise<number> {
  const config = await loadConfig(flags);
  if (!Number.isInteger(flags.threads) || flags.threads < 1) throw new ConfigError('--threads: expected a whole number of at least 1');
  const outputs: OutputOptions = {
    format: flags.format,
    color: flags.color,
    deadLetter: flags.deadLetter,
    index: flags.index ? connectionFrom(flags) : undefined,
  };
  const outcome = await runBatch({ config, inputs, outputs, threads: flags.threads, progress: flags.progress });
  if (outcome.inputFailures > 0 || outcome.deliveryFailures.length > 0) return EXIT.runtime;
  if (flags.failOn && outcome.run.findings.reached(flags.failOn)) return EXIT.findings;
  return EXIT.ok;
}
