import type { Source } from '../../parse/source.js';

/**
 * A memory series (one process lane of a host and service): its samples kept as time buckets,
 * never as raw samples, so the state is bounded whatever the input: min, max, first and last per
 * bucket. Past MAX_BUCKETS the buckets are merged two by two (the width doubles). Samples may
 * arrive out of time order (a rotated file read after the current one): a bucket is addressed by
 * its time, so they join their series in time order.
 */
export interface Bucket {
  /** Bucket start, epoch ms. */
  start: number;
  count: number;
  min: number;
  max: number;
  first: number;
  firstT: number;
  last: number;
  lastT: number;
  /** The memory limit last seen (null when never). */
  limit: number | null;
  /** Swap used, last seen (null when never). */
  swap: number | null;
  /** Process ids of the earliest and latest sample (a change is a restart). */
  pidFirst: string | undefined;
  pidLast: string | undefined;
  /** Where the latest sample came from (a finding points at it). */
  source: Source;
}

/** Buckets kept per series: a day of minutes fits in 4-minute buckets, 10,000 series in a few hundred MB. */
export const MAX_BUCKETS = 512;

export class SeriesStore {
  private buckets = new Map<number, Bucket>();
  samples = 0;

  constructor(public width: number) {}

  get size(): number {
    return this.buckets.size;
  }

  add(t: number, value: number, limit: number | undefined, swap: number | undefined, pid: string | undefined, source: Source): void {
    this.samples++;
    const index = Math.floor(t / this.width);
    const bucket = this.buckets.get(index);
    if (bucket === undefined) {
      this.buckets.set(index, {
        start: index * this.width,
        count: 1,
        min: value,
        max: value,
        first: value,
        firstT: t,
        last: value,
        lastT: t,
        limit: limit ?? null,
        swap: swap ?? null,
        pidFirst: pid,
        pidLast: pid,
        source,
      });
      if (this.buckets.size > MAX_BUCKETS) this.coarsen();
      return;
    }
    bucket.count++;
    if (value < bucket.min) bucket.min = value;
    if (value > bucket.max) bucket.max = value;
    if (t < bucket.firstT) {
      bucket.first = value;
      bucket.firstT = t;
      bucket.pidFirst = pid;
    }
    if (t >= bucket.lastT) {
      bucket.last = value;
      bucket.lastT = t;
      bucket.pidLast = pid;
      if (limit !== undefined) bucket.limit = limit;
      if (swap !== undefined) bucket.swap = swap;
      bucket.source = source;
    }
  }

  /** The buckets in time order. */
  ordered(): Bucket[] {
    return [...this.buckets.values()].sort((a, b) => a.start - b.start);
  }

  /** The buckets from `from` (a bucket start) on, in time order. */
  orderedFrom(from: number): Bucket[] {
    return this.ordered().filter((b) => b.start >= from);
  }

  /** Another store's buckets joined into this one's (a process that took over this one's lane). */
  absorb(other: SeriesStore): void {
    this.samples += other.samples;
    for (const bucket of other.ordered()) this.place(bucket);
    while (this.buckets.size > MAX_BUCKETS) this.coarsen();
  }

  /** Twice the width, half the buckets: neighbours merged. */
  private coarsen(): void {
    this.width *= 2;
    const buckets = this.ordered();
    this.buckets = new Map();
    for (const bucket of buckets) this.place(bucket);
  }

  /** A whole bucket into the one that covers its start at this store's width. */
  private place(bucket: Bucket): void {
    const index = Math.floor(bucket.start / this.width);
    const into = this.buckets.get(index);
    if (into === undefined) {
      this.buckets.set(index, { ...bucket, start: index * this.width });
      return;
    }
    into.count += bucket.count;
    into.min = Math.min(into.min, bucket.min);
    into.max = Math.max(into.max, bucket.max);
    if (bucket.firstT < into.firstT) Object.assign(into, { first: bucket.first, firstT: bucket.firstT, pidFirst: bucket.pidFirst });
    if (bucket.lastT >= into.lastT) {
      Object.assign(into, { last: bucket.last, lastT: bucket.lastT, pidLast: bucket.pidLast, source: bucket.source });
      if (bucket.limit !== null) into.limit = bucket.limit;
      if (bucket.swap !== null) into.swap = bucket.swap;
    }
  }
}
