/**
 * A real Prometheus for tests: Debian's `prometheus` binary (apt-get install prometheus), started
 * on 127.0.0.1 on a port the kernel picks, with its own temporary config and TSDB, scraping one
 * target every second and evaluating memtrail's alert rules (prometheus/memtrail-rules.yml, or
 * another file, or a variant of it with shorter durations).
 *
 *   const { prometheus, skipped } = await startPrometheus({ target: 'http://127.0.0.1:9464/metrics' });
 *   if (!prometheus) return t.skip(skipped);
 *   try { … await prometheus.query('memtrail_memory_usage_ratio') … await prometheus.alerts() … }
 *   finally { await prometheus.stop(); }
 *
 * Prometheus 2.42 applies its scrape targets on a 5-second tick: the first scrape comes about 5s
 * after it is ready, so poll with a generous limit. Its rule groups run at their own `interval`
 * (the shipped 30s): a test that wants alerts soon loads `rulesVariant: { interval: '1s', for: … }`.
 *
 * No process is left behind: stop() ends it, an exit handler kills whatever is still running when
 * the test process exits, and where util-linux's setpriv exists the kernel kills Prometheus when
 * the test process dies any other way (even SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ROOT } from './helpers.js';

export const PROMETHEUS_BIN = process.env.MEMTRAIL_PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.MEMTRAIL_PROMTOOL_BIN ?? '/usr/bin/promtool';
/** The shipped rules and their promtool unit tests. */
export const RULES_FILE = join(ROOT, 'prometheus', 'memtrail-rules.yml');
export const RULES_TEST_FILE = join(ROOT, 'prometheus', 'memtrail-rules.test.yml');

/** util-linux's setpriv, for --pdeathsig. */
export const SETPRIV = '/usr/bin/setpriv';

/** Why a binary cannot be run (a reason to skip a test), or undefined when it can. */
export function unavailable(bin: string): string | undefined {
  try {
    accessSync(bin, constants.X_OK);
    return undefined;
  } catch {
    return `${bin} is not installed (Debian: apt-get install -y prometheus)`;
  }
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function readRules(text: string): RuleGroup[] {
  const parsed = parse(text) as { groups?: RuleGroup[] } | null;
  if (!parsed?.groups) throw new Error('not a Prometheus rules file (no groups)');
  return parsed.groups;
}

/** The shipped rules with other durations, for a test that cannot wait 5 minutes. Expressions, labels and annotations are kept. */
export interface RulesVariant {
  /** Each group's evaluation interval (the shipped 30s would delay the first evaluation up to 30s). Unset: kept. */
  interval?: string;
  /** Each alert's `for`: one duration for all, or one per alert from its name and shipped `for`. Unset: kept. */
  for?: string | ((alert: string, shipped: string) => string);
}

/** The text of a rules file with the variant's durations. */
export function rulesVariant(text: string, variant: RulesVariant): string {
  const groups = readRules(text);
  for (const group of groups) {
    if (variant.interval !== undefined) group.interval = variant.interval;
    for (const rule of group.rules) {
      if (rule.alert === undefined || variant.for === undefined) continue;
      rule.for = typeof variant.for === 'string' ? variant.for : variant.for(rule.alert, rule.for ?? '0s');
    }
  }
  return stringify({ groups });
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** Milliseconds in a Prometheus duration ("1h30m", "2m", "500ms"). */
export function durationMs(duration: string): number {
  const parts = [...duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== duration) throw new Error(`not a Prometheus duration: ${duration}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0);
}

/** A Prometheus duration times a factor, e.g. scaleDuration('5m', 1 / 60) is '5000ms'. */
export function scaleDuration(duration: string, factor: number): string {
  return `${Math.round(durationMs(duration) * factor)}ms`;
}

export interface PrometheusOptions {
  /** The URL Prometheus scrapes, e.g. http://127.0.0.1:9464/metrics. */
  target: string;
  /** The rules to evaluate; the shipped prometheus/memtrail-rules.yml by default. */
  rulesFile?: string;
  /** Load a variant of rulesFile instead (written to the instance's temporary directory). */
  rulesVariant?: RulesVariant;
  /** Default 1s each. */
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** The scrape job's name (the `job` label); default memtrail. */
  job?: string;
  /** How long to wait for /-/ready before giving up; default 60s. */
  readyLimitMs?: number;
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
  /** Evaluation time, epoch seconds. */
  timestamp: number;
}

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: number;
}

export interface Target {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape: string;
}

export interface Prometheus {
  /** Base URL of its HTTP API, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly pid: number;
  /** Its temporary directory (config, rules variant, TSDB): removed by stop(). */
  readonly dir: string;
  readonly configFile: string;
  /** The rules file it loaded. */
  readonly rulesFile: string;
  /** An instant query (/api/v1/query) at the current time, or at `time`. */
  query(promql: string, time?: Date): Promise<Sample[]>;
  /** Pending and firing alerts (/api/v1/alerts). */
  alerts(): Promise<Alert[]>;
  /** Scrape targets and their health (/api/v1/targets). */
  targets(): Promise<Target[]>;
  /** The end of its log, for failure messages. */
  log(): string;
  /** Ends the process and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export type Started = { prometheus: Prometheus; skipped?: undefined } | { prometheus?: undefined; skipped: string };

interface ApiResponse<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

type QueryData =
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: [number, string] }[] }
  | { resultType: 'scalar'; result: [number, string] }
  | { resultType: 'matrix' | 'string'; result: unknown };

interface RawAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

/** Processes started here and not yet stopped, with their directories: the exit handler's list. */
const live = new Map<ChildProcess, string>();
let exitHandlerInstalled = false;

function killOnExit(child: ChildProcess, dir: string): void {
  live.set(child, dir);
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const [proc, procDir] of live) {
      proc.kill('SIGKILL');
      try {
        rmSync(procDir, { recursive: true, force: true });
      } catch {
        // A process still dying may hold files: a temporary directory is left at worst.
      }
    }
  });
}

const LOG_LIMIT = 64 * 1024;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts Prometheus and waits until it is ready; `skipped` says why when the binary is missing. */
export async function startPrometheus(options: PrometheusOptions): Promise<Started> {
  const reason = unavailable(PROMETHEUS_BIN);
  if (reason !== undefined) return { skipped: reason };

  const target = new URL(options.target);
  const dir = await mkdtemp(join(tmpdir(), 'memtrail-prometheus-'));
  let rulesFile = options.rulesFile ?? RULES_FILE;
  if (options.rulesVariant) {
    const variantFile = join(dir, 'rules.yml');
    await writeFile(variantFile, rulesVariant(await readFile(rulesFile, 'utf8'), options.rulesVariant));
    rulesFile = variantFile;
  }
  const params: Record<string, string[]> = {};
  for (const [key, value] of target.searchParams) (params[key] ??= []).push(value);
  const config = {
    global: { scrape_interval: options.scrapeInterval ?? '1s', evaluation_interval: options.evaluationInterval ?? '1s' },
    rule_files: [rulesFile],
    scrape_configs: [
      {
        job_name: options.job ?? 'memtrail',
        scheme: target.protocol.replace(/:$/, ''),
        metrics_path: target.pathname,
        ...(Object.keys(params).length > 0 ? { params } : {}),
        static_configs: [{ targets: [target.host] }],
      },
    ],
  };
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, stringify(config));

  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    // Port 0: the kernel picks a free one, read back from the log (no race with another test).
    '--web.listen-address=127.0.0.1:0',
  ];
  // setpriv --pdeathsig: the kernel kills Prometheus when this process dies, however it dies.
  const command = unavailable(SETPRIV) === undefined ? [SETPRIV, '--pdeathsig', 'SIGKILL', '--', PROMETHEUS_BIN] : [PROMETHEUS_BIN];
  const child = spawn(command[0]!, [...command.slice(1), ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  killOnExit(child, dir);

  let logText = '';
  let address: string | undefined;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    logText = (logText + chunk).slice(-LOG_LIMIT);
    address ??= /msg="Listening on" address=(\S+)/.exec(logText)?.[1];
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      spawnError = error;
      exit ??= { code: null, signal: null };
      resolve();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
  });
  // A test that forgets stop() must not keep the test process alive: the exit handler kills it.
  child.unref();
  (child.stderr as Socket).unref();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      child.ref();
      if (exit === undefined) {
        child.kill('SIGTERM');
        const escalate = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(escalate);
      }
      live.delete(child);
      await rm(dir, { recursive: true, force: true });
    })());

  const deadline = Date.now() + (options.readyLimitMs ?? 60_000);
  for (;;) {
    if (exit !== undefined) {
      await stop();
      const how = spawnError ? spawnError.message : `exit code ${exit.code}, signal ${exit.signal}`;
      throw new Error(`prometheus ended before it was ready (${how}):\n${logText}`);
    }
    if (address !== undefined && (await answers(`http://${address}/-/ready`))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within ${options.readyLimitMs ?? 60_000} ms:\n${logText}`);
    }
    await pause(50);
  }

  const url = `http://${address}`;
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${url}${path}?${new URLSearchParams(params).toString()}`);
    const body = (await response.json()) as ApiResponse<T>;
    if (body.status !== 'success' || body.data === undefined) {
      throw new Error(`${path} ${JSON.stringify(params)}: ${body.errorType ?? response.status}: ${body.error ?? 'no data'}`);
    }
    return body.data;
  };

  const prometheus: Prometheus = {
    url,
    pid: child.pid!,
    dir,
    configFile,
    rulesFile,
    async query(promql, time) {
      const data = await api<QueryData>('/api/v1/query', { query: promql, ...(time ? { time: String(time.getTime() / 1000) } : {}) });
      if (data.resultType === 'vector') {
        return data.result.map((s) => ({ labels: s.metric, value: Number(s.value[1]), timestamp: s.value[0] }));
      }
      if (data.resultType === 'scalar') return [{ labels: {}, value: Number(data.result[1]), timestamp: data.result[0] }];
      throw new Error(`query ${promql} gave a ${data.resultType}: only instant vectors and scalars are supported`);
    },
    async alerts() {
      const data = await api<{ alerts: RawAlert[] }>('/api/v1/alerts');
      return data.alerts.map((a) => ({ ...a, value: Number(a.value) }));
    },
    async targets() {
      const data = await api<{ activeTargets: Target[] }>('/api/v1/targets');
      return data.activeTargets;
    },
    log: () => logText,
    stop,
  };
  return { prometheus };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Whether a process is running (neither gone nor a zombie), and, when given, its command line contains `marker`. */
export function isRunning(pid: number, marker?: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    return marker === undefined || readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}
