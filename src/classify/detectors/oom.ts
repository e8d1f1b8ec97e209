import { mentionsOomKill, oomKillOf } from '../../parse/oom.js';
import type { DetectorModule } from '../detector.js';
import { recordFinding } from '../rules.js';

/**
 * oom_kill: the kernel or the container runtime killed a process for memory (a kernel
 * `Killed process …` line, a container `OOMKilled`), read from a record's message, whether the
 * record is JSON or a plain-text line inside a container or journald envelope. Always critical:
 * the runbook lists OOM kills among the primary indicators.
 */
export const oomDetector: DetectorModule = {
  name: 'oom',
  kinds: [
    {
      name: 'oom_kill',
      description: 'the kernel or the container runtime killed a process for memory (OOM kill)',
      severities: ['critical'],
      measure: 'memory_used_bytes',
      unit: 'bytes',
      memory: false,
      fields: { killed_process: 'keyword', killed_pid: 'keyword' },
    },
  ],
  create() {
    return {
      type: 'record',
      detect(record, text, source, emit) {
        const said = record.message ?? record.event;
        if (said === undefined || !mentionsOomKill(said)) return;
        const kill = oomKillOf(said);
        if (kill === undefined) return;
        const finding = recordFinding(record, text, source, 'oom_kill', 'critical', { usage: undefined, payloadBytes: null });
        if (kill.rssBytes !== undefined) finding.memory_used_bytes = kill.rssBytes;
        finding.details = { killed_process: kill.process ?? null, killed_pid: kill.pid ?? null };
        emit(finding);
      },
    };
  },
  needles: () => ({ fields: [], events: ['Killed process', 'OOMKilled'] }),
};
