import { Command, Option } from 'commander';
import type { FileHandle } from 'node:fs/promises';
import type { Finding } from '../classify/finding.js';
import { buildPrefilter } from '../classify/prefilter.js';
import { classify, rulesFrom } from '../classify/rules.js';
import { parseDuration } from '../config.js';
import { LiveCorrelator, type LiveEvent } from '../correlate/live.js';
import { RecordReader, type InputError } from '../parse/records.js';
import { AckTracker, type AckMark } from '../sources/tail/ack-tracker.js';
import { CheckpointStore, defaultStatePath } from '../sources/tail/checkpoints.js';
import type { Follower } from '../sources/tail/follower.js';
import { fingerprintOf, identityKey, type FileIdentity } from '../sources/tail/identity.js';
import { lastCompleteLine } from '../sources/tail/follower.js';
import { Tailer } from '../sources/tail/tailer.js';
import { DeadLetter } from '../sinks/dead-letter.js';
import { findingLine, incidentLine, liveTraceLine } from '../sinks/ndjson.js';
import { Output } from '../sinks/output.js';
import { connectionFrom, type ConnectionFlags } from '../sinks/search/connection.js';
import type { SearchSink } from '../sinks/search/search-sink.js';
import { colorsFor, stripControl } from '../sinks/terminal.js';
import { incidentClosedText, incidentOpenedText, liveFindingText, liveTraceText } from '../sinks/text.js';
import { engineOptions } from './engine-options.js';
import { EXIT } from './exit.js';
import { loadConfig, ruleOptions, type RuleFlags } from './options.js';

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
}

/** One followed file: its reader (framing from the file's current offset) and what awaits the sinks. */
interface FileState {
  follower: Follower;
  reader: RecordReader;
  tracker: AckTracker;
  outgoing: { finding: Finding; mark: AckMark }[];
  errors: InputError[];
}

const CHECKPOINT_MS = 1000;
const SUMMARY_MS = 10_000;
const SHUTDOWN_DRAIN_MS = 4000;
const SHUTDOWN_SUMMARIES_MS = 2000;

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
    .option('--index', 'also index findings and trace summaries (see --es-url)')
    .option('--dead-letter <file>', 'append malformed lines, invalid records and findings the engine rejected to FILE')
    .option('--color', 'force colours on')
    .option('--no-color', 'force colours off');
  for (const option of [...ruleOptions(), ...engineOptions()]) command.addOption(option);
  return command.action(async (paths: string[], flags: TailFlags) => {
    process.exitCode = await runTail(paths, flags);
  });
}

export async function runTail(patterns: string[], flags: TailFlags): Promise<number> {
  const config = await loadConfig(flags);
  const connection = flags.index ? connectionFrom(flags) : undefined;
  const traceIdleMs = parseDuration('--trace-idle', flags.traceIdle);
  const statusMs = flags.statusInterval ? parseDuration('--status-interval', flags.statusInterval) : undefined;
  const pollMs = parseDuration('--poll-interval', flags.pollInterval);
  const closeInactiveMs = parseDuration('--close-inactive', flags.closeInactive);
  const discoverMs = parseDuration('--scan-interval', flags.scanInterval);
  const from = flags.from ?? (process.stdin.isTTY ? 'end' : 'start');
  const rules = rulesFrom(config);
  const prefilter = config.fast ? buildPrefilter(rules, config.fields) : undefined;
  const store = await CheckpointStore.open(flags.state ?? defaultStatePath());
  const stdout = new Output(process.stdout);
  const c = colorsFor(process.stdout, flags.color);
  const warn = (message: string) => process.stderr.write(`memtrail: ${stripControl(message)}\n`);
  const deadLetter = flags.deadLetter ? new DeadLetter(flags.deadLetter, 'a') : undefined;
  // Signals are caught from here on, so that even waiting for the engine ends cleanly.
  const stopRequested = new AbortController();
  const requestStop = () => stopRequested.abort();
  process.once('SIGINT', requestStop);
  process.once('SIGTERM', requestStop);
  const search: SearchSink | undefined = connection
    ? await (await import('../sinks/search/search-sink.js')).SearchSink.open(
        connection,
        { notIndexed: (entry) => void deadLetter?.write(entry), warn },
        stopRequested.signal,
      )
    : undefined;
  if (stopRequested.signal.aborted) {
    await search?.close();
    await deadLetter?.close();
    return EXIT.ok;
  }
  const sinks = search ? 2 : 1;
  const correlator = new LiveCorrelator({
    traceIdleMs,
    incidentGapMs: config.incident_gap,
    maxTraces: 10_000,
    maxFindingsPerTrace: 1000,
  });

  const states = new Map<Follower, FileState>();
  const startLines = new Map<string, number>();
  let linesTotal = 0;
  let errorsTotal = 0;
  let lastCheckpoint = 0;

  const newReader = (state: Pick<FileState, 'follower' | 'tracker' | 'outgoing' | 'errors'>, offset: number, line: number) =>
    new RecordReader(
      state.follower.path,
      {
        preset: config.preset,
        fields: config.fields,
        maxRecordBytes: config.max_record_bytes,
        framing: 'ndjson',
        prefilter,
        startOffset: offset,
        startLine: line,
      },
      {
        record: (record, text, source) => {
          for (const finding of classify(record, text, source, rules)) {
            // Marked now, while the line is being framed, so no checkpoint can pass it before it is delivered.
            state.outgoing.push({ finding, mark: state.tracker.mark(source.offset, source.line - 1, sinks) });
          }
        },
        error: (error) => state.errors.push(error),
      },
    );

  const print = async (events: LiveEvent[]) => {
    for (const event of events) {
      if (flags.format === 'ndjson') {
        await stdout.write(event.type === 'trace' ? liveTraceLine(event.summary, event.reason) : incidentLine(event.type, event.incident));
      } else if (event.type === 'trace') {
        await stdout.write(`${liveTraceText(event.summary, event.reason, c)}\n`);
      } else {
        await stdout.write(`${event.type === 'incident_opened' ? incidentOpenedText(event.incident, c) : incidentClosedText(event.incident, c)}\n`);
      }
    }
  };

  const deliver = async (state: FileState) => {
    for (const error of state.errors.splice(0)) {
      errorsTotal++;
      if (deadLetter) await deadLetter.write(error);
      else warn(`${error.file}:${error.line}: ${error.kind}: ${error.reason}`);
    }
    for (const { finding, mark } of state.outgoing.splice(0)) {
      const events = correlator.add(finding, Date.now());
      // Incident lines frame the finding that opened them; summaries of evicted traces follow it.
      await print(events.filter((e) => e.type !== 'trace'));
      await stdout.write(flags.format === 'ndjson' ? findingLine(finding) : `${liveFindingText(finding, c)}\n`);
      state.tracker.done(mark);
      await print(events.filter((e) => e.type === 'trace'));
      if (search) await search.add(finding, () => state.tracker.done(mark));
    }
  };

  const commit = async () => {
    for (const state of states.values()) {
      const { offset, line } = state.tracker.committable(state.reader.completeUpTo, state.reader.linesSeen);
      store.set(state.follower.identity, state.follower.path, offset, line);
    }
    await store.save();
    lastCheckpoint = Date.now();
  };

  const tailer = new Tailer(
    {
      patterns,
      pollMs,
      discoverMs,
      closeInactiveMs,
      startPosition: async (identity: FileIdentity, handle: FileHandle, initial: boolean) => {
        const key = identityKey(identity);
        const saved = store.find(identity);
        const size = (await handle.stat()).size;
        if (saved && saved.offset <= size && (await fingerprintOf(handle, saved.fingerprintLength)) === saved.fingerprint) {
          startLines.set(key, saved.line);
          return saved.offset;
        }
        if (initial && from === 'end') {
          const end = await lastCompleteLine(handle, size);
          startLines.set(key, end.lines);
          return end.offset;
        }
        startLines.set(key, 0);
        return 0;
      },
    },
    {
      opened: (follower) => {
        const partial = { follower, tracker: new AckTracker(), outgoing: [], errors: [] };
        const line = startLines.get(identityKey(follower.identity)) ?? 0;
        states.set(follower, { ...partial, reader: newReader(partial, follower.position, line) });
        if (statusMs !== undefined) warn(`following ${follower.path} from byte ${follower.position}`);
      },
      data: async (follower, chunk) => {
        const state = states.get(follower)!;
        const before = state.reader.linesSeen;
        state.reader.push(chunk);
        linesTotal += state.reader.linesSeen - before;
        await deliver(state);
      },
      truncated: (follower) => {
        const state = states.get(follower)!;
        warn(`${follower.path} was truncated; reading it again from the start`);
        state.tracker.reset();
        state.outgoing.length = 0;
        state.reader = newReader(state, 0, 0);
      },
      closed: async (follower, reason) => {
        const state = states.get(follower);
        if (state) {
          const { offset, line } = state.tracker.committable(state.reader.completeUpTo, state.reader.linesSeen);
          store.set(follower.identity, follower.path, offset, line);
          states.delete(follower);
        }
        if (statusMs !== undefined) warn(`let go of ${follower.path}: ${reason}`);
      },
      warn,
    },
  );

  let stopping = false;
  let timersBusy = false;
  const everySecond = setInterval(() => {
    if (timersBusy || stopping) return;
    timersBusy = true;
    void (async () => {
      await print(correlator.tick(Date.now()));
      await search?.flush();
      await commit();
    })()
      .catch((error: Error) => warn(`checkpoint: ${error.message}`))
      .finally(() => (timersBusy = false));
  }, CHECKPOINT_MS);
  const summaries = search ? setInterval(() => void search.updateSummaries(), SUMMARY_MS) : undefined;
  let lastLines = 0;
  const status =
    statusMs !== undefined
      ? setInterval(() => {
          void (async () => {
            let lag = 0;
            for (const state of states.values()) lag += Math.max(0, (await state.follower.size()) - state.follower.position);
            const rate = ((linesTotal - lastLines) / statusMs) * 1000;
            lastLines = linesTotal;
            const waiting = [...states.values()].reduce((n, s) => n + s.tracker.outstanding, 0);
            const age = lastCheckpoint ? `${((Date.now() - lastCheckpoint) / 1000).toFixed(1)} s ago` : 'none yet';
            warn(
              `following ${states.size} files, ${rate.toFixed(0)} lines/s, lag ${lag} bytes, ${waiting} findings waiting for sinks` +
                `${search ? ` (${search.buffered} buffered for the engine)` : ''}, ${errorsTotal} bad lines, last checkpoint ${age}`,
            );
          })();
        }, statusMs)
      : undefined;

  const running = tailer.run();
  await new Promise<void>((resolve) => {
    const stop = () => {
      if (stopping) return;
      stopping = true;
      resolve();
    };
    stopRequested.signal.addEventListener('abort', stop);
    running.catch((error: Error) => {
      warn(`tail failed: ${error.message}`);
      stop();
    });
  });

  // Shutdown: stop reading, hand over what was read, give the sinks a few seconds, commit.
  tailer.stop();
  await running.catch(() => undefined);
  clearInterval(everySecond);
  clearInterval(summaries);
  clearInterval(status);
  while (timersBusy) await new Promise((resolve) => setTimeout(resolve, 20));
  await search?.shutdown(SHUTDOWN_DRAIN_MS, SHUTDOWN_SUMMARIES_MS);
  await print(correlator.flush());
  await commit();
  await tailer.close();
  await deadLetter?.close();
  return EXIT.ok;
}
