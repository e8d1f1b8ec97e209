import { Worker } from 'node:worker_threads';
import type { OpenPartial } from '../../parse/records.js';
import { scanBlock, scannerFor, type BlockOrigin, type BlockResult, type BlockScanConfig, type BlockScanner } from './block-scan.js';
import type { WorkerRequest } from './block-worker.js';

interface Pending {
  resolve(result: BlockResult): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** It crashed or exited: nothing more is sent to it (a message to it would never be answered). */
  gone: boolean;
}

/** A worker thread failed: a bug in memtrail, never bad input, so it is not reported as an unreadable file. */
export class WorkerFailure extends Error {
  override name = 'WorkerFailure';
}

/** Blocks queued on a worker before the main thread takes one itself: one running, one waiting. */
const WORKER_QUEUE = 2;

/**
 * `size` threads that parse and classify NDJSON blocks, results per block: `size - 1` worker
 * threads and this one. A main thread that only reads and merges sits three quarters idle; on 2
 * cores, 1 worker plus the main thread ran as fast as 2 workers (measured, within noise) with one
 * isolate, and its memory, fewer. It takes a block only when every worker has WORKER_QUEUE blocks,
 * so the workers never wait on it.
 */
export class WorkerPool {
  /** Started by the first block a worker is to read: small inputs (and a quiet tail) never pay for them. */
  private slots: Slot[] | undefined;
  private nextId = 0;
  private inline: BlockScanner | undefined;
  private config: BlockScanConfig | undefined;

  constructor(private readonly threads: number) {}

  private start(): Slot[] {
    // Under tsx (the tests) this module is TypeScript, and so is its worker: register tsx there first.
    const typescript = import.meta.url.endsWith('.ts');
    const url = new URL(typescript ? './block-worker.ts' : './block-worker.js', import.meta.url);
    const limits = { resourceLimits: { maxYoungGenerationSizeMb: 16 } };
    return Array.from({ length: this.threads - 1 }, () => {
      const worker = typescript
        ? new Worker(
            `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`,
            { eval: true, ...limits },
          )
        : new Worker(url, limits);
      const slot: Slot = { worker, pending: new Map(), gone: false };
      worker.on('message', ({ id, result, failure }: { id: number; result?: BlockResult; failure?: string }) => {
        const pending = slot.pending.get(id);
        slot.pending.delete(id);
        // An idle worker must not keep the process alive; a busy one must.
        if (slot.pending.size === 0) worker.unref();
        if (failure !== undefined) pending?.reject(new WorkerFailure(`a worker thread failed: ${failure}`));
        else pending?.resolve(result!);
      });
      worker.on('error', (error) => {
        slot.gone = true;
        for (const pending of slot.pending.values()) pending.reject(new WorkerFailure(`a worker thread crashed: ${error.stack ?? error.message}`));
        slot.pending.clear();
      });
      worker.on('exit', (code) => {
        slot.gone = true;
        for (const pending of slot.pending.values()) pending.reject(new WorkerFailure(`a worker thread exited (code ${code})`));
        slot.pending.clear();
      });
      worker.unref();
      return slot;
    });
  }

  /** Threads in all, this one included. */
  get size(): number {
    return this.threads;
  }

  /** The config blocks are read with from now on; workers get it now if they run, or when they start. */
  configure(config: BlockScanConfig): void {
    this.config = config;
    for (const slot of this.slots ?? []) slot.worker.postMessage({ type: 'config', config } satisfies WorkerRequest);
    this.inline = scannerFor(config);
  }

  /** The workers, started with the config at the first block one of them is to read. */
  private workers(): Slot[] {
    if (this.slots === undefined) {
      this.slots = this.start();
      for (const slot of this.slots) slot.worker.postMessage({ type: 'config', config: this.config! } satisfies WorkerRequest);
    }
    return this.slots;
  }

  /**
   * Sends a block to the least busy worker, or reads it here when every worker has its queue
   * full, or when `here` asks for it. The block's memory moves to the worker when it owns it.
   */
  run(bytes: Buffer, origin: BlockOrigin, here = false): Promise<BlockResult> {
    const slot = here
      ? undefined
      : this.workers().reduce<Slot | undefined>((a, b) => (!b.gone && (a === undefined || b.pending.size < a.pending.size) ? b : a), undefined);
    if (slot === undefined || slot.pending.size >= WORKER_QUEUE) {
      // What runHere throws (a WorkerFailure) rejects the promise.
      return new Promise((resolve) => resolve(this.runHere(bytes, origin)));
    }
    const id = this.nextId++;
    const ownsBuffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return new Promise<BlockResult>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      const request: WorkerRequest = { type: 'block', id, bytes, origin };
      slot.worker.postMessage(request, ownsBuffer ? [bytes.buffer as ArrayBuffer] : []);
    });
  }

  /** Reads a block on this thread, with the partial lines an earlier block left open (placed relative to this one). */
  runHere(bytes: Buffer, origin: BlockOrigin, carried?: readonly OpenPartial[]): BlockResult {
    try {
      return scanBlock(bytes, origin, this.inline!, carried);
    } catch (error) {
      throw new WorkerFailure(`reading a block failed: ${(error as Error).stack ?? String(error)}`);
    }
  }

  async close(): Promise<void> {
    // A worker terminated while still loading its modules (a run that ends at once: a reader that
    // went away) no longer holds the event loop open, yet its exit comes later: without something
    // that does, the process ends with this await unsettled (exit code 13).
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      await Promise.all((this.slots ?? []).map((slot) => slot.worker.terminate()));
    } finally {
      clearInterval(keepAlive);
    }
  }
}
