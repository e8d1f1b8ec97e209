import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * uPlot draws the charts: about 50 KB minified, no dependencies, made for long time series (it
 * draws tens of thousands of points per series on a canvas in milliseconds, reducing a line to
 * its min/max per pixel), so a report of a day of samples stays fast and small. Canvas, not SVG:
 * the DOM does not grow with the data.
 *
 * Resolved through the package's main entry, which any exports map must keep resolvable, and
 * read from the dist folder next to it: deep paths such as `uplot/dist/…` may not be exported.
 */
export interface ChartLibrary {
  script: string;
  css: string;
}

export function loadUplot(): ChartLibrary {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('uplot'));
  return {
    script: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8'),
  };
}

/** A CSP source for an inline element's exact text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}
