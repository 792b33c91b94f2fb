/**
 * Closing the OCPP connection from our side (a Reset's reboot, the station stopping, an ownership
 * hand-over) without cutting off an answer: OCPP-J has one CALL in flight, and a CALL whose answer
 * is lost with the socket is sent again on the next connection — a TransactionEvent the CSMS had
 * answered would reach it twice, same seqNo.
 */
import type { RpcEndpoint } from '../ocpp/rpc.js';
import type { Log } from '../core/log.js';
import type { TxQueue } from './transactions/tx-queue.js';

/** What closing needs: the RPC endpoint and the queues that send through it. */
export interface ClosingParts {
  readonly rpc: RpcEndpoint;
  readonly queue: TxQueue;
  /** Stops the other durable queues (security events) from sending. */
  readonly offline: () => void;
  readonly log: Log;
}

/** How long the transaction queue may take to record the answer it got (a store write). */
const QUEUE_STOP_WAIT_MS = 3_000;

/**
 * Before our side closes: the queues send nothing more, no queued CALL is written, the one in
 * flight is answered or times out (`callTimeoutMs` bounds the wait), and a TransactionEvent
 * answered is out of the store before the close. CALLs not written yet are dropped: on the next
 * connection a new boot may have to come first; the durable queues keep theirs in the store.
 */
export async function settleBeforeClose(p: ClosingParts, callTimeoutMs: number, why: string): Promise<void> {
  p.queue.setOnline(false);
  p.offline();
  await p.rpc.drain(callTimeoutMs);
  if (!(await within(p.queue.stopped(), QUEUE_STOP_WAIT_MS))) p.log('warn', 'transaction queue still recording an answer as the connection closes');
  const dropped = p.rpc.dropQueued(why);
  if (dropped > 0) p.log('info', 'CALLs not sent before the connection closed: dropped', { dropped, why });
}

/** True when `work` settles (either way) within `ms`. */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
