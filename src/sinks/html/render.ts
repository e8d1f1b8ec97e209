import { formatTime } from '../text.js';
import { cspHash, loadUplot } from './assets.js';
import type { HtmlReportData } from './data.js';
import { embeddedJson } from './embed.js';
import { html, jsonForScript } from './escape.js';
import { pageScript } from './page/script.js';
import { planReport } from './plan.js';
import { header, incidents, input, memory, payloads, run, traces } from './sections.js';
import { PAGE_CSS } from './style.js';

/**
 * The evidence report: one HTML file that opens offline, in pieces (the JSON a few hundred
 * findings at a time, tables a row at a time), never as one string.
 *
 * The Content-Security-Policy allows no network at all (`default-src 'none'`, no connect, font or
 * image source) and runs only the two scripts and two style sheets of this file, by their sha256
 * hashes: reports render the same bytes for the same data (no random nonce), and a log message
 * that somehow became markup could run nothing. No 'unsafe-inline' (uPlot sets its sizes through
 * element.style, which CSP leaves alone; no style attribute is written), no 'unsafe-eval' (uPlot
 * does not evaluate strings). Trusted Types are required with no policy: any assignment of a
 * string to innerHTML or a similar sink throws, so the page script cannot regress into one.
 */
export function* renderHtml(data: HtmlReportData): Generator<string> {
  const uplot = loadUplot();
  const script = pageScript();
  for (const [name, text] of [
    ['uPlot script', uplot.script],
    ['uPlot styles', uplot.css],
  ] as const) {
    if (/<\/(script|style)/i.test(text)) throw new Error(`the ${name} cannot be inlined: it holds a closing tag`);
  }
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(uplot.script)} ${cspHash(script)}`,
    `style-src ${cspHash(uplot.css)} ${cspHash(PAGE_CSS)}`,
    "base-uri 'none'",
    "form-action 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');

  const plan = planReport(data);
  const worst = plan.headline.worst;
  yield html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="memtrail ${data.meta.version}">
<title>memtrail report · ${worst ?? 'no findings'} · ${formatTime(data.meta.generatedAt, 'yyyy-MM-dd HH:mm')} UTC</title>
`.html;
  yield `<style>${uplot.css}</style>\n<style>${PAGE_CSS}</style>\n</head>\n<body>\n<main>\n`;
  yield header(plan).html;
  yield memory(plan).html;
  for (const piece of incidents(plan)) yield piece.html;
  for (const piece of traces(plan)) yield piece.html;
  yield payloads(plan).html;
  yield input(plan).html;
  yield run(plan).html;
  yield `<footer>Times are UTC. This file is self-contained: it opens offline and makes no network request.</footer>\n</main>\n`;
  yield '<script type="application/json" id="memtrail-data">';
  for (const piece of embeddedJson(plan)) yield jsonForScript(piece);
  yield `</script>\n<script>${uplot.script}</script>\n<script>${script}</script>\n</body>\n</html>\n`;
}
