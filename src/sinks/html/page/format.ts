/**
 * Formatting shared by the page script and the server-rendered parts, so both read the same.
 * Self-contained on purpose: the page gets this function's source text (see script.ts), so it
 * must not use anything from outside its own body.
 */
export function pageFormat() {
  const grouping = new Intl.NumberFormat('en-US');

  /** UTC, as text output prints it (formatTime in sinks/text.ts): 2024-05-01 12:00:00.000. */
  function time(ms: number | null): string {
    if (ms === null) return '(no time)';
    return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  }

  /** "1.2s" under a minute, else "4m 33s", "2h 5m", "3d 4h" (formatSpan in sinks/text.ts). */
  function span(ms: number): string {
    if (ms < 60_000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
    const units: [number, string][] = [
      [86_400_000, 'd'],
      [3_600_000, 'h'],
      [60_000, 'm'],
      [1000, 's'],
    ];
    let rest = Math.floor(ms / 1000) * 1000;
    const parts: string[] = [];
    for (const [size, unit] of units) {
      const n = Math.floor(rest / size);
      rest -= n * size;
      if (n > 0) parts.push(`${n}${unit}`);
    }
    return parts.join(' ');
  }

  /** Two decimals at most, so 80.01 % does not read as an innocent 80.0 % (as text output). */
  function percent(value: number | null): string {
    return value === null ? '' : `${Number(value.toFixed(2))}%`;
  }

  /** One decimal in binary units, as text output (which stops at MiB; this goes on to GiB, TiB). */
  function bytes(value: number | null): string {
    if (value === null) return '';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = Math.abs(value);
    let unit = 0;
    while (v >= 1024 && unit < units.length - 1) {
      v /= 1024;
      unit++;
    }
    const sign = value < 0 ? '-' : '';
    return unit === 0 ? `${sign}${v} B` : `${sign}${v.toFixed(1)} ${units[unit]}`;
  }

  function count(n: number): string {
    return grouping.format(n);
  }

  function plural(n: number, word: string, many = `${word}s`): string {
    return `${count(n)} ${n === 1 ? word : many}`;
  }

  return { time, span, percent, bytes, count, plural };
}

export type PageFormat = ReturnType<typeof pageFormat>;
