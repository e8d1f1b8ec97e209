/**
 * The page's CSS. Colours are custom properties the chart script reads too (canvas has no CSS),
 * light by default, dark when the reader prefers it on screen; print is always light.
 */
export const PAGE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa;
  --grid: rgba(31, 35, 40, 0.10); --line: #0969da; --band: rgba(9, 105, 218, 0.20);
  --warn: #b35900; --warn-mark: #e8a317; --crit: #cf222e; --ok: #1a7f37;
  --growth: rgba(232, 163, 23, 0.18); --restart: #6e7781; --pick: rgba(9, 105, 218, 0.12);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
}
@media screen and (prefers-color-scheme: dark) {
  :root:not(.printing) {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --panel: #151b23;
    --grid: rgba(230, 237, 243, 0.12); --line: #4493f8; --band: rgba(68, 147, 248, 0.25);
    --warn: #d29922; --warn-mark: #e3b341; --crit: #ff7b72; --ok: #3fb950;
    --growth: rgba(227, 179, 65, 0.16); --restart: #9198a1; --pick: rgba(68, 147, 248, 0.18);
  }
}
:root.printing { color-scheme: light; }
body { margin: 0; background: var(--bg); color: var(--fg); }
main { max-width: 1280px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 4px 0 6px; line-height: 1.3; }
h2 { font-size: 18px; margin: 0 0 8px; padding-top: 8px; border-top: 1px solid var(--border); }
h3 { font-size: 15px; margin: 16px 0 6px; }
section { margin-top: 28px; }
small, .muted, .note { color: var(--muted); }
.note { margin: 4px 0 10px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: var(--panel); border: 1px solid var(--border); padding: 8px 10px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: 0.06em; font-size: 12px; }
.headline { border-left: 6px solid var(--ok); padding: 6px 0 6px 14px; }
.headline.critical { border-color: var(--crit); }
.headline.warning { border-color: var(--warn); }
.when { margin: 0 0 6px; font-size: 15px; }
.facts { margin: 6px 0; padding-left: 18px; }
.facts li { margin: 2px 0; }
nav { margin-top: 10px; display: flex; gap: 14px; flex-wrap: wrap; }
nav a { color: var(--line); }
.badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; font-weight: 700; letter-spacing: 0.03em; vertical-align: 2px; border: 1px solid currentColor; }
.badge.critical, .sev.critical { color: var(--crit); }
.badge.warning, .sev.warning { color: var(--warn); }
.badge.ok { color: var(--ok); }
.sev { font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--border); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12.5px; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.time, .nowrap { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.msg { overflow-wrap: anywhere; }
tr.picked td { background: var(--pick); }
.chart { margin: 12px 0 18px; break-inside: avoid; }
.chart figcaption { margin-bottom: 4px; }
.chart figcaption strong { overflow-wrap: anywhere; }
.plot { min-height: 260px; width: 100%; }
.pick { min-height: 1.45em; margin: 2px 0; font-size: 12.5px; overflow-wrap: anywhere; }
.verdict.growing { color: var(--crit); font-weight: 600; }
.verdict.stable { color: var(--ok); }
.key { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12.5px; color: var(--muted); margin: 2px 0 6px; }
.sw { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: -1px; border-radius: 2px; }
.sw.line { background: var(--line); height: 3px; vertical-align: 3px; }
.sw.band { background: var(--band); }
.sw.warn { background: var(--warn-mark); border-radius: 50%; width: 9px; height: 9px; }
.sw.crit { background: var(--crit); width: 9px; height: 9px; transform: rotate(45deg); border-radius: 0; }
.sw.growth { background: var(--growth); border: 1px solid var(--warn-mark); }
.sw.event { border-left: 2px solid var(--crit); width: 2px; border-radius: 0; }
.sw.restart { border-left: 2px dashed var(--restart); width: 2px; border-radius: 0; }
.sw.threshold { border-top: 2px dashed var(--crit); height: 0; border-radius: 0; vertical-align: 3px; }
div.trace { border: 1px solid var(--border); border-radius: 6px; margin: 6px 0; }
.trace > .summary { padding: 6px 10px 6px 34px; position: relative; cursor: pointer; }
.trace.open > .summary { border-bottom: 1px solid var(--border); }
.trace:not(.open) > .timeline { display: none; }
.trace > .timeline { padding: 0 8px 6px; overflow-x: auto; }
.trace .rank { color: var(--muted); font-variant-numeric: tabular-nums; }
.toggle { position: absolute; left: 6px; top: 5px; width: 22px; padding: 0; margin: 0; border: none; background: none; color: var(--muted); }
.toggle::before { content: "▸"; }
.trace.open .toggle::before { content: "▾"; }
.trace-id { font-weight: 600; overflow-wrap: anywhere; }
.filter { display: flex; gap: 10px; align-items: center; margin: 6px 0; }
.filter input { flex: 0 1 420px; padding: 4px 8px; background: var(--bg); color: var(--fg); border: 1px solid var(--border); border-radius: 4px; font: inherit; }
button { font: inherit; padding: 2px 10px; margin: 4px 0; background: var(--panel); color: var(--fg); border: 1px solid var(--border); border-radius: 4px; cursor: pointer; }
dl.pairs { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 6px 0; }
dl.pairs dt { color: var(--muted); }
dl.pairs dd { margin: 0; overflow-wrap: anywhere; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 0 24px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12.5px; }
.uplot { font-family: inherit; }
@page { size: A4; margin: 12mm; }
@media print {
  :root { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  .no-print, nav, .filter, .pick, button, .u-over, .u-under, .u-cursor-x, .u-cursor-y, .u-select { display: none !important; }
  section + section { break-before: page; }
  h2 { border-top: none; }
  .uplot, .u-wrap, .plot { width: 100% !important; }
  .u-wrap { height: auto !important; }
  .uplot canvas { width: 100% !important; height: auto !important; position: static !important; }
  .plot { min-height: 0; }
  tr, .chart, .trace > .summary { break-inside: avoid; }
  div.trace { border: none; border-top: 1px solid var(--border); border-radius: 0; }
  div.trace:not(.open) { display: none; }
  .trace > .summary { padding-left: 0; }
  a { color: inherit; text-decoration: none; }
}
`;
