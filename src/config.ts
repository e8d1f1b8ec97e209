import { readFile } from 'node:fs/promises';
import bytes from 'bytes';
import ms from 'ms';
import { z } from 'zod';
import { UsageError } from './errors.js';
import { FIELD_NAMES, PRESET_NAMES, type FieldName } from './parse/mapping.js';
import { isKnownTimezone } from './parse/time.js';

/** A usage or configuration error: the CLI reports it and exits 2. */
export class ConfigError extends UsageError {
  constructor(
    message: string,
    /** The offending key, dotted (`thresholds.warn_percent`), when one is to blame. */
    readonly key?: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/**
 * A duration: a JSON number (milliseconds, in a config file), or a string with its unit such as
 * "500ms", "30s", "5m", "2h" (parsed by `ms`). A string without a unit is an error, not milliseconds.
 */
export const durationSchema = z
  .union([z.number().int().nonnegative(), z.string()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    if (/^\s*[\d.]+\s*$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: `a duration needs a unit: "${value}" (use e.g. ${value.trim()}s or ${value.trim()}ms)` });
      return z.NEVER;
    }
    const parsed = ms(value as never) as unknown as number | undefined;
    if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
      ctx.addIssue({ code: 'custom', message: `not a duration: "${value}" (use e.g. 500ms, 30s, 5m, 2h)` });
      return z.NEVER;
    }
    return parsed;
  });

/** A duration flag's value in milliseconds; a bad one is a usage error naming the flag. */
export function parseDuration(flag: string, value: string): number {
  const parsed = durationSchema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`${flag}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** A growth rate: bytes per duration, as the runbook writes it ("10MB/30m"); 1024-based units (MB = MiB). */
export interface GrowthRate {
  bytes: number;
  perMs: number;
  /** Bytes per second. */
  perSecond: number;
  /** As given, for messages. */
  text: string;
}

export const rateSchema = z.string().transform((value, ctx): GrowthRate => {
  const slash = value.indexOf('/');
  const size = slash > 0 ? bytes.parse(value.slice(0, slash).trim().replace(/([KMGTP])iB$/i, '$1B')) : null;
  const per = slash > 0 ? (ms(value.slice(slash + 1).trim() as never) as unknown as number | undefined) : undefined;
  if (size === null || !Number.isFinite(size) || size <= 0 || typeof per !== 'number' || !Number.isFinite(per) || per <= 0) {
    ctx.addIssue({ code: 'custom', message: `not a growth rate: "${value}" (use a size per duration, e.g. 10MB/30m, 1MiB/10m)` });
    return z.NEVER;
  }
  return { bytes: size, perMs: per, perSecond: size / (per / 1000), text: value };
});

const paths = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

const fieldsShape = Object.fromEntries(FIELD_NAMES.map((name) => [name, paths.optional()])) as Record<
  FieldName,
  z.ZodOptional<typeof paths>
>;

export const configSchema = z
  .object({
    preset: z.enum(['auto', ...PRESET_NAMES]).default('auto'),
    fields: z.strictObject(fieldsShape).default({}),
    thresholds: z
      .strictObject({
        warn_percent: z.number().min(0).max(100).default(80),
        critical_percent: z.number().min(0).max(100).default(90),
        payload_bytes: z.number().int().nonnegative().default(1048576),
      })
      .default({ warn_percent: 80, critical_percent: 90, payload_bytes: 1048576 }),
    events: z
      .strictObject({
        critical: z.array(z.string()).default(['system.memory_critical']),
        warning: z.array(z.string()).default(['system.high_memory', 'system.memory_warning']),
      })
      .default({ critical: ['system.memory_critical'], warning: ['system.high_memory', 'system.memory_warning'] }),
    max_record_bytes: z.number().int().positive().default(1048576),
    /** Pretty-printed records and OTLP attributes nested deeper than this are malformed (reading them recurses). */
    max_depth: z.number().int().positive().max(1000).default(100),
    /** The zone of times written without one (an IANA name such as Europe/Paris). */
    timezone: z.string().refine(isKnownTimezone, 'not a time zone this system knows (use an IANA name such as UTC or Europe/Paris)').default('UTC'),
    incident_gap: durationSchema.default(20_000),
    /** How many errors the report itself carries; the dead-letter file gets all of them. */
    error_sample: z.number().int().nonnegative().default(100),
    /** Findings kept per trace summary (counts and peaks stay exact beyond it). */
    max_findings_per_trace: z.number().int().positive().default(10000),
    /** Findings kept in all for a text or JSON report (beyond it they are counted: findings_omitted). */
    max_findings: z.number().int().nonnegative().default(20000),
    /** Traces summarised in a report; beyond it the least severe are left out (traces_omitted). */
    max_traces: z.number().int().positive().default(100000),
    /** Memory trends: leak detection over each host's and service's memory series (the runbook's MemoryLeak alert). */
    trends: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Growth faster than this, over its duration, is growth (the runbook's 10 MB per 30 min). */
        growth_rate: rateSchema.prefault('10MB/30m'),
        /** …sustained this long is a leak (the alert's `for: 1h`). */
        growth_for: durationSchema.prefault('1h'),
        /** A leak that reaches the memory limit within this is critical. */
        limit_horizon: durationSchema.prefault('1h'),
        /** Under this a series is stable (the runbook's verification: under 1 MB per 10 min). */
        stable_rate: rateSchema.prefault('1MB/10m'),
      })
      .prefault({}),
    /** Only records within this window (epoch ms) are classified (`scan --since/--until`); records without a time are kept. */
    window: z.strictObject({ since: z.number().optional(), until: z.number().optional() }).optional(),
    /** Skip parsing NDJSON lines that cannot match any rule (same findings; those lines go unvalidated). */
    fast: z.boolean().default(false),
  })
  .strict()
  .refine((c) => c.thresholds.warn_percent <= c.thresholds.critical_percent, {
    message: 'warn_percent must not exceed critical_percent',
    path: ['thresholds'],
  });

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Reads a JSON config file; every problem names the file and the key. */
export async function readConfigFile(path: string): Promise<ConfigInput> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text) as ConfigInput;
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Merges the config file under the flags (flags win, section by section) and validates the result. */
export function buildConfig(fromFile: ConfigInput | undefined, fromFlags: ConfigInput, source = 'config'): Config {
  const file = (fromFile ?? {}) as Record<string, unknown>;
  const flags = fromFlags as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...file, ...flags };
  for (const section of ['fields', 'thresholds', 'events', 'trends']) {
    if (isObject(file[section]) || isObject(flags[section])) {
      merged[section] = { ...(isObject(file[section]) ? file[section] : {}), ...(isObject(flags[section]) ? flags[section] : {}) };
    }
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const where = [...issue.path, ...keys.slice(0, 1)].join('.') || '(top level)';
    const what = issue.code === 'unrecognized_keys' ? `unknown key` : issue.message;
    throw new ConfigError(`${source}: ${where}: ${what}`, where, what);
  }
  return parsed.data;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
