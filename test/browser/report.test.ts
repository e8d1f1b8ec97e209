/**
 * The HTML evidence report, opened from a file in Debian's Chromium: no error, no request, every
 * chart drawn, log content shown as text and never run, print and dark mode.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { KINDS } from '../../src/classify/registry.js';
import type { HtmlReportData } from '../../src/sinks/html/data.js';
import { writeHtmlReport } from '../../src/sinks/html/write.js';
import { canvasInk, chartsDrawn, launchChromium, openReport, skipBrowser, type OpenedReport } from '../support/browser.js';
import { runCli } from '../support/helpers.js';
import { emptyReport, largeReport, realisticReport, withoutSeries, XSS_EVENT, XSS_HOST, XSS_MESSAGE, XSS_TRACE } from './fixtures.js';

const SCREENSHOT = join(tmpdir(), 'memtrail-report-screenshot.png');

function assertClean({ watch }: OpenedReport): void {
  assert.deepEqual(watch.errors, [], 'console errors or uncaught exceptions');
  assert.deepEqual(watch.requests, [], 'requests besides the file itself');
  assert.deepEqual(watch.dialogs, [], 'dialogs');
}

/** Every chart has coloured ink in its plotting area (more than the grid), and its markers where it has findings. */
async function assertChartsDrawn(opened: OpenedReport, expected: number): Promise<void> {
  const ink = await canvasInk(opened.page);
  assert.equal(ink.length, expected, `charts: ${JSON.stringify(ink)}`);
  for (const chart of ink) {
    assert.ok(chart.area > 50_000, `chart ${chart.chart} has a plotting area: ${JSON.stringify(chart)}`);
    assert.ok(chart.colored > 1000, `chart ${chart.chart} drew in colour: ${JSON.stringify(chart)}`);
  }
}

async function markers(opened: OpenedReport): Promise<Record<string, number>> {
  return opened.page.$$eval('figure[data-chart]', (figures) =>
    Object.fromEntries(figures.map((f) => [(f as HTMLElement).dataset.chart, Number((f as HTMLElement).dataset.markers)])),
  );
}

async function openAllTimelines(opened: OpenedReport): Promise<void> {
  await opened.page.$$eval('.trace:not(.open) .toggle', (buttons) => buttons.forEach((b) => (b as HTMLElement).click()));
}

const LEAK_MESSAGE = '</script><img src=x onerror="window.__pwned=1">';

/**
 * Six hours of a service leaking 300 MiB an hour, restarted (a new process id) after three and a
 * half, with a critical finding every 20 minutes whose message tries to break out of the page.
 */
function leakingLog(): string {
  const start = Date.UTC(2026, 0, 5, 8, 0, 0);
  const MIB = 2 ** 20;
  const lines: string[] = [];
  for (let i = 0; i < 720; i++) {
    const t = start + i * 30_000;
    const hours = (i * 30) / 3600;
    const restarted = hours >= 3.5;
    const context = { memory_used_bytes: Math.round(500 * MIB + (restarted ? hours - 3.5 : hours) * 300 * MIB + (i % 7) * 3 * MIB), memory_limit_bytes: 2 * 1024 * MIB };
    const common = { host: 'api-1', service: 'fraiseql', pid: restarted ? '5151' : '4242', context };
    lines.push(JSON.stringify({ timestamp: new Date(t).toISOString(), level: 'INFO', event: 'system.memory_sample', ...common }));
    if (i % 40 === 0) {
      lines.push(JSON.stringify({ timestamp: new Date(t + 500).toISOString(), level: 'ERROR', event: 'system.memory_critical', message: LEAK_MESSAGE, trace_id: `trace-<b>${i}</b>`, ...common }));
    }
  }
  return `${lines.join('\n')}\n`;
}

test('the HTML report in Chromium', { skip: skipBrowser, timeout: 240_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'memtrail-html-'));
  const browser = await launchChromium();
  const write = async (name: string, data: HtmlReportData) => {
    const path = join(dir, name);
    await writeHtmlReport(data, path);
    return path;
  };
  try {
    const realistic = await write('realistic.html', realisticReport());

    await t.test('opens from a file with no error and no request, every chart drawn', async () => {
      const opened = await openReport(browser, realistic);
      try {
        assertClean(opened);
        // api-1, api-2, worker-1, the findings of a host with no series, payloads.
        await assertChartsDrawn(opened, 5);
        const drawn = await markers(opened);
        for (const chart of ['0', '1', '3', 'payload']) assert.ok((drawn[chart] ?? 0) > 0, `markers on chart ${chart}: ${JSON.stringify(drawn)}`);
        const series = await canvasInk(opened.page);
        for (const chart of series.slice(0, 3)) assert.ok(chart.colored > chart.area * 0.02, `series ${chart.chart} drew its band: ${JSON.stringify(chart)}`);
        await opened.page.screenshot({ path: SCREENSHOT, fullPage: true });
        console.log(`screenshot of the report: ${SCREENSHOT}`);
      } finally {
        await opened.context.close();
      }
    });

    await t.test('shows log content as text and runs none of it', async () => {
      const opened = await openReport(browser, realistic);
      try {
        await openAllTimelines(opened);
        const text = (await opened.page.textContent('body')) ?? '';
        for (const literal of [XSS_MESSAGE, XSS_TRACE, XSS_HOST, XSS_EVENT, '<script>alert(1)</script>', '/var/log/<b>odd</b>.log:7']) {
          assert.ok(text.includes(literal), `shown literally: ${literal}`);
        }
        for (const kind of KINDS) assert.ok(text.includes(kind.name), `a finding of ${kind.name} in the timelines`);
        assert.equal(await opened.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
        assert.equal(await opened.page.locator('img, b, main script').count(), 0, 'no element made from log content');
        const csp = (await opened.page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content')) ?? '';
        assert.match(csp, /default-src 'none'/);
        assert.match(csp, /base-uri 'none'/);
        assert.match(csp, /form-action 'none'/);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
        assertClean(opened);
      } finally {
        await opened.context.close();
      }
    });

    await t.test('a marker names its finding and opens its timeline', async () => {
      const opened = await openReport(browser, realistic);
      try {
        const plot = opened.page.locator('figure[data-chart="3"] .u-over');
        await plot.scrollIntoViewIfNeeded();
        const box = await plot.boundingBox();
        assert.ok(box);
        // The chart of the host without a series holds the three findings of the XSS trace; sweep across it.
        let picked = '';
        for (let x = 1; x < box.width && picked === ''; x += 2) {
          for (const y of [2, 4, 6]) {
            await opened.page.mouse.move(box.x + x, box.y + y);
            picked = (await opened.page.textContent('figure[data-chart="3"] .pick')) ?? '';
            if (picked !== '') break;
          }
        }
        assert.ok(picked.includes(XSS_MESSAGE), `the pick line shows the finding: ${picked}`);
        await opened.page.mouse.down();
        await opened.page.mouse.up();
        const row = await opened.page.locator('tr.picked').textContent();
        assert.ok(row?.includes(XSS_MESSAGE), `the picked row is the finding's: ${row}`);
        assertClean(opened);
      } finally {
        await opened.context.close();
      }
    });

    await t.test('prints to PDF: print media, charts redrawn to A4 width', async () => {
      const opened = await openReport(browser, realistic, { colorScheme: 'dark' });
      try {
        await opened.page.emulateMedia({ media: 'print' });
        // The page redraws on the media query's change event, which comes with the next rendering
        // step, after emulateMedia returns: wait for the redraw at A4 width (the emulated page keeps
        // the screen's viewport, so the CSS width is the screen's), not just for charts drawn.
        const a4 = () =>
          Array.from(document.querySelectorAll<HTMLCanvasElement>('figure[data-chart] canvas')).every((c) => c.width / devicePixelRatio > 0 && c.width / devicePixelRatio <= 720);
        await opened.page.waitForFunction(a4, undefined, { timeout: 30_000 }).catch(() => undefined);
        await chartsDrawn(opened.page);
        const widths = await opened.page.$$eval('figure[data-chart] canvas', (canvases) => canvases.map((c) => (c as HTMLCanvasElement).width / devicePixelRatio));
        for (const w of widths) assert.ok(w > 0 && w <= 720, `chart width for A4: ${w}`);
        assert.equal(await opened.page.locator('.filter').isVisible(), false, 'no interactive chrome in print');
        const pdf = await opened.page.pdf({ format: 'A4' });
        assert.ok(pdf.length > 10_000, `PDF bytes: ${pdf.length}`);
        assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
        await assertChartsDrawn(opened, 5);
        assertClean(opened);
      } finally {
        await opened.context.close();
      }
    });

    await t.test('dark mode', async () => {
      const opened = await openReport(browser, realistic, { colorScheme: 'dark' });
      try {
        const background = await opened.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(background, 'rgb(13, 17, 23)');
        await assertChartsDrawn(opened, 5);
        assertClean(opened);
      } finally {
        await opened.context.close();
      }
    });

    await t.test('without memory series, the findings are charted', async () => {
      const opened = await openReport(browser, await write('no-series.html', withoutSeries()));
      try {
        await assertChartsDrawn(opened, 2);
        const drawn = await markers(opened);
        assert.ok((drawn['0'] ?? 0) > 20, `memory findings on the chart: ${JSON.stringify(drawn)}`);
        assertClean(opened);
      } finally {
        await opened.context.close();
      }
    });

    await t.test('a run with no findings', async () => {
      const opened = await openReport(browser, await write('empty.html', emptyReport()));
      try {
        assert.match((await opened.page.textContent('h1')) ?? '', /No findings/);
        await assertChartsDrawn(opened, 0);
        assertClean(opened);
      } finally {
        await opened.context.close();
      }
    });

    await t.test('written by scan --html: the trend detector\'s series with its growth, restart and verdict', async () => {
      const log = join(dir, 'leak.ndjson');
      await writeFile(log, leakingLog());
      const file = join(dir, 'scan.html');
      const scan = await runCli(['scan', log, '--no-progress', '--html', file]);
      assert.equal(scan.code, 0, scan.stderr);
      const opened = await openReport(browser, file);
      try {
        assertClean(opened);
        await assertChartsDrawn(opened, 1);
        assert.ok(((await markers(opened))['0'] ?? 0) > 10, 'the findings are marked on the series');
        const caption = (await opened.page.textContent('figure[data-chart="0"]')) ?? '';
        assert.match(caption, /api-1 · fraiseql · pid 5151/);
        assert.match(caption, /growing \+[\d.]+ MiB per 30m/);
        assert.match(caption, /1 restart/);
        assert.match(caption, /growth 2026-01-05 \d\d:\d\d:\d\d\.\d{3} → 13:59:30 UTC at \+[\d.]+ MiB per 30m, through 1 restart, reaching the limit around 2026-01-05 \d\d:\d\d UTC/);
        assert.match((await opened.page.textContent('header')) ?? '', /Memory growing \+[\d.]+ MiB per 30m on api-1 · fraiseql/);
        await openAllTimelines(opened);
        assert.ok(((await opened.page.textContent('#traces')) ?? '').includes(LEAK_MESSAGE), 'the message shown as text');
        assert.equal(await opened.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
        const run = (await opened.page.textContent('#run')) ?? '';
        assert.ok(run.includes(`memtrail scan ${log} --no-progress --html ${file}`), run);
        await opened.page.screenshot({ path: join(tmpdir(), 'memtrail-report-scan-screenshot.png') });
      } finally {
        await opened.context.close();
      }
    });

    await t.test('20,000 findings from a 1M-record log: a few MB, opens clean', async () => {
      const file = await write('large.html', largeReport());
      const { size } = await stat(file);
      assert.ok(size < 6 * 1024 * 1024, `file size ${size}`);
      const opened = await openReport(browser, file);
      try {
        t.diagnostic(`large report: ${(size / 1048576).toFixed(2)} MiB, load ${opened.loadMs.toFixed(0)} ms, charts ${opened.chartsMs.toFixed(0)} ms`);
        await assertChartsDrawn(opened, 4);
        assertClean(opened);
      } finally {
        await opened.context.close();
      }
    });
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
});
