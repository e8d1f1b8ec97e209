import { Worker } from 'node:worker_threads';
import type { BlockResult, BlockScanConfig } from './block-scan.js';
import type { WorkerRequest } from './block-worker.js';

interface Pending {
  resolve(result: BlockResult): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** A worker thread failed: a bug in memtrail, never bad input, so it is not reported as an unreadable file. */
export class WorkerFailure extends Error {
  override name = 'WorkerFailure';
}

/** Worker threads that parse and classify NDJSON blocks; results come back per block. */
export class WorkerPool {
  private readonly slots: Slot[];
  private nextId = 0;

  constructor(size: number) {
    // Under tsx (the tests) this module is TypeScript, and so is its worker: register tsx there first.
    const typescript = import.meta.url.endsWith('.ts');
    const url = new URL(typescript ? './block-worker.ts' : './block-worker.js', import.meta.url);
    const limits = { resourceLimits: { maxYoungGenerationSizeMb: 8 } };
    this.slots = Array.from({ length: size }, () => {
      const worker = typescript
        ? new Worker(
            `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`,
            { eval: true, ...limits },
          )
        : new Worker(url, limits);
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', ({ id, result, failure }: { id: number; result?: BlockResult; failure?: string }) => {
        const pending = slot.pending.get(id);
        slot.pending.delete(id);
        // An idle worker must not keep the process alive; a busy one must.
        if (slot.pending.size === 0) worker.unref();
        if (failure !== undefined) pending?.reject(new WorkerFailure(`a worker thread failed: ${failure}`));
        else pending?.resolve(result!);
      });
      worker.on('error', (error) => {
        for (const pending of slot.pending.values()) pending.reject(new WorkerFailure(`a worker thread crashed: ${error.stack ?? error.message}`));
        slot.pending.clear();
      });
      worker.on('exit', (code) => {
        for (const pending of slot.pending.values()) pending.reject(new WorkerFailure(`a worker thread exited (code ${code})`));
        slot.pending.clear();
      });
      worker.unref();
      return slot;
    });
  }

  get size(): number {
    return this.slots.length;
  }

  configure(config: BlockScanConfig): void {
    for (const slot of this.slots) slot.worker.postMessage({ type: 'config', config } satisfies WorkerRequest);
  }

  /** Sends a block to the least busy worker. The block's memory moves to the worker when it owns it. */
  run(bytes: Buffer, first: boolean): Promise<BlockResult> {
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    const ownsBuffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return new Promise<BlockResult>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      const request: WorkerRequest = { type: 'block', id, bytes, first };
      slot.worker.postMessage(request, ownsBuffer ? [bytes.buffer as ArrayBuffer] : []);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}
