import { Command, Option } from 'commander';
import { GENERATE_DEFAULTS } from '../generate/generator.js';

const number = (value: string) => Number(value);

export function generateCommand(): Command {
  return new Command('generate')
    .description('write a deterministic, realistic JSON log (for demos, tests and benchmarks)')
    .option('-n, --records <n>', 'records (lines) to write', number, GENERATE_DEFAULTS.records)
    .option('--seed <n>', 'random seed: the same seed (and --start) gives the same log', number, GENERATE_DEFAULTS.seed)
    .option('--bad-rate <fraction>', 'share of broken lines (half not JSON, half invalid records)', number, GENERATE_DEFAULTS.badRate)
    .option('--start <iso>', 'timestamp of the first record (default: the log ends now, so --since 2h finds its last two hours)')
    .option('--hosts <n>', 'hosts the records are spread over', number, GENERATE_DEFAULTS.hosts)
    .option('--sample-every <n>', 'records between two memory samples (smaller: more memory findings)', number, GENERATE_DEFAULTS.sampleEvery)
    .addOption(new Option('--format <format>', 'ndjson, pretty-printed objects, or one JSON array').choices(['ndjson', 'pretty', 'array']).default('ndjson'))
    .option('-o, --output <file>', 'write here instead of stdout (gzip when it ends in .gz)')
    .option('--manifest <file>', 'also write what was generated (counts by construction) as JSON')
    .option('--no-plant', 'plant no finding: only what the traffic gives by itself (a quiet background, for tests)')
    .option('--trends', 'write the memory-trend scenarios instead (leak, OOM-kill loop, stable sawtooth, step, slow growth, sparse, swap), their truth in the manifest')
    .action(async (flags: Record<string, unknown>) => {
      // The generator and its writer are loaded only when this command runs.
      await (await import('./generate-run.js')).runGenerate(flags);
    });
}
