import { pageCharts } from './charts.js';
import { pageFormat } from './format.js';
import { pageTraces } from './traces.js';

/**
 * The page script: the page functions' own source text, called in order. They are written in
 * TypeScript against the same view types as the server (type-checked and linted with the rest),
 * and each is self-contained: it uses only its parameters and browser globals (uPlot among them).
 *
 * `__name`: under tsx (the tests) esbuild keeps function names by wrapping them in `__name(fn,
 * "name")` calls; that helper lives in the module, not in the function text, so the page defines
 * a stand-in. Compiled by tsc (dist) the calls are not there and the stand-in goes unused.
 */
export function pageScript(): string {
  return `"use strict";
var __name = function (fn) { return fn; };
(function () {
  var view = JSON.parse(document.getElementById("memtrail-data").textContent);
  var fmt = (${pageFormat.toString()})();
  var traces = (${pageTraces.toString()})(fmt, view);
  (${pageCharts.toString()})(fmt, view, traces.open);
})();
`;
}
