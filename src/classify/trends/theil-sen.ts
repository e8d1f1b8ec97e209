/**
 * The Theil–Sen estimator: the median of the slopes between every pair of points (Sen 1968,
 * Theil 1950). It ignores up to about 29 % of outliers and needs no assumption about the noise,
 * which is what memory samples are like: a garbage collector's sawtooth, a stray spike, a missed
 * sample. Pairs are only taken within the same segment (between restarts), so a restart's drop
 * never reads as negative growth. Points are few (a window of buckets), so O(n²) is cheap.
 */
export function theilSen(times: readonly number[], values: readonly number[], segments: readonly number[]): number | undefined {
  const slopes: number[] = [];
  for (let i = 0; i < times.length; i++) {
    for (let j = i + 1; j < times.length; j++) {
      if (segments[i] !== segments[j]) continue;
      const dt = times[j]! - times[i]!;
      if (dt > 0) slopes.push((values[j]! - values[i]!) / dt);
    }
  }
  return slopes.length === 0 ? undefined : median(slopes);
}

/** The median, by selection (Hoare's quickselect) rather than a sort: it is on the per-sample path of every series. */
export function median(values: readonly number[]): number {
  const a = Float64Array.from(values);
  const mid = a.length >> 1;
  const upper = select(a, mid);
  if (a.length % 2 === 1) return upper;
  // After selection, everything before `mid` is at most a[mid]: the lower middle is their largest.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (a[i]! > lower) lower = a[i]!;
  return (lower + upper) / 2;
}

/** Puts the k-th smallest value at a[k] (smaller before, larger after) and returns it. */
function select(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const pivot = a[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const swap = a[i]!;
        a[i] = a[j]!;
        a[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k]!;
}

/** The q-quantile (0…1) by the nearest rank. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
