/**
 * The simulator's events and their delivery. An event raised while the simulator is answering an
 * ASDU or applying a change waits until that work is done, so a listener (a script reacting to a
 * command, say) never interleaves its own changes with a reply still being written.
 */
import type { TypeId } from '../../iec104/constants.js';
import type { DecodeError } from '../../iec104/errors.js';
import type { LinkState } from '../../iec104/link.js';
import type { CommandName, CommandOutcome } from './commands.js';

/** Something the simulator did or was asked; for scripts, logs and tests. Listeners must not throw. */
export type SimulatorEvent =
  | { readonly type: 'link'; readonly from: LinkState; readonly to: LinkState }
  | { readonly type: 'clockSync'; readonly time: Date }
  | { readonly type: 'interrogation'; readonly qoi: number }
  | { readonly type: 'counterInterrogation'; readonly rqt: number; readonly frz: number }
  | {
      readonly type: 'command';
      readonly ti: TypeId;
      readonly ioa: number;
      readonly select: boolean;
      readonly outcome: CommandOutcome;
      readonly command?: CommandName;
      readonly connector?: number;
      /** setLimit: the limit in the command's unit. */
      readonly value?: number;
    }
  /** The charger's state changed (after the spontaneous ASDUs, if any, were queued). */
  | { readonly type: 'state' }
  | { readonly type: 'decodeError'; readonly error: DecodeError }
  /** Answering a received ASDU failed; the ASDU is dropped. */
  | { readonly type: 'error'; readonly error: Error };

/** Queues events raised during work in hand and delivers them in order once it is done. */
export class EventQueue {
  private readonly listeners = new Set<(event: SimulatorEvent) => void>();
  private readonly pending: SimulatorEvent[] = [];
  private busy = 0;
  private flushing = false;

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: SimulatorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers `event` now, or after the work in hand. */
  emit(event: SimulatorEvent): void {
    this.pending.push(event);
    this.flush();
  }

  /** Runs `fn` holding events back until it (and any work around it) is done. */
  exclusive(fn: () => void): void {
    this.busy += 1;
    try {
      fn();
    } finally {
      this.busy -= 1;
    }
    this.flush();
  }

  private flush(): void {
    if (this.busy > 0 || this.flushing) return;
    this.flushing = true;
    try {
      for (let event = this.pending.shift(); event !== undefined; event = this.pending.shift()) {
        for (const listener of [...this.listeners]) listener(event);
      }
    } finally {
      this.flushing = false;
    }
  }
}
