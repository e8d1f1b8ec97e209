import type { Source } from '../../parse/source.js';
import type { Bucket } from './series.js';
import type { Verdict } from './summary.js';
import { median, quantile, theilSen } from './theil-sen.js';

/** The leak rule, from the runbook's MemoryLeak alert and verification step. */
export interface TrendRules {
  /** Growth faster than this (bytes per second) over the rate window is growth. */
  growthBytesPerSecond: number;
  rateWindowMs: number;
  /** …held this long is a leak (Prometheus' `for`). */
  growthForMs: number;
  /** A leak projected to reach the memory limit within this long is critical. */
  limitHorizonMs: number;
  /** Below this rate (bytes per second) a series is stable. */
  stableBytesPerSecond: number;
}

/** A run of sustained growth, confirmed once it held for growth-for. */
export interface Episode {
  /** Start of the first window that grew too fast, epoch ms: with the series, the episode's identity. */
  start: number;
  /** The latest sample's time. */
  end: number;
  /** Growth rate (bytes per second) of the latest window. */
  rate: number;
  samples: number;
  startBytes: number;
  endBytes: number;
  limit: number | null;
  /** Restarts within the episode. */
  restarts: number;
  projectedLimitAt: number | null;
  severity: 'warning' | 'critical';
  /** Where the latest sample is. */
  source: Source;
}

/** Fewer bucket floors than this in a window give no rate (sparse or irregular samples). */
const MIN_POINTS = 5;
/** A bucket under this share of the recent floor is a restart (a collection does not go so low)… */
const RESTART_RATIO = 0.7;
/** …and at least this far under it. */
const RESTART_MIN_BYTES = 16 * 1024 * 1024;
/** The floor is the minimum over this share of the rate window: longer than a collector's cycle. */
const FLOOR_SHARE = 1 / 3;
/**
 * The rate window holds one point per twelfth of its span (the latest floor in it): enough for a
 * robust slope, and the estimator's cost per point stays small whatever the bucket width.
 */
const SLOTS = 12;
/** The verdict looks back this many rate windows: over more points, a stable series reads as stable despite noise. */
const VERDICT_WINDOWS = 4;

interface Point {
  /** Middle of the bucket, epoch ms. */
  t: number;
  /** The lowest value over the floor window up to this bucket, within its segment. */
  floor: number;
  /** The bucket's highest value above that floor (a sawtooth's height, noise). */
  spread: number;
  segment: number;
}

/**
 * Judges one series, bucket by bucket in time order. What counts is the floor a garbage collector
 * returns to (the minimum over a third of the rate window), so a stable sawtooth has no trend. The
 * floor's slope is estimated with Theil–Sen over the rate window, within segments between restarts
 * (a sharp drop under the recent floor, or a new process id), so a restart's drop is never negative
 * growth and an OOM-kill loop is one leak. Growth above the rate that holds for growth-for is a
 * leak episode, as Prometheus' `rate(…[30m]) > x for: 1h` is, but robust to a sawtooth, noise and
 * a one-time step (a step lifts the window's slope only while the window straddles it: never for
 * an hour). State is the window's points, whatever the series' length.
 */
export class TrendEvaluator {
  private readonly window: Point[] = [];
  /** The same points over the verdict's longer look-back. */
  private readonly history: Point[] = [];
  /** The buckets of the floor window (current segment): their times and minima. */
  private readonly floorWindow: { t: number; min: number }[] = [];
  private segment = 0;
  private previous: Bucket | undefined;
  private previousFloor: number | undefined;
  readonly restarts: number[] = [];
  private run:
    | { start: number; firstHigh: number; samples: number; startBytes: number; restartsAtStart: number; confirmed: boolean; episode?: Episode }
    | undefined;
  readonly episodes: Episode[] = [];
  latestRate: number | undefined;
  /** The current window's rate (undefined: too few points). */
  private windowRate: number | undefined;

  constructor(
    private readonly rules: TrendRules,
    private readonly width: () => number,
  ) {}

  /** One bucket, in time order. Returns the episode when it is confirmed or escalates (live runs report it then). */
  step(bucket: Bucket): Episode | undefined {
    const t = (bucket.firstT + bucket.lastT) / 2;
    const span = Math.max(this.rules.rateWindowMs, MIN_POINTS * this.width());
    // A gap longer than the window: what came before says nothing about now.
    if (this.previous && bucket.firstT - this.previous.lastT > span) {
      this.closeRun();
      this.window.length = 0;
      this.history.length = 0;
      this.latestRate = undefined;
      this.windowRate = undefined;
    }
    if (this.isRestart(bucket)) {
      this.segment++;
      this.restarts.push(bucket.firstT);
      this.floorWindow.length = 0;
    }
    this.previous = bucket;
    const floor = this.floorOf(bucket, t, span);
    this.previousFloor = floor;
    const slot = span / SLOTS;
    const point = { t, floor, spread: bucket.max - floor, segment: this.segment };
    const last = this.window[this.window.length - 1];
    let changed = true;
    if (last !== undefined && last.segment === point.segment && Math.floor(last.t / slot) === Math.floor(t / slot)) {
      // Same slot: the latest floor stands for it; the spread is the slot's highest.
      point.spread = Math.max(point.spread, last.spread);
      this.window[this.window.length - 1] = point;
      changed = false;
    } else {
      this.window.push(point);
    }
    if (changed) this.history.push(point);
    else this.history[this.history.length - 1] = point;
    while (this.history.length > 0 && this.history[0]!.t <= t - VERDICT_WINDOWS * span) this.history.shift();
    while (this.window.length > 0 && this.window[0]!.t <= t - span) {
      this.window.shift();
      changed = true;
    }
    // The slope is estimated again when the window gains or loses a slot.
    const rate = changed ? this.rate(span) : this.windowRate;
    this.windowRate = rate;
    if (rate !== undefined) this.latestRate = rate;
    if (rate === undefined || rate <= this.rules.growthBytesPerSecond) {
      this.closeRun();
      return undefined;
    }
    if (this.run === undefined) {
      const first = this.window[0]!;
      this.run = { start: first.t, firstHigh: t, samples: 0, startBytes: first.floor, restartsAtStart: this.restarts.length, confirmed: false };
    }
    const run = this.run;
    run.samples += bucket.count;
    const projectedLimitAt = this.projection(bucket, rate);
    const severity = projectedLimitAt !== null && projectedLimitAt - bucket.lastT <= this.rules.limitHorizonMs ? 'critical' : 'warning';
    const before = run.episode?.severity;
    run.episode = {
      start: run.start,
      end: bucket.lastT,
      rate,
      samples: run.samples,
      startBytes: run.startBytes,
      endBytes: bucket.last,
      limit: bucket.limit,
      restarts: this.restarts.length - run.restartsAtStart,
      projectedLimitAt,
      // Once critical, an episode stays so: the finding never loses what it already said.
      severity: before === 'critical' ? 'critical' : severity,
      source: bucket.source,
    };
    if (!run.confirmed && t - run.firstHigh >= this.rules.growthForMs) {
      run.confirmed = true;
      return run.episode;
    }
    if (run.confirmed && before === 'warning' && run.episode.severity === 'critical') return run.episode;
    return undefined;
  }

  /** The input is over: an open episode that held is kept. */
  finish(): void {
    this.closeRun();
  }

  /** The episode in progress, confirmed or not yet. */
  get current(): (Episode & { confirmed: boolean }) | undefined {
    return this.run?.episode ? { ...this.run.episode, confirmed: this.run.confirmed } : undefined;
  }

  /**
   * The series' rate now, for its verdict: over the verdict's look-back (within the current
   * segment's pairs), once a rate window has had enough points; undefined before.
   */
  verdictRate(): number | undefined {
    if (this.latestRate === undefined) return undefined;
    if (this.cachedVerdictRate?.at === this.history.at(-1)) return this.cachedVerdictRate?.rate;
    const points = this.history;
    const rate =
      theilSen(
        points.map((p) => p.t / 1000),
        points.map((p) => p.floor),
        points.map((p) => p.segment),
      ) ?? this.latestRate;
    this.cachedVerdictRate = { at: points.at(-1), rate };
    return rate;
  }

  /** The verdict's rate until the history changes (metrics ask every scrape). */
  private cachedVerdictRate: { at: Point | undefined; rate: number | undefined } | undefined;

  verdict(rate = this.verdictRate()): Verdict {
    if (rate === undefined) return 'not_enough_data';
    return rate < this.rules.stableBytesPerSecond ? 'stable' : 'growing';
  }

  private floorOf(bucket: Bucket, t: number, span: number): number {
    const floorSpan = Math.max(span * FLOOR_SHARE, this.width());
    this.floorWindow.push({ t, min: bucket.min });
    while (this.floorWindow.length > 1 && this.floorWindow[0]!.t <= t - floorSpan) this.floorWindow.shift();
    let floor = Infinity;
    for (const entry of this.floorWindow) if (entry.min < floor) floor = entry.min;
    return floor;
  }

  private rate(span: number): number | undefined {
    const points = this.window;
    if (points.length < MIN_POINTS || points[points.length - 1]!.t - points[0]!.t < span / 2) return undefined;
    return theilSen(
      points.map((p) => p.t / 1000),
      points.map((p) => p.floor),
      points.map((p) => p.segment),
    );
  }

  /**
   * When the series reaches its limit at this rate: the floor's line now (Sen's intercept over the
   * current segment) plus the height of the peaks above it (a sawtooth's peak reaches the limit
   * first; the 90th percentile, so one noisy bucket does not decide).
   */
  private projection(bucket: Bucket, rate: number): number | null {
    if (bucket.limit === null || rate <= 0) return null;
    const current = this.window.filter((p) => p.segment === this.segment);
    if (current.length === 0) return null;
    const intercept = median(current.map((p) => p.floor - (rate * p.t) / 1000));
    const now = bucket.lastT;
    const level = intercept + (rate * now) / 1000 + quantile(current.map((p) => p.spread), 0.9);
    if (level >= bucket.limit) return now;
    return now + ((bucket.limit - level) / rate) * 1000;
  }

  private isRestart(bucket: Bucket): boolean {
    const previous = this.previous;
    if (previous === undefined) return false;
    if (bucket.pidFirst !== undefined && previous.pidLast !== undefined && bucket.pidFirst !== previous.pidLast) return true;
    const floor = this.previousFloor;
    if (floor === undefined) return false;
    // The drop may happen within the bucket (its first sample high, its minimum low) or between two.
    return bucket.min < floor * RESTART_RATIO && floor - bucket.min > RESTART_MIN_BYTES;
  }

  private closeRun(): void {
    if (this.run?.confirmed && this.run.episode) this.episodes.push(this.run.episode);
    this.run = undefined;
  }
}
