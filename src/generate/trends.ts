import type { Verdict } from '../classify/trends/summary.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;
const MINUTE = 60_000;

/** What a trend scenario must come out as: its truth, in the manifest. */
export interface TrendTruth {
  scenario: string;
  host: string;
  service: string;
  /** The growth finding the scenario must give, or null for none. */
  finding: { kind: 'memory_growth' | 'swap_growth'; severity: 'warning' | 'critical' } | null;
  verdict: Verdict;
  /** The swap series' verdict, for the swap scenario. */
  swap_verdict?: Verdict;
  restarts: number;
  /** The leak's true rate, bytes per second (null: no leak). */
  growth_bytes_per_second: number | null;
  /** When the sawtooth's peaks reach the limit at the true rate (ISO), where the scenario plants a limit a leak reaches. */
  projected_limit_at: string | null;
}

interface Scenario {
  name: string;
  host: string;
  /** Hours of samples, ending at the log's end. */
  hours: number;
  /** Seconds between samples. */
  every: number;
  limit: number;
  /** Used bytes at `minutes` into the scenario (no noise), and its process id. */
  used(minutes: number): { bytes: number; pid: number };
  swap?(minutes: number): number;
  noise: number;
  truth: Omit<TrendTruth, 'scenario' | 'host' | 'service' | 'projected_limit_at'> & { limitAtMinutes?: number };
}

/** A garbage collector's sawtooth: climbs `height` over `period` minutes, then drops back. */
const sawtooth = (minutes: number, height: number, period: number) => height * ((minutes % period) / period);
const perMinute = (bytesPer30m: number) => bytesPer30m / 30;

const SCENARIOS: Scenario[] = [
  {
    name: 'leak under a sawtooth with noise',
    host: 'trend-leak',
    hours: 4,
    every: 15,
    limit: 8 * GB,
    noise: 6 * MB,
    used: (m) => ({ bytes: 600 * MB + perMinute(40 * MB) * m + sawtooth(m, 150 * MB, 3), pid: 7101 }),
    truth: { finding: { kind: 'memory_growth', severity: 'warning' }, verdict: 'growing', restarts: 0, growth_bytes_per_second: (40 * MB) / 1800 },
  },
  {
    name: 'stable sawtooth',
    host: 'trend-stable',
    hours: 4,
    every: 15,
    limit: 4 * GB,
    noise: 6 * MB,
    used: (m) => ({ bytes: 900 * MB + sawtooth(m, 300 * MB, 7), pid: 7201 }),
    truth: { finding: null, verdict: 'stable', restarts: 0, growth_bytes_per_second: null },
  },
  {
    name: 'leak with restarts (an OOM-kill loop)',
    host: 'trend-oom',
    hours: 4,
    every: 15,
    limit: 2 * GB,
    noise: 2 * MB,
    // 600 MB to 2 GB in 40 minutes, then the process is killed and a new one starts.
    used: (m) => ({ bytes: 600 * MB + (1400 * MB / 40) * (m % 40), pid: 7300 + Math.floor(m / 40) }),
    truth: { finding: { kind: 'memory_growth', severity: 'critical' }, verdict: 'growing', restarts: 5, growth_bytes_per_second: (1400 * MB) / (40 * 60) },
  },
  {
    name: 'slow growth below the leak rate',
    host: 'trend-slow',
    hours: 4,
    every: 15,
    limit: 4 * GB,
    noise: 2 * MB,
    used: (m) => ({ bytes: 700 * MB + perMinute(5 * MB) * m, pid: 7401 }),
    truth: { finding: null, verdict: 'growing', restarts: 0, growth_bytes_per_second: (5 * MB) / 1800 },
  },
  {
    name: 'a step (a cache warming up), then flat',
    host: 'trend-step',
    hours: 4,
    every: 15,
    limit: 4 * GB,
    noise: 2 * MB,
    used: (m) => ({ bytes: 700 * MB + (m >= 60 ? 300 * MB : (300 * MB * Math.max(0, m - 55)) / 5), pid: 7501 }),
    truth: { finding: null, verdict: 'stable', restarts: 0, growth_bytes_per_second: null },
  },
  {
    name: 'sparse samples (one every 20 minutes)',
    host: 'trend-sparse',
    hours: 6,
    every: 1200,
    limit: 4 * GB,
    noise: 0,
    used: (m) => ({ bytes: 600 * MB + perMinute(40 * MB) * m, pid: 7601 }),
    truth: { finding: null, verdict: 'not_enough_data', restarts: 0, growth_bytes_per_second: null },
  },
  {
    name: 'leak toward a limit (projection)',
    host: 'trend-limit',
    hours: 2,
    every: 15,
    limit: 2 * GB,
    noise: 1 * MB,
    used: (m) => ({ bytes: 1200 * MB + perMinute(60 * MB) * m + sawtooth(m, 50 * MB, 4), pid: 7701 }),
    // The peaks (base + 50 MB) reach 2 GB when 1250 MB + 2 MB/min × m = 2048 MB.
    truth: {
      finding: { kind: 'memory_growth', severity: 'warning' },
      verdict: 'growing',
      restarts: 0,
      growth_bytes_per_second: (60 * MB) / 1800,
      limitAtMinutes: (2048 - 1250) / 2,
    },
  },
  {
    name: 'swap growing, memory stable',
    host: 'trend-swap',
    hours: 4,
    every: 15,
    limit: 4 * GB,
    noise: 2 * MB,
    used: () => ({ bytes: 1500 * MB, pid: 7801 }),
    swap: (m) => 100 * MB + perMinute(40 * MB) * m,
    truth: { finding: { kind: 'swap_growth', severity: 'warning' }, verdict: 'stable', swap_verdict: 'growing', restarts: 0, growth_bytes_per_second: (40 * MB) / 1800 },
  },
];

export const TREND_SERVICE = 'fraiseql-api';
/** The longest scenario: the log spans this many hours. */
export const TREND_HOURS = Math.max(...SCENARIOS.map((s) => s.hours));

/**
 * Memory trend scenarios, as memory samples (FraiseQL's `system.memory_sample` records) from one
 * host each, ending at `end`, in time order, with their truth. `random` makes the noise.
 */
export function trendScenarios(end: number, random: () => number): { records: { t: number; record: Record<string, unknown> }[]; truth: TrendTruth[] } {
  const records: { t: number; record: Record<string, unknown> }[] = [];
  const truth: TrendTruth[] = [];
  for (const scenario of SCENARIOS) {
    const start = end - scenario.hours * 60 * MINUTE;
    for (let s = 0; s < scenario.hours * 3600; s += scenario.every) {
      const t = start + s * 1000;
      const minutes = s / 60;
      const { bytes, pid } = scenario.used(minutes);
      const used = Math.max(0, Math.round(bytes + (random() - 0.5) * 2 * scenario.noise));
      const context: Record<string, number> = { memory_used_bytes: used, memory_limit_bytes: scenario.limit };
      if (scenario.swap) context.swap_used_bytes = Math.round(scenario.swap(minutes) + (random() - 0.5) * 2 * scenario.noise);
      records.push({
        t,
        record: {
          timestamp: new Date(t).toISOString(),
          level: 'INFO',
          event: 'system.memory_sample',
          message: 'Memory sample',
          service: TREND_SERVICE,
          host: scenario.host,
          pid,
          logger: 'fraiseql.monitoring',
          context,
        },
      });
    }
    const { limitAtMinutes, ...rest } = scenario.truth;
    truth.push({
      scenario: scenario.name,
      host: scenario.host,
      service: TREND_SERVICE,
      ...rest,
      projected_limit_at: limitAtMinutes === undefined ? null : new Date(start + limitAtMinutes * MINUTE).toISOString(),
    });
  }
  records.sort((a, b) => a.t - b.t);
  return { records, truth };
}
