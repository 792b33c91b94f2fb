/**
 * The transactional queue's delivery guarantee at the RPC level: one TransactionEvent in flight,
 * removed from the store once answered and before the next is written; every attempt of an entry
 * (a retry after a CALLERROR, a new engine after a crash) is the very same CALL frame, message id
 * included.
 */
import { describe, expect, it } from 'vitest';
import type { RequestOf } from '../../../../src/ocpp/actions.js';
import { RpcEndpoint } from '../../../../src/ocpp/rpc.js';
import type { StationContext } from '../../../../src/station/context.js';
import { engineStubs } from '../context-stubs.js';
import { DeviceModel } from '../../../../src/station/device-model/device-model.js';
import { TX_QUEUE, TxQueue } from '../../../../src/station/transactions/tx-queue.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import type { QueueEntry } from '../../../../src/store/state-store.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { CAPS, ID } from './transactions-harness.js';

/** The store's own count, past any hold. */
const storedSize = (store: MemoryStore): Promise<number> => MemoryStore.prototype.size.call(store, ID, TX_QUEUE);

/** Flushes pending promise callbacks (the store's and the queue's awaits). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

const event = (seqNo: number): RequestOf<'TransactionEvent'> => ({
  eventType: seqNo === 0 ? 'Started' : 'Updated',
  timestamp: '2025-01-06T08:00:00.000Z',
  triggerReason: seqNo === 0 ? 'Authorized' : 'MeterValuePeriodic',
  seqNo,
  transactionInfo: { transactionId: 'T-1' },
});

/** A queue as an engine on `store` has it, online, writing to a transport that notes the store's size at each write. */
async function engine(store: MemoryStore, clock: FakeClock) {
  const dm = await DeviceModel.load({ store, capabilities: CAPS, config: { identity: ID, securityProfile: 1, basicAuthPassword: 'Initial-Pass_0123456' } });
  const rpc = new RpcEndpoint({ clock, callTimeoutMs: 30_000 });
  const frames: string[] = [];
  const queuedAtWrite: Promise<number>[] = [];
  rpc.attach({
    send: (text) => {
      frames.push(text);
      queuedAtWrite.push(store.size(ID, TX_QUEUE));
    },
    close: () => undefined,
  });
  const ctx: StationContext = {
    id: ID,
    identity: { vendor: 'V', model: 'M' },
    capabilities: CAPS,
    store,
    dm,
    rpc,
    clock,
    log: () => undefined,
    charger: { send: () => ({ status: 'sent' }) },
    call: (action, payload, options) => rpc.call(action, payload, options),
    isAccepted: () => true,
    isOnline: () => true,
    commandId: (p) => `${p}-1`,
    ...engineStubs(),
  };
  const queue = new TxQueue(ctx);
  const answer = (frame: unknown[]): void => rpc.receive(JSON.stringify(frame));
  const last = (): unknown[] => JSON.parse(frames.at(-1) ?? '[]') as unknown[];
  return { queue, rpc, frames, queuedAtWrite, answer, last, dm };
}

describe('TxQueue delivery', () => {
  it('sends one event at a time, removes it once answered before writing the next, and repeats an entry as the same CALL', async () => {
    const store = new MemoryStore();
    const clock = new FakeClock(0);
    const first = await engine(store, clock);
    await first.queue.enqueue(event(0));
    await first.queue.enqueue(event(1));
    await first.queue.enqueue(event(2));
    first.queue.setOnline(true);
    await settle();
    expect(first.frames).toHaveLength(1);
    const seq0 = first.frames[0] ?? '';
    const id0 = String(first.last()[1]);

    // A CALLERROR: the retry, MessageAttemptInterval s later, is the same payload under a new id
    // (the first id was answered; only an unanswered CALL may be sent again under its id).
    first.answer([4, id0, 'InternalError', 'busy', {}]);
    await settle();
    clock.advance(first.dm.getNumber('OCPPCommCtrlr', 'MessageAttemptInterval', { instance: 'TransactionEvent' }) * 1000);
    await settle();
    expect(first.frames).toHaveLength(2);
    const retry = JSON.parse(first.frames[1] ?? '[]') as unknown[];
    expect(retry[1]).not.toBe(id0);
    expect(retry.slice(2)).toEqual((JSON.parse(seq0) as unknown[]).slice(2));

    first.answer([3, retry[1], {}]);
    await settle();
    expect(first.frames).toHaveLength(3);
    const seq1 = first.frames[2] ?? '';
    expect(JSON.parse(seq1)).toMatchObject([2, expect.any(String), 'TransactionEvent', { seqNo: 1 }]);
    expect(JSON.parse(seq1)[1]).not.toBe(id0);
    // Written only once seq 0 had left the store: 3 queued at the first writes, 2 at seq 1's.
    expect(await Promise.all(first.queuedAtWrite)).toEqual([3, 3, 2]);

    // A crash with seq 1 in flight: the next engine on the same store sends the very same CALL.
    first.queue.dispose();
    const second = await engine(store, clock);
    second.queue.setOnline(true);
    await settle();
    expect(second.frames).toEqual([seq1]);
    second.answer([3, JSON.parse(seq1)[1], {}]);
    await settle();
    expect(JSON.parse(second.frames[1] ?? '[]')).toMatchObject([2, expect.any(String), 'TransactionEvent', { seqNo: 2 }]);
    second.answer([3, second.last()[1], {}]);
    await settle();
    expect(await store.size(ID, TX_QUEUE)).toBe(0);
    second.queue.dispose();
  });

  it('a retry after a CALLERROR has a new id, kept for later attempts, a new engine after a crash included; a retry after a time-out keeps its id', async () => {
    const store = new MemoryStore();
    const clock = new FakeClock(0);
    const interval = async (e: Awaited<ReturnType<typeof engine>>, n: number): Promise<void> => {
      clock.advance(e.dm.getNumber('OCPPCommCtrlr', 'MessageAttemptInterval', { instance: 'TransactionEvent' }) * 1000 * n);
      await settle();
    };
    const first = await engine(store, clock);
    await first.queue.enqueue(event(0));
    first.queue.setOnline(true);
    await settle();
    const id0 = String(first.last()[1]);
    first.answer([4, id0, 'InternalError', 'busy', {}]);
    await settle();
    // Crash before the retry: the next engine sends the entry under a new id, not the answered one.
    first.queue.dispose();
    const second = await engine(store, clock);
    second.queue.setOnline(true);
    await settle();
    expect(second.frames).toHaveLength(1);
    const id1 = String(second.last()[1]);
    expect(id1).not.toBe(id0);
    // No answer within MessageTimeout: the retry may and does keep the unanswered id.
    clock.advance(30_000);
    await settle();
    await interval(second, 2);
    expect(second.frames.map((f) => (JSON.parse(f) as unknown[])[1])).toEqual([id1, id1]);
    // Crash with it in flight: a third engine repeats it under the same id.
    second.queue.dispose();
    const third = await engine(store, clock);
    third.queue.setOnline(true);
    await settle();
    expect(third.frames).toEqual([second.frames[1]]);
    third.answer([3, id1, {}]);
    await settle();
    expect(await store.size(ID, TX_QUEUE)).toBe(0);
    third.queue.dispose();
  });

  it("drained() resolves when the store answers its size in the same read as the drain's last, empty peek", async () => {
    // Redis answers commands in order and ioredis resolves every reply of one socket read in one
    // go: a size asked just after the drain's last peek comes back in the same step as that peek.
    // Shaped as RedisStore is: `peek` awaits the client's reply, `size` returns the client's promise.
    class OneReadStore extends MemoryStore {
      readonly heldSizes: ((n: number) => void)[] = [];
      holdSizes = false;
      override async size(station: string, queue: string): Promise<number> {
        if (!this.holdSizes) return super.size(station, queue);
        return new Promise<number>((resolve) => this.heldSizes.push(resolve));
      }
      override async peek(station: string, queue: string, limit: number): Promise<QueueEntry[]> {
        const reply = await new Promise<QueueEntry[]>((resolve, reject) => {
          super.peek(station, queue, limit).then((entries) => {
            resolve(entries);
            // The sizes asked after this peek: answered in the same read, after it.
            if (entries.length === 0) for (const answer of this.heldSizes.splice(0)) answer(0);
          }, reject);
        });
        return reply;
      }
    }
    const store = new OneReadStore();
    const clock = new FakeClock(0);
    const e = await engine(store, clock);
    await e.queue.enqueue(event(0));
    e.queue.setOnline(true);
    await settle();
    expect(e.frames).toHaveLength(1);
    e.answer([3, e.last()[1], {}]);
    // The answer is being handled (the entry's removal, then the next peek) as drained() asks.
    store.holdSizes = true;
    let drained = false;
    void e.queue.drained().then(() => (drained = true));
    await settle();
    expect(store.heldSizes).toHaveLength(0);
    expect(await storedSize(store)).toBe(0);
    expect(drained).toBe(true);
    e.queue.dispose();
  });
});
