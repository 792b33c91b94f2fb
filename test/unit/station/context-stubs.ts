/**
 * The engine's part of a `StationContext` for a block tested on its own: work runs at once, a
 * security event, a reboot or a reconnect does nothing, and `blocks` holds the other blocks as a
 * station without them would have them: no session runs, no EVSE is held off nor reserved, and
 * what a block tells another (a transaction started or ended, a TransactionEvent answered) goes
 * nowhere. A test hands in its own fakes where it looks.
 */
import type { StationBlocks, StationContext } from '../../../src/station/context.js';

type EnginePart = Pick<StationContext, 'blocks' | 'serialize' | 'securityEvent' | 'reboot' | 'reconnect' | 'callTimeoutMs'>;

/** Fakes of the other blocks: only what the block under test reaches. */
export type BlockFakes = { [K in keyof StationBlocks]?: Partial<StationBlocks[K]> };

const none = (): undefined => undefined;

const NEUTRAL: BlockFakes = {
  chargerEvents: { sessionRunning: () => false },
  availability: { heldOff: () => false, startBlocked: () => false, firmwareHold: none },
  reservations: {
    verdict: none,
    use: none,
    holds: () => false,
    shown: () => false,
    chargerReported: none,
    check: none,
    reservedForOther: () => false,
    remoteStart: () => Promise.resolve(undefined),
    remoteStartFailed: none,
  },
  smartCharging: { transactionStarted: none, transactionEnded: () => Promise.resolve() },
  reset: { idle: none },
  authorization: { transactionEventAnswered: none },
  invalidId: { answered: none },
};

export function engineStubs(fakes: BlockFakes = {}, overrides: Partial<Omit<EnginePart, 'blocks'>> = {}): EnginePart {
  const blocks: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(NEUTRAL), ...Object.keys(fakes)]) as Set<keyof StationBlocks>) {
    const given = fakes[key];
    // A real block is used as it is; a fake fills in what the neutral station leaves out.
    blocks[key] = given !== undefined && Object.getPrototypeOf(given) !== Object.prototype ? given : { ...NEUTRAL[key], ...given };
  }
  return {
    // Fakes stand in for the blocks: only what the block under test reaches is there.
    blocks: blocks as unknown as StationBlocks,
    serialize: (_what, work) => work(),
    securityEvent: () => Promise.resolve(),
    reboot: () => Promise.resolve(),
    reconnect: () => undefined,
    callTimeoutMs: () => 1_000,
    ...overrides,
  };
}
