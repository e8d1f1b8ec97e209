/**
 * `npm test`: runs every suite with node:test. The engine suites need the real search engines:
 * this fetches them (once, with progress) and starts them (unless MEMTRAIL_TEST_ES_URL /
 * MEMTRAIL_TEST_OS_URL point at running ones) and stops what it started. `--suite
 * unit|cli|engine|browser` (repeatable) runs only those suites; only the engine suite needs Java,
 * the browser suite needs Debian's chromium (its tests are skipped, saying so, without it).
 *
 * Output: node:test's spec reporter, in colour on a terminal and plain when piped or in CI (it
 * follows NO_COLOR / FORCE_COLOR); the test runner writes straight to this process's stdout.
 * The script builds nothing: `npm test` builds before it, `.ci/run` relies on `npm ci`'s build.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** In the order their files are handed to the runner (the engine suites start once the CLI's timing-sensitive tail tests are under way). */
const SUITES = ['unit', 'cli', 'engine', 'browser'] as const;
/**
 * Test files run side by side. Most of a run waits (on the engines, on child processes), not on
 * the CPU: three keep two cores busy. MEMTRAIL_TEST_CONCURRENCY overrides it.
 */
const CONCURRENCY = Number(process.env.MEMTRAIL_TEST_CONCURRENCY ?? 3);
type Suite = (typeof SUITES)[number];
type EngineKind = 'elasticsearch' | 'opensearch';

/** Runs a child with this process's stdout and stderr; resolves with its exit code. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 2 : 1)));
  });
}

const engineScript = (action: string, kind: EngineKind) => run(process.execPath, ['--import', 'tsx', 'scripts/engine.ts', action, kind]);

interface Started {
  kind: EngineKind;
  env: Record<string, string>;
}

const ENV_PREFIX: Record<EngineKind, string> = { elasticsearch: 'ES', opensearch: 'OS' };

const externallyGiven = (kind: EngineKind) => Boolean(process.env[`MEMTRAIL_TEST_${ENV_PREFIX[kind]}_URL`]);

async function startEngine(kind: EngineKind): Promise<Started> {
  if ((await engineScript('start', kind)) !== 0) throw new Error(`could not start ${kind} for the integration tests (see above)`);
  const state = JSON.parse(readFileSync(join(ROOT, '.cache', 'engines', `${kind}.state.json`), 'utf8')) as {
    url: string;
    username?: string;
    password?: string;
    version: string;
  };
  const prefix = ENV_PREFIX[kind];
  const env: Record<string, string> = { [`MEMTRAIL_TEST_${prefix}_URL`]: state.url, [`MEMTRAIL_TEST_${prefix}_VERSION`]: state.version };
  if (state.username) env[`MEMTRAIL_TEST_${prefix}_USERNAME`] = state.username;
  if (state.password) env[`MEMTRAIL_TEST_${prefix}_PASSWORD`] = state.password;
  return { kind, env };
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(0)} s`;

async function main(): Promise<number> {
  const began = performance.now();
  const { values, positionals } = parseArgs({ options: { suite: { type: 'string', multiple: true } }, allowPositionals: true });
  const suites = (values.suite ?? [...SUITES]) as Suite[];
  for (const suite of suites) if (!SUITES.includes(suite)) throw new Error(`unknown suite ${suite} (${SUITES.join(', ')})`);
  const ordered = [...suites].sort((a, b) => SUITES.indexOf(a) - SUITES.indexOf(b));
  const files = positionals.length > 0 ? positionals : ordered.map((suite) => `test/${suite}/*.test.ts`);
  const needsEngines = positionals.length > 0 ? positionals.some((f) => f.includes('test/engine/')) : suites.includes('engine');
  const started: Started[] = [];
  const stopAll = async () => {
    for (const s of started.splice(0)) await engineScript('stop', s.kind);
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    if (needsEngines) {
      const kinds = (['elasticsearch', 'opensearch'] as const).filter((kind) => !externallyGiven(kind));
      // One download at a time, each with its own progress bar; then both nodes start side by side.
      for (const kind of kinds) {
        if ((await engineScript('fetch', kind)) !== 0) throw new Error(`could not fetch ${kind} for the integration tests (see above)`);
      }
      const engines = await Promise.allSettled(kinds.map((kind) => startEngine(kind)));
      for (const e of engines) if (e.status === 'fulfilled') started.push(e.value);
      const failed = engines.find((e) => e.status === 'rejected');
      if (failed) throw failed.reason;
      process.stderr.write(`test: engines ready after ${seconds(began)}\n`);
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const s of started) Object.assign(env, s.env);
    // The shell expands the globs; the spec reporter colours only a terminal.
    const code = await run('sh', ['-c', `exec "${process.execPath}" --import tsx --test --test-reporter=spec --test-concurrency=${CONCURRENCY} ${files.join(' ')}`], env);
    const what = positionals.length > 0 ? `${positionals.length} test files` : `suites ${suites.join(', ')}`;
    process.stderr.write(`test: ${what} ${code === 0 ? 'passed' : 'FAILED'} in ${seconds(began)}\n`);
    return code;
  } finally {
    await stopAll();
  }
}

process.exitCode = await main();
