import { Command, Option } from 'commander';
import type { Severity } from '../classify/finding.js';
import { ConfigError } from '../config.js';
import { EXIT } from '../errors.js';
import { connectionFrom, type ConnectionFlags } from '../sinks/search/connection.js';
import type { ReportOptions } from '../sinks/view.js';
import { engineOptions } from './engine-options.js';
import { loadConfig, parseMoment, ruleOptions, type RuleFlags } from './options.js';
import { threadsFrom, threadsOption } from './threads.js';
import { viewOptions, viewOutputs, type ViewFlags } from './view-options.js';

interface ScanFlags extends RuleFlags, ConnectionFlags, ViewFlags {
  index?: boolean;
  since?: string;
  until?: string;
  format: 'text' | 'json' | 'ndjson';
  failOn?: Severity;
  deadLetter?: string;
  progress: boolean;
  color?: boolean;
  threads: string;
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
    .addOption(threadsOption('large NDJSON inputs'));
  for (const option of viewOptions()) command.addOption(option);
  command.option('--since <time>', 'judge only records from this time: ISO 8601, or a duration ago (30m: "is it stable now?")');
  command.option('--until <time>', 'judge only records before this time: ISO 8601, or a duration ago');
  command.option('--index', 'also index findings and trace summaries into Elasticsearch / OpenSearch (see --es-url)');
  for (const option of [...ruleOptions(), ...engineOptions()]) command.addOption(option);
  return command.action(async (inputs: string[], flags: ScanFlags) => {
    process.exitCode = await runScan(inputs, flags);
  });
}

export async function runScan(inputs: string[], flags: ScanFlags): Promise<number> {
  const since = parseMoment('--since', flags.since);
  const until = parseMoment('--until', flags.until);
  const loaded = await loadConfig(flags);
  const config = since === undefined && until === undefined ? loaded : { ...loaded, window: { since, until } };
  const threads = threadsFrom(flags.threads, flags.index === true);
  if (flags.severity !== undefined && flags.format !== 'text' && flags.html === undefined) {
    throw new ConfigError(
      `--severity: lists findings in the text and HTML reports; --format ${flags.format} has every finding with its severity (jq 'select(.severity == "critical")')`,
    );
  }
  const { thresholds } = config;
  const outputs: ReportOptions = {
    format: flags.format,
    color: flags.color,
    deadLetter: flags.deadLetter,
    index: flags.index ? connectionFrom(flags) : undefined,
    ...viewOutputs(flags),
    thresholds: { warnPercent: thresholds.warn_percent, criticalPercent: thresholds.critical_percent, payloadBytes: thresholds.payload_bytes },
    inputs,
    incidentGapMs: config.incident_gap,
  };
  // Loaded when the command runs: `memtrail --help` and the other commands do not pay for it.
  const { runBatch } = await import('../pipeline/batch.js');
  const outcome = await runBatch({ config, inputs, outputs, threads, progress: flags.progress });
  if (outcome.inputFailures > 0 || outcome.deliveryFailures.length > 0) return EXIT.runtime;
  if (flags.failOn && outcome.run.findings.reached(flags.failOn)) return EXIT.findings;
  return EXIT.ok;
}
