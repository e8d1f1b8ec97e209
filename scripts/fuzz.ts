/**
 * `npm run fuzz [-- --seconds N] [-- --seed S]`: the fuzz suite (test/unit/fuzz.test.ts and the
 * tail's, test/cli/tail-fuzz.test.ts) for longer than `npm test` runs it, with a random seed
 * unless one is given. It prints the seed first; a failure prints fast-check's shrunk
 * counterexample, the error the property threw, and the seed and path that replay it:
 * `npm run fuzz -- --seed S --path P --only 'fuzz, tail'` runs that one counterexample of that one
 * property (`--only` is a test name pattern; a path means nothing to the other properties).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '600' }, seed: { type: 'string' }, path: { type: 'string' }, only: { type: 'string' } },
});
if (values.path !== undefined && (values.seed === undefined || values.only === undefined)) {
  process.stderr.write('memtrail fuzz: --path replays one counterexample: give its --seed and the property (--only NAME) too\n');
  process.exit(2);
}
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
const seconds = Number(values.seconds);
const properties = 5;
const replay = values.path !== undefined ? ` path ${values.path}` : '';
process.stdout.write(
  `memtrail fuzz: seed ${seed}${replay}, ${replay ? 'one counterexample' : `${seconds} s in all`} (replay with: npm run fuzz -- --seed ${seed})\n`,
);
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-timeout=0',
    ...(values.only !== undefined ? ['--test-name-pattern', values.only] : []),
    'test/unit/fuzz.test.ts',
    'test/cli/tail-fuzz.test.ts',
  ],
  {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      FUZZ_SEED: seed,
      ...(values.path !== undefined ? { FUZZ_PATH: values.path } : { FUZZ_SECONDS: String(Math.max(5, Math.floor(seconds / properties))) }),
    },
  },
);
child.on('close', (code) => {
  process.stdout.write(`memtrail fuzz: seed ${seed}${replay}: ${code === 0 ? 'nothing found' : 'a property failed (above)'}\n`);
  process.exitCode = code ?? 1;
});
