/**
 * `npm test`: runs every suite with node:test. The engine suites need the real search engines:
 * this fetches them (once, with progress) and starts them (unless MEMTRAIL_TEST_ES_URL /
 * MEMTRAIL_TEST_OS_URL point at running ones) and stops what it started. `--suite
 * unit|cli|engine|browser` (repeatable) runs only those suites; only the engine suite needs Java,
 * the browser suite needs Debian's chromium (its tests are skipped, saying so, without it).
 * Files given as arguments run in one go (`node --import tsx scripts/test.ts test/cli/tail.test.ts`).
 *
 * The suites run in three rounds, each as side by side as it bears (`PHASES`); the engines start
 * while the first round runs. MEMTRAIL_TEST_CONCURRENCY sets one number for every round.
 *
 * Output: node:test's spec reporter, in colour on a terminal and plain when piped or in CI (it
 * follows NO_COLOR / FORCE_COLOR); the test runner writes straight to this process's stdout.
 * The script builds nothing: `npm test` builds before it (incrementally: after `npm ci`'s build
 * there is nothing left to compile).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SUITES = ['unit', 'cli', 'engine', 'browser'] as const;
type Suite = (typeof SUITES)[number];
type EngineKind = 'elasticsearch' | 'opensearch';

/**
 * The rounds, in order, and how many test files each runs side by side on the project's 2 cores.
 * Most of a run waits (on child processes, the engines, the browser) rather than computes; but the
 * CLI suite's live tails race a writer, and are given two slots only.
 */
const PHASES: { suites: Suite[]; concurrency: number; why: string }[] = [
  { suites: ['unit'], concurrency: 3, why: 'in-process, nothing timed: runs while the engines start' },
  { suites: ['cli'], concurrency: 2, why: 'the built CLI as child processes, live tails among them' },
  { suites: ['engine', 'browser'], concurrency: 3, why: 'mostly waiting on the engines and the browser' },
];
const CONCURRENCY_OVERRIDE = process.env.MEMTRAIL_TEST_CONCURRENCY ? Number(process.env.MEMTRAIL_TEST_CONCURRENCY) : undefined;

/** Runs a child with this process's stderr (and stdout, unless `quiet`); resolves with its exit code. */
function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: options.env ?? process.env, stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 2 : 1)));
  });
}

/** scripts/engine.ts; `start` prints the URL on stdout, not wanted here (the state file has it). */
const engineScript = (action: string, kind: EngineKind) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/engine.ts', action, kind], { quiet: action === 'start' });

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

/** One node:test run over these files (the shell expands the globs; the spec reporter colours only a terminal). */
function testRun(files: string[], concurrency: number, env: NodeJS.ProcessEnv): Promise<number> {
  const command = `exec "${process.execPath}" --import tsx --test --test-reporter=spec --test-concurrency=${concurrency} ${files.join(' ')}`;
  return run('sh', ['-c', command], { env });
}

async function main(): Promise<number> {
  const began = performance.now();
  const { values, positionals } = parseArgs({ options: { suite: { type: 'string', multiple: true } }, allowPositionals: true });
  const suites = (values.suite ?? [...SUITES]) as Suite[];
  for (const suite of suites) if (!SUITES.includes(suite)) throw new Error(`unknown suite ${suite} (${SUITES.join(', ')})`);
  const needsEngines = positionals.length > 0 ? positionals.some((f) => f.includes('test/engine/')) : suites.includes('engine');
  const rounds =
    positionals.length > 0
      ? [{ files: positionals, concurrency: CONCURRENCY_OVERRIDE ?? 2, engines: needsEngines }]
      : PHASES.map((phase) => phase.suites.filter((s) => suites.includes(s)))
          .filter((selected) => selected.length > 0)
          .map((selected, i, all) => ({
            files: selected.map((suite) => `test/${suite}/*.test.ts`),
            concurrency: CONCURRENCY_OVERRIDE ?? PHASES.find((p) => p.suites.includes(selected[0]!))!.concurrency,
            // A lone round that needs the engines waits for them; otherwise only the engine round does.
            engines: selected.includes('engine') || (all.length === 1 && needsEngines),
          }));

  const started: Started[] = [];
  const stopAll = async () => {
    for (const s of started.splice(0)) await engineScript('stop', s.kind);
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    let engines: Promise<Record<string, string>> = Promise.resolve({});
    if (needsEngines) {
      const kinds = (['elasticsearch', 'opensearch'] as const).filter((kind) => !externallyGiven(kind));
      // One download at a time, each with its own progress bar, before any test prints; then both
      // nodes start side by side, in the background.
      for (const kind of kinds) {
        if ((await engineScript('fetch', kind)) !== 0) throw new Error(`could not fetch ${kind} for the integration tests (see above)`);
      }
      engines = Promise.allSettled(
        kinds.map(async (kind) => {
          const engine = await startEngine(kind);
          started.push(engine);
          return engine;
        }),
      ).then((results) => {
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
        process.stderr.write(`test: engines ready after ${seconds(began)}\n`);
        return Object.assign({}, ...results.map((r) => (r.status === 'fulfilled' ? r.value.env : {}))) as Record<string, string>;
      });
      // Awaited by the round that needs them; a failure is reported there.
      engines.catch(() => undefined);
    }
    let code = 0;
    for (const round of rounds) {
      const env: NodeJS.ProcessEnv = { ...process.env, ...(round.engines ? await engines : {}) };
      const roundCode = await testRun(round.files, round.concurrency, env);
      if (code === 0) code = roundCode;
    }
    const what = positionals.length > 0 ? `${positionals.length} test files` : `suites ${suites.join(', ')}`;
    process.stderr.write(`test: ${what} ${code === 0 ? 'passed' : 'FAILED'} in ${seconds(began)}\n`);
    return code;
  } finally {
    await stopAll();
  }
}

process.exitCode = await main();
