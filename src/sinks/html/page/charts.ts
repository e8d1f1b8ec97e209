import type UPlot from 'uplot';
import type { ChartMode, FindingRow, ReportView } from '../view.js';
import type { PageFormat } from './format.js';

/** The uPlot IIFE inlined before this script defines it. */
declare const uPlot: typeof UPlot;

/**
 * Draws every `figure[data-chart]`: the memory charts (view.charts) and the payload chart, with
 * the findings as markers. Runs in the page (see script.ts): self-contained.
 *
 * Findings markers are thinned when drawn, not when embedded: each severity keeps one marker per
 * 6 × 6 px cell of the chart as drawn (criticals drawn last, on top). That is what a scatter
 * shows at that size anyway, so nothing visible is lost, draws stay cheap with 20,000 findings,
 * and zooming in (drag) brings back every finding of the range. The findings themselves are in
 * the JSON once, for the timelines, so thinning them there would save no bytes.
 */
export function pageCharts(fmt: PageFormat, view: ReportView, pick: (row: number) => void): void {
  const HEIGHT = 260;
  /** A4 less the page margins, in CSS px: the width charts are redrawn at for print. */
  const PRINT_WIDTH = 700;
  const CELL = 6;
  const HIT = 8;
  const FONT = '12px system-ui, sans-serif';
  /** Tick steps for byte axes: powers of two from 1 KiB, so ticks read 256 MiB, 512 MiB, 1 GiB. */
  const BYTE_STEPS = Array.from({ length: 40 }, (_, i) => 2 ** (i + 10));

  interface Palette {
    muted: string;
    grid: string;
    line: string;
    band: string;
    warn: string;
    crit: string;
    growth: string;
    restart: string;
  }
  interface Spec {
    fig: HTMLElement;
    plot: HTMLElement;
    mode: ChartMode | 'payload';
    /** A memory series: data is [t, min, max], drawn as a band; else [t, value] of the findings. */
    band: boolean;
    data: UPlot.AlignedData;
    /** Rows drawn as markers (a value) or as vertical lines (no value), by severity. */
    rows: number[];
    restarts: number[];
    growth: [number, number][];
    thresholds: { value: number; label: string; critical: boolean }[];
  }
  interface Hit {
    x: number;
    y: number;
    row: number;
  }

  const root = document.documentElement;
  const printing = () => root.classList.contains('printing') || matchMedia('print').matches;

  function palette(): Palette {
    const style = getComputedStyle(root);
    const v = (name: string) => style.getPropertyValue(name).trim();
    return {
      muted: v('--muted'),
      grid: v('--grid'),
      line: v('--line'),
      band: v('--band'),
      warn: v('--warn-mark'),
      crit: v('--crit'),
      growth: v('--growth'),
      restart: v('--restart'),
    };
  }

  const rowsByChart: number[][] = view.charts.map(() => []);
  const payloadRows: number[] = [];
  view.findings.forEach((r, i) => {
    if (r[0] === null) return;
    if (r[4] >= 0) rowsByChart[r[4]]?.push(i);
    else if (view.kinds[r[2]]?.role === 'payload' && r[7] !== null) payloadRows.push(i);
  });
  const byTime = (a: number, b: number) => (view.findings[a]![0] ?? 0) - (view.findings[b]![0] ?? 0);
  for (const rows of rowsByChart) rows.sort(byTime);
  payloadRows.sort(byTime);

  /** The value a row is drawn at on a chart of this mode, null for a vertical line. */
  function valueOf(r: FindingRow, mode: Spec['mode']): number | null {
    return mode === 'percent' ? r[5] : mode === 'bytes' ? r[6] : r[7];
  }

  function specOf(fig: HTMLElement, plot: HTMLElement): Spec | undefined {
    const key = fig.dataset.chart;
    const { warnPercent, criticalPercent, payloadBytes } = view.thresholds;
    const percentLines = [
      { value: warnPercent, label: `warning ${fmt.percent(warnPercent)}`, critical: false },
      { value: criticalPercent, label: `critical ${fmt.percent(criticalPercent)}`, critical: true },
    ];
    if (key === 'payload') {
      const t = payloadRows.map((i) => view.findings[i]![0] ?? 0);
      const y = payloadRows.map((i) => view.findings[i]![7]);
      const thresholds = [{ value: payloadBytes, label: `threshold ${fmt.bytes(payloadBytes)}`, critical: false }];
      return { fig, plot, mode: 'payload', band: false, data: [t, y], rows: payloadRows, restarts: [], growth: [], thresholds };
    }
    const chart = view.charts[Number(key)];
    const rows = rowsByChart[Number(key)];
    if (chart === undefined || rows === undefined) return undefined;
    const thresholds = chart.mode === 'percent' ? percentLines : [];
    if (chart.type === 'series') {
      return { fig, plot, mode: chart.mode, band: true, data: [chart.t, chart.lo, chart.hi], rows, restarts: chart.restarts, growth: chart.growth, thresholds };
    }
    const t = rows.map((i) => view.findings[i]![0] ?? 0);
    const y = rows.map((i) => valueOf(view.findings[i]!, chart.mode));
    return { fig, plot, mode: chart.mode, band: false, data: [t, y], rows, restarts: [], growth: [], thresholds };
  }

  function axisValue(mode: Spec['mode']): (v: number) => string {
    return mode === 'percent' ? (v) => `${v}%` : (v) => fmt.bytes(v).replace('.0 ', ' ');
  }

  /** UTC ticks, 24-hour: the date under the first tick and wherever the day changes. */
  function timeTicks(splits: number[], incr: number): string[] {
    let day = '';
    return splits.map((v) => {
      const iso = new Date(v).toISOString();
      const time = incr < 60_000 ? iso.slice(11, 19) : iso.slice(11, 16);
      const date = iso.slice(0, 10);
      const label = incr >= 86_400_000 ? date : date !== day ? `${time}\n${date} UTC` : time;
      day = date;
      return label;
    });
  }

  /** Room for the longest tick label (uPlot asks before it has values, too). */
  function axisSize(values: string[] | null): number {
    return 24 + 7.5 * (values ?? []).reduce((n, v) => Math.max(n, v.length), 4);
  }

  function optionsFor(spec: Spec, p: Palette, width: number): UPlot.Options {
    const axis = { stroke: p.muted, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 } };
    const fmtAxis = axisValue(spec.mode);
    const y: UPlot.Scale =
      spec.mode === 'payload'
        ? { distr: 3, log: 2 }
        : { range: (_u, _min, max) => [0, spec.mode === 'percent' ? Math.max(100, Math.ceil(max)) : Math.max(1, max * 1.08)] };
    const series: UPlot.Series[] = [{}];
    if (spec.band) {
      series.push({ label: 'min', stroke: p.band, width: 0, points: { show: false } });
      series.push({ label: 'max', stroke: p.line, width: 1.5, points: { show: false } });
    } else {
      // The findings' own values: a thin line for memory usage, none for payloads (independent requests).
      const line = spec.mode !== 'payload';
      series.push({ label: 'value', stroke: line ? p.muted : 'transparent', width: line ? 1 : 0, points: { show: false }, spanGaps: true, ...(line ? {} : { paths: () => null }) });
    }
    return {
      width,
      height: HEIGHT,
      ms: 1,
      tzDate: (ts) => uPlot.tzDate(new Date(ts), 'Etc/UTC'),
      legend: { show: false },
      // Room on the right for the last time tick's label.
      padding: [10, 28, 0, 0],
      cursor: { y: false, points: { show: false }, drag: { x: true, y: false } },
      scales: { x: { time: true }, y },
      axes: [
        { ...axis, size: 44, font: FONT, values: (_u, splits, _axis, _space, incr) => timeTicks(splits, incr) },
        {
          ...axis,
          size: (_u, values) => axisSize(values),
          font: FONT,
          values: (_u, splits) => splits.map(fmtAxis),
          ...(spec.mode === 'bytes' ? { incrs: BYTE_STEPS } : {}),
        },
      ],
      series,
      bands: spec.band ? [{ series: [2, 1], fill: p.band }] : [],
      hooks: {
        drawClear: [(u) => drawGrowth(u, spec, p)],
        draw: [(u) => drawOverlays(u, spec, p)],
        setCursor: [(u) => showPick(u, spec)],
      },
    };
  }

  const hitsOf = new WeakMap<UPlot, Hit[]>();
  const pickedOf = new WeakMap<UPlot, number>();

  function drawGrowth(u: UPlot, spec: Spec, p: Palette): void {
    if (spec.growth.length === 0) return;
    const { ctx, bbox } = u;
    ctx.save();
    ctx.fillStyle = p.growth;
    for (const [start, end] of spec.growth) {
      const x0 = Math.max(bbox.left, u.valToPos(start, 'x', true));
      const x1 = Math.min(bbox.left + bbox.width, u.valToPos(end, 'x', true));
      if (x1 > x0) ctx.fillRect(x0, bbox.top, Math.max(1, x1 - x0), bbox.height);
    }
    ctx.restore();
  }

  function drawOverlays(u: UPlot, spec: Spec, p: Palette): void {
    const { ctx, bbox } = u;
    const px = uPlot.pxRatio;
    const right = bbox.left + bbox.width;
    const bottom = bbox.top + bbox.height;
    ctx.save();
    ctx.beginPath();
    ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
    ctx.clip();
    ctx.font = `${11 * px}px system-ui, sans-serif`;

    ctx.setLineDash([6 * px, 4 * px]);
    ctx.lineWidth = px;
    for (const th of spec.thresholds) {
      const y = u.valToPos(th.value, 'y', true);
      if (y < bbox.top || y > bottom) continue;
      ctx.strokeStyle = ctx.fillStyle = th.critical ? p.crit : p.warn;
      ctx.beginPath();
      ctx.moveTo(bbox.left, y);
      ctx.lineTo(right, y);
      ctx.stroke();
      ctx.textAlign = 'right';
      ctx.fillText(th.label, right - 4 * px, y - 3 * px);
    }
    ctx.strokeStyle = ctx.fillStyle = p.restart;
    ctx.textAlign = 'left';
    for (const t of spec.restarts) {
      const x = u.valToPos(t, 'x', true);
      if (x < bbox.left || x > right) continue;
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.fillText('restart', x + 3 * px, bbox.top + 12 * px);
    }
    ctx.setLineDash([]);

    const hits: Hit[] = [];
    const seen = new Set<number>();
    const xMin = u.scales.x?.min ?? -Infinity;
    const xMax = u.scales.x?.max ?? Infinity;
    for (const severity of [0, 1]) {
      for (const i of spec.rows) {
        const r = view.findings[i]!;
        const t = r[0];
        if (r[1] !== severity || t === null || t < xMin || t > xMax) continue;
        const x = u.valToPos(t, 'x', true);
        const value = valueOf(r, spec.mode);
        const y = value === null ? null : u.valToPos(value, 'y', true);
        if (y !== null && (y < bbox.top - 1 || y > bottom + 1)) continue;
        // The cell's number: severity, column, row (0 for a vertical line, which takes the whole column).
        const cell = (severity * 1e5 + Math.round(x / (CELL * px))) * 1e5 + (y === null ? 0 : 1 + Math.round(y / (CELL * px)));
        if (seen.has(cell)) continue;
        seen.add(cell);
        ctx.fillStyle = ctx.strokeStyle = severity === 1 ? p.crit : p.warn;
        if (y === null) {
          ctx.lineWidth = 1.5 * px;
          ctx.beginPath();
          ctx.moveTo(x, bbox.top);
          ctx.lineTo(x, bottom);
          ctx.stroke();
        } else if (severity === 1) {
          const s = 4.5 * px;
          ctx.beginPath();
          ctx.moveTo(x, y - s);
          ctx.lineTo(x + s, y);
          ctx.lineTo(x, y + s);
          ctx.lineTo(x - s, y);
          ctx.closePath();
          ctx.fill();
        } else {
          ctx.beginPath();
          ctx.arc(x, y, 3.2 * px, 0, 2 * Math.PI);
          ctx.fill();
        }
        hits.push({ x: (x - bbox.left) / px, y: y === null ? -1 : (y - bbox.top) / px, row: i });
      }
    }
    ctx.restore();
    hitsOf.set(u, hits);
    spec.fig.dataset.markers = String(hits.length);
    spec.fig.dataset.drawn = 'true';
  }

  function describe(i: number): string {
    const r = view.findings[i]!;
    const str = (k: number) => (k >= 0 ? (view.strings[k] ?? '') : '');
    const trace = r[3] >= 0 ? `trace ${view.traces[r[3]]?.id ?? ''}` : r[3] === -1 ? 'no trace id' : 'trace not listed';
    const parts = [
      `${fmt.time(r[0])} UTC`,
      r[1] === 1 ? 'critical' : 'warning',
      view.kinds[r[2]]?.name ?? '',
      r[8],
      trace,
      str(r[11]),
      str(r[9]),
      r[10] >= 0 ? `"${str(r[10])}"` : '',
      `${str(r[12])}:${r[13]}`,
    ];
    return parts.filter(Boolean).join(' · ') + (r[3] >= -1 ? ' (click: open its timeline)' : '');
  }

  function showPick(u: UPlot, spec: Spec): void {
    const out = spec.fig.querySelector('.pick');
    const left = u.cursor.left ?? -1;
    const top = u.cursor.top ?? -1;
    let best: Hit | undefined;
    let bestD = HIT * HIT;
    if (left >= 0) {
      for (const h of hitsOf.get(u) ?? []) {
        const dy = h.y < 0 ? 0 : h.y - top;
        const d = (h.x - left) ** 2 + dy ** 2;
        if (d <= bestD) {
          bestD = d;
          best = h;
        }
      }
    }
    if (best === undefined) pickedOf.delete(u);
    else pickedOf.set(u, best.row);
    if (out) out.textContent = best === undefined ? '' : describe(best.row);
  }

  let plots: { u: UPlot; spec: Spec }[] = [];

  function widthOf(spec: Spec): number {
    return printing() ? PRINT_WIDTH : Math.max(320, Math.floor(spec.plot.clientWidth));
  }

  function build(): void {
    for (const { u } of plots) u.destroy();
    plots = [];
    const p = palette();
    const specs: Spec[] = [];
    for (const fig of document.querySelectorAll<HTMLElement>('figure[data-chart]')) {
      const plot = fig.querySelector<HTMLElement>('.plot');
      const spec = plot ? specOf(fig, plot) : undefined;
      if (spec) specs.push(spec);
    }
    // Every width read before any chart is added: reading one after a change forces a layout of the page.
    const widths = specs.map(widthOf);
    for (const [i, spec] of specs.entries()) {
      delete spec.fig.dataset.drawn;
      const u = new uPlot(optionsFor(spec, p, widths[i] ?? PRINT_WIDTH), spec.data, spec.plot);
      // uPlot swallows the click that ends a drag and may take a still click for one: a press and
      // release within a few pixels is a click on the marker under the cursor.
      let down: { x: number; y: number } | undefined;
      u.over.addEventListener('mousedown', (e) => (down = { x: e.clientX, y: e.clientY }));
      u.over.addEventListener('mouseup', (e) => {
        const still = down !== undefined && Math.abs(e.clientX - down.x) + Math.abs(e.clientY - down.y) < 4;
        const row = pickedOf.get(u);
        down = undefined;
        if (still && row !== undefined) pick(row);
      });
      plots.push({ u, spec });
    }
    root.dataset.charts = String(plots.length);
  }

  let resizing = 0;
  addEventListener('resize', () => {
    cancelAnimationFrame(resizing);
    resizing = requestAnimationFrame(() => {
      const widths = plots.map(({ spec }) => widthOf(spec));
      plots.forEach(({ u }, i) => u.setSize({ width: widths[i] ?? PRINT_WIDTH, height: HEIGHT }));
    });
  });
  // Colours live in CSS: a new scheme or print means drawing again with the new ones.
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', build);
  matchMedia('print').addEventListener('change', build);
  addEventListener('beforeprint', () => {
    root.classList.add('printing');
    build();
  });
  addEventListener('afterprint', () => {
    root.classList.remove('printing');
    build();
  });
  build();
}
