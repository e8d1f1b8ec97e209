import { Command, Option } from 'commander';
import { parseDuration } from '../config.js';
import { EXIT } from '../errors.js';
import type { LiveStatus } from '../pipeline/live.js';
import { defaultStatePath } from '../sources/tail/checkpoints.js';
import type { TailEvent } from '../sources/tail/tailer.js';
import { connectionFrom, type ConnectionFlags } from '../sinks/search/connection.js';
import { stripControl } from '../sinks/terminal.js';
import { engineOptions } from './engine-options.js';
import { loadConfig, ruleOptions, type RuleFlags } from './options.js';
import { resolveTailTargets, startLine } from './tail-start.js';
import { threadsFrom, threadsOption } from './threads.js';

interface TailFlags extends RuleFlags, ConnectionFlags {
  format: 'text' | 'ndjson';
  from?: 'start' | 'end';
  state?: string;
  traceIdle: string;
  statusInterval?: string;
  pollInterval: string;
  scanInterval: string;
  closeInactive: string;
  index?: boolean;
  deadLetter?: string;
  color?: boolean;
  metricsListen?: string;
  waitForFiles?: boolean;
  threads: string;
}

export function tailCommand(): Command {
  const command = new Command('tail')
    .description('follow live log files (through rotation and restarts) and report findings as they are written')
    .argument('<paths...>', 'files and globs to follow (quote globs so the shell does not expand them)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'ndjson']).default('text'))
    .addOption(
      new Option('--from <where>', 'where to start a file without a checkpoint (default: end on a terminal, start otherwise)').choices([
        'start',
        'end',
      ]),
    )
    .option('--state <file>', `checkpoint file (default ${defaultStatePath()})`)
    .option('--trace-idle <duration>', 'print a trace summary once its trace has had no finding for this long', '30s')
    .option('--status-interval <duration>', 'print a status line on stderr this often')
    .option('--poll-interval <duration>', 'how often files are checked when no change is signalled', '250ms')
    .option('--scan-interval <duration>', 'how often paths and globs are matched again for new and rotated files', '1s')
    .option('--close-inactive <duration>', 'let go of a renamed or deleted file after this long without new data', '5s')
    .option('--wait-for-files', 'keep waiting for paths and globs that match no file yet, as Filebeat does (default: say so and follow the rest)')
    .option('--index', 'also index findings and trace summaries (see --es-url)')
    .option('--dead-letter <file>', 'append malformed lines, invalid records and findings the engine rejected to FILE')
    .option('--color', 'force colours on')
    .option('--no-color', 'force colours off')
    .option('--metrics-listen <host:port>', 'serve Prometheus metrics on /metrics and a health check on /healthz (e.g. 127.0.0.1:9464)')
    .addOption(threadsOption('busy files'));
  for (const option of [...ruleOptions(), ...engineOptions()]) command.addOption(option);
  return command.action(async (paths: string[], flags: TailFlags) => {
    process.exitCode = await runTail(paths, flags);
  });
}

const warn = (message: string) => process.stderr.write(`memtrail: ${stripControl(message)}\n`);

export async function runTail(patterns: string[], flags: TailFlags): Promise<number> {
  const config = await loadConfig(flags);
  const statusMs = flags.statusInterval ? parseDuration('--status-interval', flags.statusInterval) : undefined;
  const tail = {
    patterns,
    from: flags.from ?? (process.stdin.isTTY ? 'end' : 'start'),
    traceIdleMs: parseDuration('--trace-idle', flags.traceIdle),
    pollMs: parseDuration('--poll-interval', flags.pollInterval),
    closeInactiveMs: parseDuration('--close-inactive', flags.closeInactive),
    discoverMs: parseDuration('--scan-interval', flags.scanInterval),
    statusMs,
    threads: threadsFrom(flags.threads, flags.index === true),
  } as const;
  const outputs = { format: flags.format, color: flags.color, deadLetter: flags.deadLetter, index: flags.index ? connectionFrom(flags) : undefined, metricsListen: flags.metricsListen };
  const stdin = patterns.length === 1 && patterns[0] === '-';
  const targets = stdin ? undefined : await resolveTailTargets(patterns, flags.waitForFiles ?? false, warn);
  const statePath = flags.state ?? defaultStatePath();
  // Loaded before the start line: once that is printed, Ctrl-C finds the files followed.
  const { runLive } = await import('../pipeline/live.js');
  // Signals are caught from here on, so that even waiting for the engine ends cleanly.
  const stop = new AbortController();
  const requestStop = () => stop.abort();
  process.once('SIGINT', requestStop);
  process.once('SIGTERM', requestStop);
  if (process.stderr.isTTY) warn(targets ? await startLine(targets, tail.from, statePath) : 'following standard input; Ctrl-C to stop');
  const verbose = statusMs !== undefined;
  await runLive(
    {
      config,
      outputs,
      tail: { ...tail, patterns: targets?.patterns ?? patterns },
      statePath,
      reporter: {
        warn,
        // Truncation and unreadable files are always said; files opened and let go with --status-interval.
        fileEvent: (event) => {
          if (verbose || event.type === 'truncated' || event.type === 'unreadable') warn(describeFileEvent(event));
        },
        status: (status) => warn(describeStatus(status)),
      },
    },
    stop.signal,
  );
  return EXIT.ok;
}

function describeFileEvent(event: TailEvent): string {
  switch (event.type) {
    case 'opened':
      return `following ${event.follower.path} from byte ${event.follower.position}`;
    case 'truncated':
      return `${event.follower.path} was truncated; reading it again from the start`;
    case 'closed':
      return `let go of ${event.follower.path}: renamed away or deleted, and read to its end`;
    case 'unreadable':
      return `cannot follow ${event.path}: ${event.error.message}`;
  }
}

function describeStatus(s: LiveStatus): string {
  const age = s.lastCheckpoint ? `${((Date.now() - s.lastCheckpoint) / 1000).toFixed(1)} s ago` : 'none yet';
  return (
    `following ${s.files} files, ${s.linesPerSecond.toFixed(0)} lines/s, lag ${s.lagBytes} bytes, ${s.waiting} findings waiting for sinks, ` +
    `${s.badLines} bad lines, last checkpoint ${age}`
  );
}
