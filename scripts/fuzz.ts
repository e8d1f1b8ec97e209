/**
 * `npm run fuzz [-- --seconds N] [-- --seed S]`: the fuzz suite (test/unit/fuzz.test.ts and the
 * tail's, test/cli/tail-fuzz.test.ts) for longer than `npm test` runs it, with a random seed
 * unless one is given. It prints the seed first; a failure prints fast-check's shrunk
 * counterexample and the seed and path that replay it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '600' }, seed: { type: 'string' } } });
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
const seconds = Number(values.seconds);
const properties = 5;
process.stdout.write(`memtrail fuzz: seed ${seed}, ${seconds} s in all (replay with: npm run fuzz -- --seed ${seed})\n`);
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=0', 'test/unit/fuzz.test.ts', 'test/cli/tail-fuzz.test.ts'],
  {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, FUZZ_SEED: seed, FUZZ_SECONDS: String(Math.max(5, Math.floor(seconds / properties))) },
  },
);
child.on('close', (code) => {
  process.stdout.write(`memtrail fuzz: seed ${seed}: ${code === 0 ? 'nothing found' : 'a property failed (above)'}\n`);
  process.exitCode = code ?? 1;
});
