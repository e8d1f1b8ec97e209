import { Command, Option } from 'commander';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createGzip } from 'node:zlib';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { GENERATE_DEFAULTS, LogGenerator } from '../generate/generator.js';
import { Output } from '../sinks/output.js';

const generateSchema = z.object({
  records: z.number().int().positive(),
  seed: z.number().int(),
  badRate: z.number().min(0).max(1),
  start: z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  hosts: z.number().int().positive(),
  sampleEvery: z.number().int().positive(),
  format: z.enum(['ndjson', 'pretty', 'array']),
});

const number = (value: string) => Number(value);

export function generateCommand(): Command {
  return new Command('generate')
    .description('write a deterministic, realistic JSON log (for demos, tests and benchmarks)')
    .option('-n, --records <n>', 'records (lines) to write', number, GENERATE_DEFAULTS.records)
    .option('--seed <n>', 'random seed: the same seed gives the same log', number, GENERATE_DEFAULTS.seed)
    .option('--bad-rate <fraction>', 'share of broken lines (half not JSON, half invalid records)', number, GENERATE_DEFAULTS.badRate)
    .option('--start <iso>', 'timestamp of the first record', new Date(GENERATE_DEFAULTS.start).toISOString())
    .option('--hosts <n>', 'hosts the records are spread over', number, GENERATE_DEFAULTS.hosts)
    .option('--sample-every <n>', 'records between two memory samples (smaller: more memory findings)', number, GENERATE_DEFAULTS.sampleEvery)
    .addOption(new Option('--format <format>', 'ndjson, pretty-printed objects, or one JSON array').choices(['ndjson', 'pretty', 'array']).default('ndjson'))
    .option('-o, --output <file>', 'write here instead of stdout (gzip when it ends in .gz)')
    .option('--manifest <file>', 'also write what was generated (counts by construction) as JSON')
    .action(async (flags: Record<string, unknown>) => {
      const parsed = generateSchema.safeParse(flags);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ConfigError(`--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue.message}`);
      }
      const options = { ...GENERATE_DEFAULTS, ...parsed.data };
      const generator = new LogGenerator(options);
      const file = flags.output as string | undefined;
      let stream: NodeJS.WritableStream = process.stdout;
      if (file) {
        const disk = createWriteStream(file);
        if (file.endsWith('.gz')) {
          const gzip = createGzip();
          gzip.pipe(disk);
          stream = gzip;
        } else {
          stream = disk;
        }
      }
      const out = new Output(stream as never);
      const format = parsed.data.format;
      let first = true;
      if (format === 'array') await out.write('[\n');
      for (const line of generator.lines()) {
        if (format === 'ndjson') await out.write(`${line}\n`);
        else {
          let text = line;
          try {
            text = JSON.stringify(JSON.parse(line), null, 2);
          } catch {
            // A deliberately broken line stays as it is.
          }
          if (format === 'array') text = `${first ? '' : ',\n'}${text.replace(/^/gm, '  ')}`;
          else text = `${text}\n`;
          await out.write(text);
        }
        first = false;
      }
      if (format === 'array') await out.write('\n]\n');
      await out.end();
      if (file?.endsWith('.gz')) await new Promise((resolve) => (stream as NodeJS.WritableStream & { once(event: string, listener: () => void): void }).once('close', resolve));
      if (flags.manifest) await writeFile(flags.manifest as string, `${JSON.stringify(generator.manifest, null, 2)}\n`);
    });
}
