import { setFlagsFromString } from 'node:v8';

/** How far V8 lets its old generation grow past what the last full collection left alive. */
const HEAP_GROWING_PERCENT = 20;

/**
 * Indexing holds every document until the engine acknowledges it: long enough for V8 to promote
 * it to the old generation, where it turns to garbage a moment later. By default V8 lets that
 * generation grow to several times what is alive before collecting it, so the process held
 * mostly garbage (measured on the dense bench log, 90,308 documents: heap 188 MB of which ~45 MB
 * alive, 302 MB peak RSS). Growth capped at 20 % over the live heap: 104 MB heap, 193 MB peak RSS.
 * The flag is read by the collector each time it sizes the heap, so setting it now takes effect.
 */
export function capHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
