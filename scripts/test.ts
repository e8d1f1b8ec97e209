/**
 * `npm test`: starts the real search engines the integration tests need (unless
 * MEMTRAIL_TEST_ES_URL / MEMTRAIL_TEST_OS_URL point at running ones), runs every test with
 * node:test, and stops what it started.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

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
  const started: Started[] = [];
  const stopAll = async () => {
    for (const s of started.splice(0)) await engineScript('stop', s.kind);
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const engines = await Promise.all([startEngine('elasticsearch', 'ES'), startEngine('opensearch', 'OS')]);
    for (const e of engines) if (e) started.push(e);
    const env = { ...process.env, ...Object.assign({}, ...started.map((s) => s.env)) };
    const files = process.argv.slice(2);
    const tests = files.length > 0 ? files : ['test/*.test.ts'];
    const { code } = await run('sh', ['-c', `exec "${process.execPath}" --import tsx --test --test-concurrency=2 ${tests.join(' ')}`], env);
    return code;
  } finally {
    await stopAll();
  }
}

process.exitCode = await main();
