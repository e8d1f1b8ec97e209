import { createWriteStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { HtmlReportData } from './data.js';
import { renderHtml } from './render.js';

/** Writes the report to a file (a path, or a handle it then closes), piece by piece, with backpressure. */
export async function writeHtmlReport(data: HtmlReportData, target: string | FileHandle): Promise<void> {
  const out = typeof target === 'string' ? createWriteStream(target) : target.createWriteStream();
  await pipeline(Readable.from(renderHtml(data)), out);
}
