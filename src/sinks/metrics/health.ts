import type { LiveProbe } from '../sink.js';

export interface Health {
  ok: boolean;
  /** One line: what is followed, or every reason it is not healthy. */
  text: string;
}

/**
 * /healthz: healthy when at least one file is followed and every output that reports its health
 * (the search engine) is up. `probe` is undefined until the run has opened its outputs and started.
 */
export async function healthOf(probe: LiveProbe | undefined, stopping = false): Promise<Health> {
  if (stopping) return { ok: false, text: 'stopping' };
  if (!probe) return { ok: false, text: 'starting: the outputs are still opening (with --index: waiting for the search engine)' };
  const reasons: string[] = [];
  const status = await probe.status();
  if (status.files.length === 0) reasons.push('no file is followed (no path matches yet, or none can be read)');
  for (const { name, health } of probe.sinks()) {
    if (!health.up) reasons.push(`${name} is down${health.reason ? `: ${health.reason}` : ''}`);
  }
  if (reasons.length > 0) return { ok: false, text: reasons.join('; ') };
  const n = status.files.length;
  return { ok: true, text: `ok: following ${n} file${n === 1 ? '' : 's'}` };
}
