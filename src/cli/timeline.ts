import { Command, Option } from 'commander';
import { z } from 'zod';
import type { Severity } from '../classify/finding.js';
import { configSchema, ConfigError, parseDuration } from '../config.js';
import { FindingCollector } from '../correlate/collector.js';
import { connectionFrom, type ConnectionFlags } from '../sinks/search/connection.js';
import { findingFromDocument, type FindingDocument } from '../sinks/search/documents.js';
import type { SearchEngine } from '../sinks/search/engine.js';
import { EngineError } from '../sinks/search/errors.js';
import { findingsIndex } from '../sinks/search/templates.js';
import { timelineQuery, type TimelineFilter } from '../sinks/search/timeline-query.js';
import { renderJson } from '../sinks/json.js';
import { summaryLines, findingLine } from '../sinks/ndjson.js';
import { Output } from '../sinks/output.js';
import { emptyStats, type ScanReport } from '../sinks/report.js';
import { colorsFor } from '../sinks/terminal.js';
import { renderText } from '../sinks/text.js';
import { engineOptions } from './engine-options.js';
import { EXIT } from './exit.js';

interface TimelineFlags extends ConnectionFlags {
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

const PAGE = 1000;
const collect = (value: string, previous: string[] = []) => [...previous, value];

const isoTime = z.iso.datetime({ offset: true });

/** A point in time: ISO 8601 with a zone, or a duration meaning that long ago ("2h"). */
function parseMoment(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (isoTime.safeParse(value).success) return Date.parse(value);
  try {
    return Date.now() - parseDuration(flag, value);
  } catch {
    throw new ConfigError(`${flag}: expected an ISO 8601 time or a duration such as 30m or 2h, got "${value}"`);
  }
}

export function timelineCommand(): Command {
  const command = new Command('timeline')
    .description('print the timelines indexed into Elasticsearch / OpenSearch, across every host that indexed into it')
    .option('--trace <id>', 'only this trace (repeatable)', collect)
    .option('--since <time>', 'from this time: ISO 8601, or a duration ago (2h, 30m)')
    .option('--until <time>', 'up to this time: ISO 8601, or a duration ago')
    .addOption(new Option('--severity <severity>', 'only findings at or above this severity').choices(['warning', 'critical']))
    .option('--host <name>', 'only findings from this host (repeatable)', collect)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'ndjson']).default('text'))
    .option('--incident-gap <duration>', 'findings closer than this form one incident (default 5m)')
    .option('--limit <n>', 'read at most this many findings', (v: string) => Number(v), 100_000)
    .option('--color', 'force colours on')
    .option('--no-color', 'force colours off');
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
  const stdout = new Output(process.stdout);
  const collector = new FindingCollector(config.max_findings_per_trace);
  let engine: SearchEngine | undefined;
  try {
    const { connect } = await import('../sinks/search/engine.js');
    engine = await connect(connection);
    let searchAfter: unknown[] | undefined;
    let read = 0;
    while (read < flags.limit) {
      const page = await engine.search(findingsIndex(connection.prefix), timelineQuery(filter, Math.min(PAGE, flags.limit - read), searchAfter));
      for (const hit of page.hits.hits) {
        const finding = findingFromDocument(hit._source as FindingDocument);
        collector.add(finding);
        if (flags.format === 'ndjson') await stdout.write(findingLine(finding));
      }
      read += page.hits.hits.length;
      if (page.hits.hits.length === 0) break;
      searchAfter = page.hits.hits.at(-1)!.sort;
    }
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    process.stderr.write(`memtrail: ${error.status === 404 ? `no findings index at ${connection.url} yet (run memtrail scan --index first)` : error.message}\n`);
    return EXIT.runtime;
  } finally {
    await engine?.close();
  }
  const report: ScanReport = {
    stats: { ...emptyStats(), findings: { ...collector.counts } },
    ...collector.result(config.incident_gap),
    errors: [],
    errors_total: 0,
    origin: `${engine!.kind} ${engine!.version} at ${connection.url}`,
  };
  if (flags.format === 'json') await stdout.write(renderJson(report));
  else if (flags.format === 'ndjson') for (const line of summaryLines(report)) await stdout.write(line);
  else for (const chunk of renderText(report, colorsFor(process.stdout, flags.color))) await stdout.write(chunk);
  return EXIT.ok;
}
