import { Command, Option } from 'commander';
import type { Severity } from '../classify/finding.js';
import { configSchema, ConfigError, parseDuration } from '../config.js';
import { EXIT } from '../errors.js';
import { connectionFrom, type ConnectionFlags } from '../sinks/search/connection.js';
import type { TimelineFilter } from '../sinks/search/timeline-query.js';
import { engineOptions } from './engine-options.js';
import { parseMoment } from './options.js';
import type { ReportOptions } from '../sinks/view.js';
import { viewOptions, viewOutputs, type ViewFlags } from './view-options.js';

interface TimelineFlags extends ConnectionFlags, Omit<ViewFlags, 'severity'> {
  trace?: string[];
  host?: string[];
  since?: string;
  until?: string;
  severity?: Severity;
  format: 'text' | 'json' | 'ndjson';
  incidentGap?: string;
  limit: number;
  color?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function timelineCommand(): Command {
  const command = new Command('timeline')
    .description('print the timelines indexed into Elasticsearch / OpenSearch, across every host that indexed into it')
    .option('--trace <id>', 'only this trace (repeatable)', collect)
    .option('--since <time>', 'from this time: ISO 8601, or a duration ago (2h, 30m)')
    .option('--until <time>', 'up to this time: ISO 8601, or a duration ago')
    .addOption(new Option('--severity <severity>', 'only findings at or above this severity').choices(['warning', 'critical']))
    .option('--host <name>', 'only findings from this host (repeatable)', collect)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'ndjson']).default('text'))
    .option('--incident-gap <duration>', 'findings closer than this form one incident (default 20s)')
    .option('--limit <n>', 'keep the newest N findings (stderr says when more matched)', (v: string) => Number(v), 100_000)
    .option('--color', 'force colours on')
    .option('--no-color', 'force colours off');
  for (const option of viewOptions({ severity: false })) command.addOption(option);
  for (const option of engineOptions()) command.addOption(option);
  return command.action(async (flags: TimelineFlags) => {
    process.exitCode = await runTimeline(flags);
  });
}

export async function runTimeline(flags: TimelineFlags): Promise<number> {
  const connection = connectionFrom(flags);
  const config = configSchema.parse(flags.incidentGap ? { incident_gap: parseDuration('--incident-gap', flags.incidentGap) } : {});
  if (!Number.isInteger(flags.limit) || flags.limit < 1) throw new ConfigError('--limit: expected a whole number of at least 1');
  const filter: TimelineFilter = {
    traces: flags.trace ?? [],
    hosts: flags.host ?? [],
    since: parseMoment('--since', flags.since),
    until: parseMoment('--until', flags.until),
    severity: flags.severity,
  };
  const outputs: ReportOptions = { format: flags.format, color: flags.color, ...viewOutputs(flags), incidentGapMs: config.incident_gap };
  const { runTimeline: readTimeline } = await import('../pipeline/timeline.js');
  await readTimeline({ config, connection, filter, limit: flags.limit, outputs });
  return EXIT.ok;
}
