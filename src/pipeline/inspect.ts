import type { Config } from '../config.js';
import { FIELD_NAMES, mappingFor, tracePaths, type FieldName } from '../parse/mapping.js';
import { emptyCounts, RecordReader, type RecordCounts } from '../parse/records.js';
import { describeShape } from '../parse/shape.js';
import { describeError, resolveInputs, type Input } from '../sources/inputs.js';
import { openInput } from '../sources/open.js';
import { InputReadError } from '../sources/read-error.js';

const SAMPLES = 2;

/** Where one memtrail field was read from in an input: each path, how many records, a couple of values. */
export interface FieldReport {
  field: FieldName;
  /** Records that had the field, whatever the path. */
  records: number;
  paths: { path: string; records: number; samples: unknown[] }[];
}

/** What `memtrail inspect` says about one input. */
export interface InputReport {
  input: string;
  framing: string | null;
  gzip: boolean;
  counts: RecordCounts;
  /** What the records look like (which logging library), with how many records each. */
  shapes: { shape: string; records: number }[];
  fields: FieldReport[];
  /** The input could not be read. */
  error?: string;
}

/**
 * `memtrail inspect`: reads each input the way `scan` does and reports, per memtrail field, the
 * path it was read from in how many records, with sample values: the command to run when a scan
 * finds nothing.
 */
export async function inspectInputs(config: Config, args: string[]): Promise<InputReport[]> {
  const { inputs, problems, notices } = await resolveInputs(args);
  for (const notice of notices) process.stderr.write(`memtrail: ${notice}\n`);
  const reports: InputReport[] = problems.map((p) => ({ ...emptyReport(p.name), error: p.reason }));
  for (const input of inputs) reports.push(await inspectInput(config, input));
  return reports;
}

function emptyReport(input: string): InputReport {
  return { input, framing: null, gzip: false, counts: emptyCounts(), shapes: [], fields: [] };
}

async function inspectInput(config: Config, input: Input): Promise<InputReport> {
  const name = input.name === '-' ? '(stdin)' : input.name;
  const report = emptyReport(name);
  const mapping = mappingFor(config.preset, config.fields);
  const shapes = new Map<string, number>();
  const fields = new Map<FieldName, Map<string, { records: number; samples: unknown[] }>>();
  const reader = new RecordReader(
    name,
    {
      preset: config.preset,
      fields: config.fields,
      maxRecordBytes: config.max_record_bytes,
      maxDepth: config.max_depth,
      timezone: config.timezone,
      observe: (value) => {
        const shape = describeShape(value);
        shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
        for (const [field, found] of Object.entries(tracePaths(value as Record<string, unknown>, mapping))) {
          const byPath = fields.get(field as FieldName) ?? new Map<string, { records: number; samples: unknown[] }>();
          fields.set(field as FieldName, byPath);
          const entry = byPath.get(found.path) ?? { records: 0, samples: [] };
          byPath.set(found.path, entry);
          entry.records++;
          if (entry.samples.length < SAMPLES && !entry.samples.some((s) => s === found.value)) entry.samples.push(found.value);
        }
      },
    },
    { record: () => undefined, error: () => undefined },
  );
  try {
    const opened = await openInput(input);
    report.gzip = opened.gzip;
    for await (const chunk of opened.chunks) reader.push(chunk);
  } catch (error) {
    if (!(error instanceof InputReadError)) throw error;
    report.error = describeError(error.cause);
  }
  reader.end();
  report.framing = reader.framing ?? null;
  report.counts = { ...reader.counts };
  report.shapes = [...shapes].map(([shape, records]) => ({ shape, records })).sort((a, b) => b.records - a.records);
  report.fields = FIELD_NAMES.map((field) => {
    const byPath = fields.get(field) ?? new Map<string, { records: number; samples: unknown[] }>();
    const paths = [...byPath].map(([path, v]) => ({ path, ...v })).sort((a, b) => b.records - a.records);
    return { field, records: paths.reduce((n, p) => n + p.records, 0), paths };
  });
  return report;
}
