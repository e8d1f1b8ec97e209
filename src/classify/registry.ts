import type { DetectorModule } from './detector.js';
import { memoryDetector } from './detectors/memory.js';
import { oomDetector } from './detectors/oom.js';
import { payloadDetector } from './detectors/payload.js';
import { trendsDetector } from './detectors/trends.js';
import type { FindingKind } from './finding.js';
import type { KindSpec } from './kind.js';

/** Every detector memtrail runs, in this order. A new detector is its module plus one line here. */
export const DETECTORS: readonly DetectorModule[] = [memoryDetector, payloadDetector, oomDetector, trendsDetector];

/** Every finding kind, in a stable order (counts, columns, mappings follow it). */
export const KINDS: readonly KindSpec[] = DETECTORS.flatMap((d) => d.kinds);

const BY_NAME = new Map(KINDS.map((k) => [k.name, k]));

export function kindSpec(kind: FindingKind): KindSpec | undefined {
  return BY_NAME.get(kind);
}

export function isMemoryKind(kind: FindingKind): boolean {
  return BY_NAME.get(kind)?.memory ?? false;
}

/** A count per registered kind, all zero, in registry order. */
export function emptyCounts(): Record<FindingKind, number> {
  return Object.fromEntries(KINDS.map((k) => [k.name, 0]));
}
