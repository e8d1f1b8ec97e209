/**
 * Debian's Chromium driven by playwright-core, for the tests that open the HTML report. No
 * browser is downloaded: without /usr/bin/chromium the tests are skipped with `skipBrowser`.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Without the background-networking flags Chromium keeps trying a network this machine does not have. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** node:test's `skip` option: false when Chromium is there, else why the browser tests do not run. */
export const skipBrowser: string | false = existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM}: .ci/run installs it with apt-get`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Everything a page did that a self-contained, script-safe report must not do. */
export interface PageWatch {
  /** Console errors and uncaught exceptions (a CSP or Trusted Types violation is a console error). */
  errors: string[];
  /** Requests for anything but the file itself and data: URLs (each was aborted). */
  requests: string[];
  dialogs: string[];
}

export interface OpenedReport {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
  /** From navigation to the `load` event, and to every chart drawn. */
  loadMs: number;
  chartsMs: number;
}

/** Opens a report file in a new context, recording errors, requests and dialogs; waits for its charts. */
export async function openReport(browser: Browser, file: string, options: BrowserContextOptions = {}): Promise<OpenedReport> {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const watch: PageWatch = { errors: [], requests: [], dialogs: [] };
  const allowed = (u: string) => u === url || u.startsWith('data:');
  await context.route('**/*', async (route) => {
    const u = route.request().url();
    if (allowed(u)) return route.continue();
    watch.requests.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (request) => {
    const u = request.url();
    if (!allowed(u) && !watch.requests.includes(u)) watch.requests.push(u);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => watch.errors.push(`page: ${error.message}`));
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  const started = performance.now();
  await page.goto(url, { waitUntil: 'load' });
  const loadMs = performance.now() - started;
  await chartsDrawn(page);
  const chartsMs = performance.now() - started;
  return { context, page, watch, loadMs, chartsMs };
}

/** Resolves once the page script has run and every chart figure has drawn. */
export async function chartsDrawn(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.documentElement.dataset.charts !== undefined && Array.from(document.querySelectorAll<HTMLElement>('figure[data-chart]')).every((f) => f.dataset.drawn !== undefined),
    undefined,
    { timeout: 30_000 },
  );
}

export interface CanvasInk {
  chart: string;
  /** Pixels of the plotting area (axes excluded; in print, the whole canvas). */
  area: number;
  /** Of them, not transparent. */
  inked: number;
  /** Of them, clearly coloured (series, band, markers, thresholds), not the grey of the grid. */
  colored: number;
}

/** How much each chart drew inside its plotting area, read back from its canvas. */
export function canvasInk(page: Page): Promise<CanvasInk[]> {
  return page.$$eval('figure[data-chart]', (figures) =>
    figures.map((fig) => {
      const canvas = fig.querySelector('canvas');
      const over = fig.querySelector('.u-over');
      const ctx = canvas?.getContext('2d');
      if (!canvas || !over || !ctx) return { chart: String((fig as HTMLElement).dataset.chart), area: 0, inked: 0, colored: 0 };
      const c = canvas.getBoundingClientRect();
      // In print the overlay is hidden: then the whole canvas.
      const o = over.getBoundingClientRect().width > 0 ? over.getBoundingClientRect() : c;
      const scale = canvas.width / c.width;
      const x = Math.round((o.left - c.left) * scale);
      const y = Math.round((o.top - c.top) * scale);
      const w = Math.round(o.width * scale);
      const h = Math.round(o.height * scale);
      const pixels = ctx.getImageData(x, y, w, h).data;
      let inked = 0;
      let colored = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] === 0) continue;
        inked++;
        const r = pixels[i]!;
        const g = pixels[i + 1]!;
        const b = pixels[i + 2]!;
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60) colored++;
      }
      return { chart: String((fig as HTMLElement).dataset.chart), area: w * h, inked, colored };
    }),
  );
}
