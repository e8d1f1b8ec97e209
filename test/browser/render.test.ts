/**
 * The HTML report as text, without a browser: escaping, the CSP's hashes, the embedded JSON,
 * streaming, and the page's formatting against text output's.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { jsonForScript } from '../../src/sinks/html/escape.js';
import { pageFormat } from '../../src/sinks/html/page/format.js';
import { renderHtml } from '../../src/sinks/html/render.js';
import type { ReportView } from '../../src/sinks/html/view.js';
import { formatSpan, formatTime } from '../../src/sinks/text.js';
import { largeReport, realisticReport, XSS_EVENT, XSS_HOST, XSS_MESSAGE, XSS_TRACE } from './fixtures.js';

const page = [...renderHtml(realisticReport())].join('');

function embedded(html: string): ReportView {
  const match = /<script type="application\/json" id="memtrail-data">([^<]*)<\/script>/.exec(html);
  assert.ok(match, 'the data element');
  return JSON.parse(match[1]!) as ReportView;
}

test('log content never appears as markup', () => {
  for (const literal of [XSS_MESSAGE, XSS_TRACE, XSS_HOST, XSS_EVENT, '<b>']) assert.ok(!page.includes(literal), `raw in the page: ${literal}`);
  assert.ok(page.includes('trace-&quot;quoted&quot;-&lt;b&gt;bold&lt;/b&gt;'), 'the trace id, escaped, in its summary line');
  assert.equal(page.match(/<script[\s>]/g)?.length, 3, 'the data, uPlot and the page script, nothing else');
});

test('the embedded JSON holds the strings exactly', () => {
  const view = embedded(page);
  assert.ok(view.strings.includes(XSS_MESSAGE));
  assert.ok(view.strings.includes(XSS_EVENT));
  assert.equal(view.traces[0]?.id, XSS_TRACE, 'the most severe trace first');
  const kept = realisticReport().report;
  const findings = kept.traces.reduce((n, t) => n + t.findings.length, kept.untraced.length);
  assert.equal(view.findings.length, findings, 'every kept finding, once');
  assert.equal(jsonForScript(JSON.stringify('a\u2028b</script>&')), '"a\\u2028b\\u003c/script\\u003e\\u0026"');
});

test("the CSP allows exactly this file's scripts and styles, and nothing from anywhere", () => {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(page)?.[1]?.replaceAll('&#39;', "'") ?? '';
  const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => hash(m[1]!));
  const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => hash(m[1]!));
  assert.deepEqual(directives.get('script-src'), scripts);
  assert.deepEqual(directives.get('style-src'), styles);
  assert.doesNotMatch(csp, /unsafe|https?:|data:|\*/);
});

test('a large report streams in bounded pieces and stays a few MB', () => {
  let pieces = 0;
  let largest = 0;
  let bytes = 0;
  for (const piece of renderHtml(largeReport())) {
    pieces++;
    largest = Math.max(largest, piece.length);
    bytes += Buffer.byteLength(piece);
  }
  assert.ok(pieces > 100, `pieces: ${pieces}`);
  assert.ok(largest < 256 * 1024, `largest piece: ${largest}`);
  assert.ok(bytes < 6 * 1024 * 1024, `bytes: ${bytes}`);
});

test("the page formats times and spans as text output does", () => {
  const fmt = pageFormat();
  for (const t of [0, Date.UTC(2024, 4, 1, 8, 3, 31, 234), Date.UTC(2031, 11, 31, 23, 59, 59, 999)]) assert.equal(fmt.time(t), formatTime(t));
  for (const ms of [0, 999, 1500, 59_000, 60_000, 273_000, 7_500_000, 3 * 86_400_000 + 4 * 3_600_000]) assert.equal(fmt.span(ms), formatSpan(ms), `span ${ms}`);
});
