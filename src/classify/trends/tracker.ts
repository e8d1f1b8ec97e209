import type { Source } from '../../parse/source.js';
import { TrendEvaluator, type Episode, type TrendRules } from './evaluator.js';
import { SeriesStore, type Bucket } from './series.js';
import type { SeriesMeasure, SeriesPoint, SeriesPointBatch, SeriesSummary } from './summary.js';

/** What a record gives the trend detector: its time, host, service, process, and memory bytes. */
export interface TrendSample {
  t: number;
  host?: string;
  service?: string;
  pid?: string;
  used?: number;
  limit?: number;
  swap?: number;
}

/** Buckets start one minute wide (one index document per series per minute). */
export const BUCKET_MS = 60_000;

/** One series: a host and service's process lane, measuring memory or swap. */
export class Series {
  readonly store = new SeriesStore(BUCKET_MS);
  readonly evaluator: TrendEvaluator;
  /** Buckets before this start have been judged (live runs judge them as they close). */
  judgedUpTo = -Infinity;
  /** The start of the latest bucket a sample opened (live: reaching a later one closes the ones before). */
  openStart = -Infinity;
  /** Samples added since the last judgement. */
  pending = false;
  pid: string | undefined;
  first = Infinity;
  last = -Infinity;
  lastBytes = 0;
  min = Infinity;
  max = -Infinity;
  limit: number | null = null;
  /** The episode last reported (live), by start: reported again only when it escalates. */
  reported = new Map<number, Episode['severity']>();

  constructor(
    /** Host/service, with #N for a second (third…) process lane; `:swap` for swap. */
    public key: string,
    readonly measure: SeriesMeasure,
    readonly host: string | undefined,
    readonly service: string | undefined,
    rules: TrendRules,
  ) {
    this.evaluator = new TrendEvaluator(rules, () => this.store.width);
  }

  add(t: number, value: number, limit: number | undefined, swap: number | undefined, pid: string | undefined, source: Source): void {
    this.store.add(t, value, limit, swap, pid, source);
    this.pending = true;
    if (t < this.first) this.first = t;
    if (t >= this.last) {
      this.last = t;
      this.lastBytes = value;
      this.pid = pid;
      if (limit !== undefined) this.limit = limit;
    }
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** A process that took over this series' lane: its samples join, its evaluator (too young to have judged a leak) is dropped. */
  absorb(other: Series): void {
    this.store.absorb(other.store);
    this.pending ||= other.pending;
    if (other.first < this.first) this.first = other.first;
    if (other.last >= this.last) {
      this.last = other.last;
      this.lastBytes = other.lastBytes;
      this.pid = other.pid;
      if (other.limit !== null) this.limit = other.limit;
    }
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** Judges the buckets that closed before `before` (a bucket start), in order; returns what each step reported. */
  judge(before: number): { buckets: Bucket[]; reported: Episode[] } {
    const buckets = this.store.orderedFrom(this.judgedUpTo).filter((b) => b.start < before);
    const reported: Episode[] = [];
    for (const bucket of buckets) {
      const episode = this.evaluator.step(bucket);
      if (episode) reported.push(episode);
    }
    if (buckets.length > 0) this.judgedUpTo = buckets[buckets.length - 1]!.start + 1;
    if (before === Infinity) this.pending = false;
    return { buckets, reported };
  }

  identity(): Omit<SeriesSummary, 'points'> {
    const rate = this.evaluator.verdictRate();
    const growth = [...this.evaluator.episodes];
    const current = this.evaluator.current;
    if (current?.confirmed) growth.push(current);
    return {
      key: this.key,
      measure: this.measure,
      host: this.host ?? null,
      service: this.service ?? null,
      pid: this.pid ?? null,
      verdict: this.evaluator.verdict(rate),
      growth_bytes_per_second: rate ?? null,
      samples: this.store.samples,
      first: this.first,
      last: this.last,
      min_bytes: this.min,
      max_bytes: this.max,
      last_bytes: this.lastBytes,
      limit_bytes: this.limit,
      restarts: [...this.evaluator.restarts],
      growth: growth.map((e) => ({
        start: e.start,
        end: e.end,
        bytes_per_second: e.rate,
        restarts: e.restarts,
        projected_limit_at: e.projectedLimitAt,
        severity: e.severity,
      })),
    };
  }

  summary(): SeriesSummary {
    return { ...this.identity(), points: this.store.ordered().map((b) => pointOf(b, this.store.width)) };
  }
}

export function pointOf(bucket: Bucket, width: number): SeriesPoint {
  return { t: bucket.start, width, samples: bucket.count, min: bucket.min, max: bucket.max, last: bucket.last, limit: bucket.limit, swap: bucket.swap };
}

/** One process's place in a host and service's memory. */
interface Lane {
  index: number;
  firstT: number;
  lastT: number;
  /** Typical time between samples (moving average), ms. */
  interval: number;
  memory?: Series;
  swap?: Series;
}

/** A lane silent this many sampling intervals (and at least IDLE_MIN_MS) has ended: a process that began after it continues it. */
const IDLE_INTERVALS = 3;
const IDLE_MIN_MS = 60_000;
/** Lanes per host and service: beyond it, new processes share the last one. */
const MAX_LANES = 64;

/** A host and service: its processes' lanes, by process id. */
class Group {
  readonly lanes: Lane[] = [];
  readonly byPid = new Map<string | undefined, Lane>();
  latest = -Infinity;
  checkedAt = -Infinity;
  nextIndex = 0;
}

/**
 * Every series of a run, found by host, service and process lane. Records without a process id
 * make one series per host and service. With process ids, each process has its own lane (workers
 * logging side by side must not read as restarts of one another); a lane whose process went
 * silent is continued by the process that began after it ended, so a restart continues its series
 * with a new segment (the OOM-kill loop is one leak), whatever order the inputs are read in.
 */
export class SeriesSet {
  private readonly groups = new Map<string, Group>();
  readonly series = new Map<string, Series>();

  /** `live`: lanes are chained as samples come (in time order); a batch run chains them once, when its inputs are read (in any order). */
  constructor(
    private readonly rules: TrendRules,
    private readonly live: boolean,
  ) {}

  /** The series this sample feeds (memory, swap, or both). */
  place(sample: TrendSample): { memory?: Series; swap?: Series } {
    const name = `${sample.host ?? ''}\u0000${sample.service ?? ''}`;
    let group = this.groups.get(name);
    if (group === undefined) this.groups.set(name, (group = new Group()));
    this.laneOf(group, sample);
    if (sample.t > group.latest) group.latest = sample.t;
    // Lanes are chained at most every few seconds of log time: a few lanes, checked in pairs.
    if (this.live && group.lanes.length > 1 && group.latest - group.checkedAt >= 5_000) {
      group.checkedAt = group.latest;
      this.chain(group);
    }
    const lane = group.byPid.get(sample.pid)!;
    // Named once, when the lane's series is made: this runs for every sample.
    const base = () => `${sample.host ?? '-'}/${sample.service ?? '-'}${lane.index > 0 ? `#${lane.index}` : ''}`;
    if (sample.used !== undefined) lane.memory ??= this.create(base(), 'memory_used_bytes', sample);
    if (sample.swap !== undefined) lane.swap ??= this.create(`${base()}:swap`, 'swap_used_bytes', sample);
    return { memory: sample.used !== undefined ? lane.memory : undefined, swap: sample.swap !== undefined ? lane.swap : undefined };
  }

  private laneOf(group: Group, sample: TrendSample): Lane {
    let lane = group.byPid.get(sample.pid);
    if (lane === undefined) {
      if (group.lanes.length < MAX_LANES) {
        lane = { index: group.nextIndex++, firstT: sample.t, lastT: sample.t, interval: 0 };
        group.lanes.push(lane);
      } else {
        lane = group.lanes[group.lanes.length - 1]!;
      }
      group.byPid.set(sample.pid, lane);
    }
    if (sample.t > lane.lastT) {
      const gap = sample.t - lane.lastT;
      lane.interval = lane.interval === 0 ? gap : lane.interval * 0.8 + gap * 0.2;
      lane.lastT = sample.t;
    }
    if (sample.t < lane.firstT) lane.firstT = sample.t;
    return lane;
  }

  /**
   * Batch runs, once every input is read: lanes in order of their first sample, each continuing the
   * chain that ended last before it began (processes one after the other make one series).
   */
  chainAll(): void {
    for (const group of this.groups.values()) {
      if (group.lanes.length < 2) continue;
      const chains: Lane[] = [];
      for (const lane of [...group.lanes].sort((a, b) => a.firstT - b.firstT || a.index - b.index)) {
        let into: Lane | undefined;
        for (const chain of chains) {
          if (chain.lastT > lane.firstT + Math.max(chain.interval, 1000)) continue;
          if (into === undefined || chain.lastT > into.lastT) into = chain;
        }
        if (into === undefined) chains.push(lane);
        else this.join(group, into, lane);
      }
      // Named by when they began, not by the order the inputs were read in.
      const series = chains.flatMap((lane, rank) => [lane.memory, lane.swap].filter((s) => s !== undefined).map((s) => ({ s, rank })));
      for (const { s } of series) this.series.delete(s.key);
      for (const { s, rank } of series) {
        s.key = s.key.replace(/(#\d+)?(:swap)?$/, `${rank > 0 ? `#${rank}` : ''}${s.measure === 'swap_used_bytes' ? ':swap' : ''}`);
        this.series.set(s.key, s);
      }
    }
  }

  /** Live runs: a lane that has ended is continued by the earliest lane that began after it (a restarted process). */
  private chain(group: Group): void {
    for (const ended of [...group.lanes]) {
      if (!group.lanes.includes(ended)) continue;
      const idle = Math.max(IDLE_MIN_MS, IDLE_INTERVALS * ended.interval);
      if (group.latest - ended.lastT <= idle) continue;
      const slack = Math.max(ended.interval, 1000);
      let next: Lane | undefined;
      for (const lane of group.lanes) {
        if (lane === ended || lane.firstT < ended.lastT - slack) continue;
        if (next === undefined || lane.firstT < next.firstT) next = lane;
      }
      if (next !== undefined) this.join(group, ended, next);
    }
  }

  private join(group: Group, into: Lane, from: Lane): void {
    for (const measure of ['memory', 'swap'] as const) {
      const taker = into[measure];
      const giver = from[measure];
      if (giver === undefined) continue;
      this.series.delete(giver.key);
      if (taker === undefined) {
        // The lane had no such series yet: the newcomer's becomes it, under the lane's name.
        const renamed = this.create(measure === 'memory' ? giver.key.replace(/#\d+$/, laneSuffix(into)) : giver.key.replace(/#\d+:swap$/, `${laneSuffix(into)}:swap`), giver.measure, giver);
        renamed.absorb(giver);
        into[measure] = renamed;
      } else {
        taker.absorb(giver);
      }
    }
    into.lastT = Math.max(into.lastT, from.lastT);
    into.firstT = Math.min(into.firstT, from.firstT);
    into.interval = from.interval || into.interval;
    for (const [pid, lane] of group.byPid) if (lane === from) group.byPid.set(pid, into);
    group.lanes.splice(group.lanes.indexOf(from), 1);
  }

  private create(key: string, measure: SeriesMeasure, from: { host?: string | null; service?: string | null }): Series {
    const series = new Series(key, measure, from.host ?? undefined, from.service ?? undefined, this.rules);
    this.series.set(key, series);
    return series;
  }

  summaries(): SeriesSummary[] {
    return [...this.series.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((s) => s.summary());
  }

  /** The buckets of `judged`, with their series, for the outputs. */
  static batch(series: Series, buckets: Bucket[]): SeriesPointBatch {
    if (buckets.length === 0) return [];
    return [{ series: series.identity(), points: buckets.map((b) => pointOf(b, series.store.width)) }];
  }
}

const laneSuffix = (lane: Lane) => (lane.index > 0 ? `#${lane.index}` : '');
