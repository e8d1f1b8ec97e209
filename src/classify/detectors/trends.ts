import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import type { DetectorModule, SeriesDetector, SeriesOutput } from '../detector.js';
import type { Finding } from '../finding.js';
import type { KindSpec } from '../kind.js';
import { growthMessage } from '../trends/describe.js';
import type { Episode, TrendRules } from '../trends/evaluator.js';
import { BUCKET_MS, SeriesSet, type Series, type TrendSample } from '../trends/tracker.js';

const GROWTH_FIELDS = {
  window_start: 'date',
  window_end: 'date',
  growth_bytes_per_second: 'double',
  samples: 'long',
  start_bytes: 'long',
  end_bytes: 'long',
  limit_bytes: 'long',
  restarts: 'long',
  projected_limit_at: 'date',
  series: 'keyword',
} as const;

const growthKind = (name: string, description: string, memory: boolean): KindSpec => ({
  name,
  description,
  severities: ['warning', 'critical'],
  measure: 'growth_bytes_per_second',
  unit: 'bytes_per_second',
  memory,
  basis: 'series',
  fields: GROWTH_FIELDS,
});

export function trendRules(config: Config): TrendRules {
  const { trends } = config;
  return {
    growthBytesPerSecond: trends.growth_rate.perSecond,
    rateWindowMs: trends.growth_rate.perMs,
    growthForMs: trends.growth_for,
    limitHorizonMs: trends.limit_horizon,
    stableBytesPerSecond: trends.stable_rate.perSecond,
  };
}

/**
 * memory_growth and swap_growth: a host and service's memory (or swap) that keeps growing faster
 * than the runbook's leak rate, sustained (classify/trends/evaluator.ts says how). Every record
 * with memory bytes is a sample, whatever its event. A batch run judges each series once its
 * inputs are read (so a rotated file read after the current one joins in time order); a live
 * run judges each minute as it closes, reports a leak when the rule first holds and again only
 * if it escalates to critical, and judges what is left when it stops.
 */
export const trendsDetector: DetectorModule = {
  name: 'trends',
  kinds: [
    growthKind('memory_growth', 'memory growing faster than the leak rate (10 MB per 30 min), sustained for an hour', true),
    growthKind('swap_growth', 'swap use growing faster than the leak rate, sustained for an hour', false),
  ],
  enabled: (config) => config.trends.enabled,
  create(config, context): SeriesDetector<TrendSample> {
    const rules = trendRules(config);
    const set = new SeriesSet(rules, context.live);
    const per = { ms: config.trends.growth_rate.perMs, text: config.trends.growth_rate.text.split('/')[1]!.trim() };
    const report = (series: Series, episode: Episode, out: SeriesOutput) => {
      if (series.reported.get(episode.start) === episode.severity && context.live) return;
      series.reported.set(episode.start, episode.severity);
      out.finding(growthFinding(series, episode, per));
    };
    return {
      type: 'series',
      sample(record) {
        if (record.timestamp === null || (record.used_bytes === undefined && record.swap_bytes === undefined)) return undefined;
        const sample: TrendSample = { t: record.timestamp };
        if (record.host !== undefined) sample.host = record.host;
        if (record.service !== undefined) sample.service = record.service;
        if (record.pid !== undefined) sample.pid = record.pid;
        if (record.used_bytes !== undefined) sample.used = record.used_bytes;
        if (record.limit_bytes !== undefined) sample.limit = record.limit_bytes;
        if (record.swap_bytes !== undefined) sample.swap = record.swap_bytes;
        return sample;
      },
      add(sample, source, out) {
        const { memory, swap } = set.place(sample);
        memory?.add(sample.t, sample.used!, sample.limit, sample.swap, sample.pid, source);
        swap?.add(sample.t, sample.swap!, undefined, undefined, sample.pid, source);
        if (!context.live) return;
        for (const series of [memory, swap]) {
          if (series === undefined) continue;
          // A sample in a later minute closes the minutes before it: judged and sent to the outputs.
          const open = Math.floor(sample.t / series.store.width) * series.store.width;
          if (open <= series.openStart) continue;
          series.openStart = open;
          const { buckets, reported } = series.judge(open);
          for (const episode of reported) report(series, episode, out);
          out.points?.(SeriesSet.batch(series, buckets));
        }
      },
      tick(now, out) {
        // A series gone quiet: its last minute closes a minute after it ended.
        for (const series of set.series.values()) {
          if (!series.pending || series.last + 2 * BUCKET_MS > now) continue;
          const { buckets, reported } = series.judge(Infinity);
          for (const episode of reported) report(series, episode, out);
          out.points?.(SeriesSet.batch(series, buckets));
        }
      },
      flush(out) {
        if (!context.live) set.chainAll();
        for (const series of set.series.values()) {
          const { buckets, reported } = series.judge(Infinity);
          if (context.live) for (const episode of reported) report(series, episode, out);
          // What the series says as the input ends: its episodes as they stand (same ids, updated).
          const current = series.evaluator.current;
          series.evaluator.finish();
          if (context.live) {
            if (current?.confirmed && !reported.some((e) => e.start === current.start)) out.finding(growthFinding(series, current, per));
          } else {
            for (const episode of series.evaluator.episodes) out.finding(growthFinding(series, episode, per));
          }
          if (out.points) out.points(context.live ? SeriesSet.batch(series, buckets) : [{ series: series.identity(), points: series.summary().points }]);
        }
      },
      summaries: () => set.summaries(),
    };
  },
  // Any record with memory bytes is a sample: the --fast prefilter must let those through.
  needles: () => ({ fields: ['used_bytes', 'swap_bytes'], events: [] }),
};

/** The id is the series and the episode's start: re-indexing and a live tail update one document. */
function growthFinding(series: Series, episode: Episode, per: { ms: number; text: string }): Finding {
  const kind = series.measure === 'swap_used_bytes' ? 'swap_growth' : 'memory_growth';
  const id = createHash('sha256').update(`${kind}\n${series.key}\n${episode.start}`).digest('hex').slice(0, 32);
  const memory = kind === 'memory_growth';
  return {
    id,
    trace_id: null,
    timestamp: episode.end,
    timestamp_source: 'record',
    kind,
    severity: episode.severity,
    event: null,
    message: growthMessage(memory ? 'memory' : 'swap', episode, per),
    level: null,
    host: series.host ?? null,
    service: series.service ?? null,
    usage_percent: memory && episode.limit ? (episode.endBytes / episode.limit) * 100 : null,
    memory_used_bytes: memory ? episode.endBytes : null,
    payload_bytes: null,
    origin: null,
    details: {
      window_start: episode.start,
      window_end: episode.end,
      growth_bytes_per_second: episode.rate,
      samples: episode.samples,
      start_bytes: episode.startBytes,
      end_bytes: episode.endBytes,
      limit_bytes: episode.limit,
      restarts: episode.restarts,
      projected_limit_at: episode.projectedLimitAt,
      series: series.key,
    },
    source: episode.source,
  };
}
