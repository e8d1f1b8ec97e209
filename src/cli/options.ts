import { Option } from 'commander';
import { z } from 'zod';
import { buildConfig, ConfigError, parseDuration, readConfigFile, type Config, type ConfigInput } from '../config.js';
import { FIELD_NAMES, type FieldName } from '../parse/mapping.js';

/** Options shared by every command that reads logs (scan now, tail later). */
export interface RuleFlags {
  config?: string;
  preset?: string;
  field?: string[];
  warnPercent?: number;
  criticalPercent?: number;
  payloadBytes?: number;
  incidentGap?: string;
  maxRecordBytes?: number;
  errors?: number;
  maxDepth?: number;
  fast?: boolean;
  timezone?: string;
  growthRate?: string;
  growthFor?: string;
  limitHorizon?: string;
  trends?: boolean;
}

const number = (value: string) => Number(value);
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function ruleOptions(): Option[] {
  return [
    new Option('--config <file>', 'JSON config file (flags override it)'),
    new Option('--preset <name>', 'field mapping: auto (the default) reads every shape memtrail knows, record by record; a preset pins one shape').choices([
      'auto',
      'fraiseql',
      'ecs',
      'pino',
      'otel',
    ]),
    new Option('--field <name=path>', `map a field to a record path, repeatable (fields: ${FIELD_NAMES.join(', ')})`).argParser(
      collect,
    ),
    new Option('--warn-percent <n>', 'memory_warning when usage exceeds this (default 80)').argParser(number),
    new Option('--critical-percent <n>', 'memory_critical when usage exceeds this (default 90)').argParser(number),
    new Option('--payload-bytes <n>', 'oversized_payload when request/response size exceeds this (default 1048576)').argParser(
      number,
    ),
    new Option('--incident-gap <duration>', 'findings closer than this form one incident (default 20s)'),
    new Option('--max-record-bytes <n>', 'a longer record is malformed (default 1048576)').argParser(number),
    new Option('--max-depth <n>', 'a pretty-printed record or OTLP attribute nested deeper is malformed (default 100)').argParser(number),
    new Option(
      '--fast',
      'skip parsing NDJSON lines that cannot match any rule: same findings, but those lines are not validated',
    ),
    new Option('--errors <n>', 'how many errors the report lists (default 100; --dead-letter gets all)').argParser(number),
    new Option('--timezone <zone>', 'read times written without a zone in this IANA zone (default UTC)'),
    new Option('--growth-rate <size/duration>', 'memory growing faster than this is growth (default 10MB/30m, the runbook\'s MemoryLeak rate)'),
    new Option('--growth-for <duration>', 'growth held this long is a leak: memory_growth (default 1h)'),
    new Option('--limit-horizon <duration>', 'a leak reaching the memory limit within this is critical (default 1h)'),
    new Option('--no-trends', 'no memory trends (leak detection, series verdicts)'),
  ];
}

const FLAG_FOR: Record<string, string> = {
  'thresholds.warn_percent': '--warn-percent',
  'thresholds.critical_percent': '--critical-percent',
  'thresholds.payload_bytes': '--payload-bytes',
  incident_gap: '--incident-gap',
  max_record_bytes: '--max-record-bytes',
  max_depth: '--max-depth',
  error_sample: '--errors',
  timezone: '--timezone',
  'trends.growth_rate': '--growth-rate',
  'trends.growth_for': '--growth-for',
  'trends.limit_horizon': '--limit-horizon',
};

/** Flags → the config object's shape, leaving out what was not given so the file's value stands. */
export function flagsToConfig(flags: RuleFlags): ConfigInput {
  const out: Record<string, unknown> = {};
  const thresholds: Record<string, unknown> = {};
  if (flags.preset !== undefined) out.preset = flags.preset;
  if (flags.warnPercent !== undefined) thresholds.warn_percent = flags.warnPercent;
  if (flags.criticalPercent !== undefined) thresholds.critical_percent = flags.criticalPercent;
  if (flags.payloadBytes !== undefined) thresholds.payload_bytes = flags.payloadBytes;
  if (Object.keys(thresholds).length > 0) out.thresholds = thresholds;
  if (flags.incidentGap !== undefined) out.incident_gap = flags.incidentGap;
  if (flags.maxRecordBytes !== undefined) out.max_record_bytes = flags.maxRecordBytes;
  if (flags.maxDepth !== undefined) out.max_depth = flags.maxDepth;
  if (flags.errors !== undefined) out.error_sample = flags.errors;
  if (flags.fast !== undefined) out.fast = flags.fast;
  if (flags.timezone !== undefined) out.timezone = flags.timezone;
  const trends: Record<string, unknown> = {};
  if (flags.growthRate !== undefined) trends.growth_rate = flags.growthRate;
  if (flags.growthFor !== undefined) trends.growth_for = flags.growthFor;
  if (flags.limitHorizon !== undefined) trends.limit_horizon = flags.limitHorizon;
  if (flags.trends === false) trends.enabled = false;
  if (Object.keys(trends).length > 0) out.trends = trends;
  if (flags.field !== undefined) {
    const fields: Partial<Record<FieldName, string[]>> = {};
    for (const spec of flags.field) {
      const eq = spec.indexOf('=');
      const name = spec.slice(0, eq) as FieldName;
      if (eq <= 0 || !FIELD_NAMES.includes(name) || eq === spec.length - 1) {
        throw new ConfigError(`--field ${spec}: expected NAME=PATH with NAME one of ${FIELD_NAMES.join(', ')}`);
      }
      fields[name] = [...(fields[name] ?? []), spec.slice(eq + 1)];
    }
    out.fields = fields;
  }
  return out;
}

export async function loadConfig(flags: RuleFlags): Promise<Config> {
  const file = flags.config ? await readConfigFile(flags.config) : undefined;
  const fromFlags = flagsToConfig(flags);
  try {
    return buildConfig(file, fromFlags, flags.config ? `config file ${flags.config}` : 'config');
  } catch (error) {
    // Blame the flag when the bad value came from one.
    if (error instanceof ConfigError && error.key && hasPath(fromFlags, error.key) && FLAG_FOR[error.key]) {
      throw new ConfigError(`${FLAG_FOR[error.key]}: ${error.detail}`, error.key, error.detail);
    }
    throw error;
  }
}

function hasPath(object: unknown, dotted: string): boolean {
  let current = object;
  for (const part of dotted.split('.')) {
    if (current === null || typeof current !== 'object' || !(part in current)) return false;
    current = (current as Record<string, unknown>)[part];
  }
  return true;
}

const isoTime = z.iso.datetime({ offset: true });

/** A point in time: ISO 8601 with a zone, or a duration meaning that long ago ("2h"). */
export function parseMoment(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (isoTime.safeParse(value).success) return Date.parse(value);
  try {
    return Date.now() - parseDuration(flag, value);
  } catch {
    throw new ConfigError(`${flag}: expected an ISO 8601 time or a duration such as 30m or 2h, got "${value}"`);
  }
}
