import { parentPort } from 'node:worker_threads';
import { scanBlock, scannerFor, type BlockOrigin, type BlockScanConfig, type BlockScanner } from './block-scan.js';

export type WorkerRequest =
  | { type: 'config'; config: BlockScanConfig }
  | { type: 'block'; id: number; bytes: Uint8Array; origin: BlockOrigin };

let scanner: BlockScanner | undefined;

parentPort!.on('message', (request: WorkerRequest) => {
  if (request.type === 'config') {
    scanner = scannerFor(request.config);
    return;
  }
  const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
  try {
    const result = scanBlock(bytes, request.origin, scanner!);
    // Handed back, not copied: the worker is done with them.
    const owned = result.envelopeBytes !== undefined && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    parentPort!.postMessage({ id: request.id, result }, owned ? [bytes.buffer as ArrayBuffer] : []);
  } catch (error) {
    // A bug, not bad input (bad input is counted in the result): the main thread fails loudly with it.
    parentPort!.postMessage({ id: request.id, failure: (error as Error).stack ?? String(error) });
  }
});
