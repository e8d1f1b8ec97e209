/**
 * `npm test`: runs every suite with node:test. The engine suites need the real search engines:
 * this starts them (unless MEMTRAIL_TEST_ES_URL / MEMTRAIL_TEST_OS_URL point at running ones)
 * and stops what it started. `--suite unit|cli|engine` (repeatable) runs only those suites;
 * the unit and cli suites need no Java.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SUITES = ['unit', 'cli', 'engine'] as const;
type Suite = (typeof SUITES)[number];

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      process.stdout.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

const engineScript = (action: string, kind: string) => run(process.execPath, ['--import', 'tsx', 'scripts/engine.ts', action, kind]);

interface Started {
  kind: string;
  env: Record<string, string>;
}

async function startEngine(kind: 'elasticsearch' | 'opensearch', prefix: string): Promise<Started | undefined> {
  if (process.env[`MEMTRAIL_TEST_${prefix}_URL`]) return undefined;
  const { code, stdout } = await engineScript('start', kind);
  if (code !== 0) throw new Error(`could not start ${kind} for the integration tests (see above)`);
  const url = stdout.trim().split('\n').at(-1)!;
  const state = JSON.parse(readFileSync(join(ROOT, '.cache', 'engines', `${kind}.state.json`), 'utf8')) as {
    username?: string;
    password?: string;
    version: string;
  };
  const env: Record<string, string> = { [`MEMTRAIL_TEST_${prefix}_URL`]: url, [`MEMTRAIL_TEST_${prefix}_VERSION`]: state.version };
  if (state.username) env[`MEMTRAIL_TEST_${prefix}_USERNAME`] = state.username;
  if (state.password) env[`MEMTRAIL_TEST_${prefix}_PASSWORD`] = state.password;
  return { kind, env };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { suite: { type: 'string', multiple: true } }, allowPositionals: true });
  const suites = (values.suite ?? [...SUITES]) as Suite[];
  for (const suite of suites) if (!SUITES.includes(suite)) throw new Error(`unknown suite ${suite} (${SUITES.join(', ')})`);
  const files = positionals.length > 0 ? positionals : suites.map((suite) => `test/${suite}/*.test.ts`);
  const needsEngines = positionals.length > 0 ? positionals.some((f) => f.includes('test/engine/')) : suites.includes('engine');
  const started: Started[] = [];
  const stopAll = async () => {
    for (const s of started.splice(0)) await engineScript('stop', s.kind);
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    if (needsEngines) {
      const engines = await Promise.all([startEngine('elasticsearch', 'ES'), startEngine('opensearch', 'OS')]);
      for (const e of engines) if (e) started.push(e);
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const s of started) Object.assign(env, s.env);
    const { code } = await run('sh', ['-c', `exec "${process.execPath}" --import tsx --test --test-concurrency=2 ${files.join(' ')}`], env);
    return code;
  } finally {
    await stopAll();
  }
}

process.exitCode = await main();
