/**
 * The lines kernels and container runtimes write when they kill a process for memory, which the
 * runbook lists as a primary indicator: the kernel's `Memory cgroup out of memory: Killed process
 * <pid> (<name>) … anon-rss:<n>kB …` and `Out of memory: Killed process …`, and Kubernetes'
 * `OOMKilled` (a container's last state, an event's reason).
 */
const KILLED = /(?:Memory cgroup out of memory|Out of memory): Killed process (\d+) \(([^)]*)\)(?:.*?anon-rss:(\d+)kB)?/;
const OOM_KILLED = /\bOOMKilled\b/;

export interface OomKill {
  pid?: string;
  process?: string;
  /** Resident memory of the killed process, when the kernel says. */
  rssBytes?: number;
}

/** A cheap first look: could this text be an OOM-kill line? */
export function mentionsOomKill(text: string): boolean {
  // Both say "Killed": one search of every record's message, the second only when it is there.
  return text.includes('Killed') && (text.includes('Killed process') || text.includes('OOMKilled'));
}

export function oomKillOf(text: string): OomKill | undefined {
  const killed = KILLED.exec(text);
  if (killed) return { pid: killed[1], process: killed[2], rssBytes: killed[3] ? Number(killed[3]) * 1024 : undefined };
  if (OOM_KILLED.test(text)) return {};
  return undefined;
}
