import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * memtrail's version, from its own package.json, found by walking up from this module: the
 * module sits at another depth in each build (src/ under tsx, dist/, a chunk of the bundle).
 */
function readVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'memtrail' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here (or not ours): look further up.
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

export const VERSION = readVersion();
