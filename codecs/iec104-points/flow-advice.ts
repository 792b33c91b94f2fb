/**
 * What to tell the operator when the charger's k or w does not fit the mapping's (IEC 60870-5-104
 * §5.5; see `FlowWarning`): which setting of the mapping's `link` to change, and to what.
 */
import type { Log } from '../../src/core/log.js';
import type { FlowWarning, LinkParameters } from '../../src/iec104/link.js';

/** Logs `warning` as a warning naming `link.w` or `link.k`, with the values in force. */
export function logFlowWarning(log: Log, warning: FlowWarning, params: LinkParameters): void {
  const { k, w, t2 } = params;
  if (warning.kind === 'peer-waits') {
    const n = warning.unacknowledged;
    log(
      'warn',
      `charger stops after ${n} unacknowledged I-frames (its k) and waits for the gateway's acknowledgement, which comes after the mapping's link.w (${w}) frames or t2 (${t2 / 1000} s): set link.w to ${n} or less`,
      { unacknowledged: n, w, t2Seconds: t2 / 1000 },
    );
    return;
  }
  log(
    'warn',
    `the gateway's window of the mapping's link.k (${k}) unacknowledged I-frames stayed full for ${warning.waitedMs} ms: the charger acknowledges after more frames (its w) or late; set link.k above the charger's w`,
    { k, waitedMs: warning.waitedMs },
  );
}
