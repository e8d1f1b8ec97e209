import type { DetectorModule } from '../detector.js';
import { recordFinding, rulesFrom, usageOf } from '../rules.js';

/** oversized_payload: a request or response larger than the threshold; one finding with the larger size. */
export const payloadDetector: DetectorModule = {
  name: 'payload',
  kinds: [
    {
      name: 'oversized_payload',
      description: 'a request or response larger than the payload threshold (1 MiB)',
      severities: ['warning'],
      measure: 'payload_bytes',
      unit: 'bytes',
      memory: false,
      fields: {},
    },
  ],
  create(config) {
    const rules = rulesFrom(config);
    return {
      type: 'record',
      detect(record, text, source, emit) {
        let largest: number | undefined;
        for (const size of [record.request_bytes, record.response_bytes]) {
          if (size !== undefined && size > rules.payloadBytes && (largest === undefined || size > largest)) largest = size;
        }
        if (largest === undefined) return;
        emit(recordFinding(record, text, source, 'oversized_payload', 'warning', { usage: usageOf(record), payloadBytes: largest }));
      },
    };
  },
  needles(config) {
    return { fields: [], events: [], above: { fields: ['request_bytes', 'response_bytes'], value: config.thresholds.payload_bytes } };
  },
};
