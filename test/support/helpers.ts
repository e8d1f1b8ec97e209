import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScanStats } from '../../src/correlate/report.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const fixture = (name: string) => join(ROOT, 'fixtures', name);
export const BIN = join(ROOT, 'bin', 'memtrail.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** With `measure`: peak resident memory (MB) and CPU time (s, user + system) of the child. */
  usage?: { peakRssMb: number; cpuSeconds: number };
}

/** Runs the built CLI as a child process, as a user would. */
export interface CliOptions {
  /** Measure the child: its peak RSS and CPU time come back in `usage`. */
  measure?: boolean;
  stdin?: string | Buffer;
  env?: Record<string, string>;
  cwd?: string;
  /** Run as the unprivileged `nobody` when the tests run as root (CI does), so permissions apply. */
  asUnprivileged?: boolean;
}

const NOBODY = 65534;

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    delete env.FORCE_COLOR;
    const drop = options.asUnprivileged && process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
    const usageFile = options.measure ? join(tmpdir(), `memtrail-rusage-${process.pid}-${Math.random().toString(16).slice(2)}.json`) : undefined;
    if (usageFile) env.RUSAGE_OUT = usageFile;
    const preload = usageFile ? ['--import', join(ROOT, 'test', 'support', 'rusage.mjs')] : [];
    const child = spawn(process.execPath, [...preload, BIN, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'], ...drop });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      let usage: CliResult['usage'];
      if (usageFile) {
        const raw = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRSS: number; userCPUTime: number; systemCPUTime: number };
        rmSync(usageFile, { force: true });
        usage = { peakRssMb: raw.maxRSS / 1024, cpuSeconds: (raw.userCPUTime + raw.systemCPUTime) / 1e6 };
      }
      resolve({ code, stdout, stderr, usage });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

export async function scanJson(args: string[], options: Parameters<typeof runCli>[1] = {}) {
  const result = await runCli(['scan', '--format', 'json', ...args], options);
  if (result.stdout === '') throw new Error(`no output (exit ${result.code}): ${result.stderr}`);
  return { ...result, report: JSON.parse(result.stdout) as ScanJson };
}

export interface ScanJson {
  stats: ScanStats;
  traces: {
    trace_id: string;
    first_seen: string;
    last_seen: string;
    duration_ms: number;
    severity: string;
    peak_usage_percent: number | null;
    max_payload_bytes: number | null;
    counts: Record<string, number>;
    hosts: string[];
    files: string[];
    findings: {
      id: string;
      trace_id: string;
      timestamp: string;
      kind: string;
      severity: string;
      event: string | null;
      message: string | null;
      usage_percent: number | null;
      memory_used_bytes: number | null;
      payload_bytes: number | null;
      source: { file: string; line: number };
    }[];
  }[];
  untraced_findings: { kind: string; timestamp: string | null; timestamp_source: string; source: { file: string; line: number } }[];
  untraced_findings_omitted: number;
  traces_omitted: number;
  incidents: { start: string; end: string; findings: number; traces: number; severity: string; peak_usage_percent: number | null }[];
  errors: { file: string; line: number; kind: string; reason: string }[];
  errors_total: number;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'memtrail-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The fixtures written by real logging libraries (fixtures/loggers/, scripts/loggers/ wrote them). */
export const LOGGER_FIXTURES = readdirSync(join(ROOT, 'fixtures', 'loggers')).filter((f) => f.endsWith('.ndjson')).sort();

/** One log of each envelope (fixtures/containers): CRI with partial pieces, Docker json-file with 16 KiB pieces, journald, kubectl --timestamps. */
export const CRI_FIXTURE = 'containers/pods/prod_fraiseql-api-7d9f8c6b5-x2x9q_5b1c7f2e-8d3a-4e6b-9c0d-1f2e3d4c5b6a/api/0.log';
export const CONTAINER_FIXTURES = [
  CRI_FIXTURE,
  'containers/docker/containers/a3f5c2e1b4d6978877665544332211009988776655443322110099887766554a/a3f5c2e1b4d6978877665544332211009988776655443322110099887766554a-json.log',
  'containers/journald-fraiseql.json',
  'containers/kubectl-timestamps.log',
];

export const ALL_FIXTURES = [
  'app.ndjson',
  'app.ndjson.gz',
  'array.json',
  'control-chars.ndjson',
  'crlf-bom.ndjson',
  'ecs.ndjson',
  'host-a-shared.ndjson',
  'host-b.ndjson',
  'malformed.ndjson',
  'otel.ndjson',
  'pino.ndjson',
  'pretty-broken.json',
  'runbook-events.json',
  'truncated.json',
];

/**
 * JSON as memtrail (or an engine) printed it: tests walk into it freely and assert on what they
 * find, so it is deliberately untyped. The one `any` of the test code.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
