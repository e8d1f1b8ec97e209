import type { DetectorModule } from '../detector.js';
import { recordFinding, rulesFrom, usageOf } from '../rules.js';

/**
 * memory_critical: a critical event, or usage above the critical threshold; else memory_warning:
 * a warning event, or usage above the warning threshold. Strict "exceeds", as the runbook's alerts.
 * A record gives at most one memory finding.
 */
export const memoryDetector: DetectorModule = {
  name: 'memory',
  kinds: [
    {
      name: 'memory_warning',
      description: 'usage above the warning threshold (80 %), or a memory-warning event',
      severities: ['warning'],
      measure: 'usage_percent',
      unit: 'percent',
      memory: true,
      fields: {},
    },
    {
      name: 'memory_critical',
      description: 'usage above the critical threshold (90 %), or a memory-critical event',
      severities: ['critical'],
      measure: 'usage_percent',
      unit: 'percent',
      memory: true,
      fields: {},
    },
  ],
  create(config) {
    const rules = rulesFrom(config);
    return {
      type: 'record',
      detect(record, text, source, emit) {
        const usage = usageOf(record);
        const event = record.event;
        if ((event !== undefined && rules.criticalEvents.has(event)) || (usage !== undefined && usage > rules.criticalPercent)) {
          emit(recordFinding(record, text, source, 'memory_critical', 'critical', { usage, payloadBytes: null }));
        } else if ((event !== undefined && rules.warningEvents.has(event)) || (usage !== undefined && usage > rules.warnPercent)) {
          emit(recordFinding(record, text, source, 'memory_warning', 'warning', { usage, payloadBytes: null }));
        }
      },
    };
  },
  needles(config) {
    return {
      fields: ['usage_percent', 'used_bytes', 'limit_bytes'],
      events: [...config.events.critical, ...config.events.warning],
    };
  },
};
