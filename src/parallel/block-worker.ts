import { parentPort } from 'node:worker_threads';
import type { Rules } from '../classify/rules.js';
import { prefilterFor, scanBlock, type BlockScanConfig } from './block-scan.js';

/** Rules with their sets as arrays, as they cross the thread boundary. */
export interface SerializedConfig extends Omit<BlockScanConfig, 'rules'> {
  rules: Omit<Rules, 'criticalEvents' | 'warningEvents'> & { criticalEvents: string[]; warningEvents: string[] };
}

export type WorkerRequest =
  | { type: 'config'; config: SerializedConfig }
  | { type: 'block'; id: number; bytes: Uint8Array; first: boolean };

let config: BlockScanConfig | undefined;
let prefilter: ReturnType<typeof prefilterFor>;

parentPort!.on('message', (request: WorkerRequest) => {
  if (request.type === 'config') {
    const { rules } = request.config;
    config = {
      ...request.config,
      rules: { ...rules, criticalEvents: new Set(rules.criticalEvents), warningEvents: new Set(rules.warningEvents) },
    };
    prefilter = prefilterFor(config);
    return;
  }
  const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
  parentPort!.postMessage({ id: request.id, result: scanBlock(bytes, request.first, config!, prefilter) });
});
