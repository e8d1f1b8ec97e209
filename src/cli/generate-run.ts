import cliProgress from 'cli-progress';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createGzip } from 'node:zlib';
import { z } from 'zod';
import { KINDS } from '../classify/registry.js';
import { ConfigError } from '../config.js';
import { TREND_HOURS, trendScenarios } from '../generate/trends.js';
import { GENERATE_DEFAULTS, generatedSpanMs, LogGenerator, type Manifest } from '../generate/generator.js';
import { Output } from '../sinks/output.js';

const generateSchema = z.object({
  records: z.number().int().positive(),
  seed: z.number().int(),
  badRate: z.number().min(0).max(1),
  start: z.iso
    .datetime({ offset: true })
    .transform((s) => Date.parse(s))
    .optional(),
  hosts: z.number().int().positive(),
  sampleEvery: z.number().int().positive(),
  format: z.enum(['ndjson', 'pretty', 'array']),
  plant: z.boolean(),
});

/** Records between two progress updates (and checks of the clock). */
const PROGRESS_EVERY = 2000;

/** `memtrail generate`: the log (or the trend scenarios) written, and what it holds said on stderr. */
export async function runGenerate(flags: Record<string, unknown>): Promise<void> {
  if (flags.trends) {
    await writeTrends(flags);
    return;
  }
  const parsed = generateSchema.safeParse(flags);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue.message}`);
  }
  const began = performance.now();
  const { start, ...rest } = parsed.data;
  // By default the last record is written at the current time: `timeline --since 2h` finds the demo.
  const span = generatedSpanMs(rest);
  const options = { ...GENERATE_DEFAULTS, ...rest, start: start ?? Date.now() - span };
  const generator = new LogGenerator(options);
  const file = flags.output as string | undefined;
  const bytes = await writeLog(generator, parsed.data.format, options.records, file);
  if (flags.manifest) await writeFile(flags.manifest as string, `${JSON.stringify(generator.manifest, null, 2)}\n`);
  const run = { bytes, seconds: (performance.now() - began) / 1000, to: file ?? 'stdout', first: options.start, last: options.start + span };
  process.stderr.write(`${closingLine(generator.manifest, run)}\n`);
}

/** `generate --trends`: every trend scenario, ending at now (or starting at --start), and what each must come out as. */
async function writeTrends(flags: Record<string, unknown>): Promise<void> {
  const start = flags.start === undefined ? undefined : Date.parse(flags.start as string);
  if (start !== undefined && Number.isNaN(start)) throw new ConfigError(`--start: not an ISO time: ${String(flags.start)}`);
  const seed = Number(flags.seed ?? GENERATE_DEFAULTS.seed);
  let x = Math.abs(seed) % 2147483647 || 1;
  const random = () => (x = (x * 48271) % 2147483647) / 2147483647;
  const end = start === undefined ? Date.now() : start + TREND_HOURS * 3_600_000;
  const { records, truth } = trendScenarios(end, random);
  const text = records.map((r) => `${JSON.stringify(r.record)}\n`).join('');
  const file = flags.output as string | undefined;
  if (file) await writeFile(file, text);
  else await new Output(process.stdout).write(text);
  if (flags.manifest) await writeFile(flags.manifest as string, `${JSON.stringify({ records: records.length, trends: truth }, null, 2)}\n`);
  process.stderr.write(`memtrail: generated ${records.length} memory samples of ${truth.length} trend scenarios to ${file ?? 'stdout'}\n`);
}

/** Writes every line in the format asked for; the bytes written (before any gzip). */
async function writeLog(generator: LogGenerator, format: 'ndjson' | 'pretty' | 'array', records: number, file: string | undefined): Promise<number> {
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
  const progress = process.stderr.isTTY ? progressBar(records) : undefined;
  let bytes = 0;
  let written = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    await out.write(text);
  };
  try {
    if (format === 'array') await write('[\n');
    for (const line of generator.lines()) {
      if (format === 'ndjson') await write(`${line}\n`);
      else {
        let text = line;
        try {
          text = JSON.stringify(JSON.parse(line), null, 2);
        } catch {
          // A deliberately broken line stays as it is.
        }
        await write(format === 'array' ? `${written === 0 ? '' : ',\n'}${text.replace(/^/gm, '  ')}` : `${text}\n`);
      }
      written++;
      if (progress && written % PROGRESS_EVERY === 0) progress.update(written, { mb: (bytes / 1e6).toFixed(1) });
    }
    if (format === 'array') await write('\n]\n');
    progress?.update(written, { mb: (bytes / 1e6).toFixed(1) });
  } finally {
    progress?.stop();
  }
  await out.end();
  if (file?.endsWith('.gz')) await new Promise((resolve) => (stream as NodeJS.WritableStream & { once(event: string, listener: () => void): void }).once('close', resolve));
  return bytes;
}

function progressBar(total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'generate [{bar}] {percentage}% | {value}/{total} records | {mb} MB', hideCursor: true, clearOnComplete: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { mb: '0.0' });
  return bar;
}

const count = (n: number) => n.toLocaleString('en-US');

/** What was written, for people: records, bytes, time, the span of its timestamps, the findings it holds by construction. */
export function closingLine(manifest: Manifest, run: { bytes: number; seconds: number; to: string; first: number; last: number }): string {
  const findings = KINDS.filter((k) => (manifest.findings[k.name] ?? 0) > 0)
    .map((k) => `${count(manifest.findings[k.name]!)} ${k.name}`)
    .join(', ');
  const broken = manifest.malformed + manifest.invalid > 0 ? `; ${count(manifest.malformed)} malformed and ${count(manifest.invalid)} invalid lines` : '';
  return (
    `memtrail: generated ${count(manifest.lines)} lines (${(run.bytes / 1e6).toFixed(1)} MB) in ${run.seconds.toFixed(1)} s to ${run.to}, ` +
    `${new Date(run.first).toISOString()} → ${new Date(run.last).toISOString()}; findings: ${findings || 'none'}${broken}`
  );
}
