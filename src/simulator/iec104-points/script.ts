/**
 * Declarative charging sessions for the simulator: a list of steps (plug, wait for the gateway's
 * remote start, charge with varying power, raise and clear a fault, stop, unplug...) played on the
 * simulator's injected clock. Steps continue synchronously from timers and simulator events, so a
 * fake clock plays a script deterministically.
 */
import type { Measurand } from '../../model/units.js';
import type { ChargerSimulator } from './simulator.js';

/** A fault by code (the first fault point with it), or the first error-level fault point of a connector. */
export type FaultRef = string | { readonly code?: string; readonly connector?: number };

export interface ChargeStep {
  readonly connector: number;
  /** How long the step lasts. */
  readonly seconds: number;
  /**
   * Power the EV draws, W: one value, or values spread evenly over the step. Default a gently
   * varying profile around the simulator's default power.
   */
  readonly powerW?: number | readonly number[];
  /** How often energy is integrated and power updated (both reported when they change). Default 1 s. */
  readonly intervalSeconds?: number;
}

/** One step; the key names it. Connectors are numbers 1..n. */
export type ScriptStep =
  | { readonly plug: number }
  | { readonly unplug: number }
  /** Local start (the driver swipes a card): charging begins at once. */
  | { readonly start: number }
  /** Local stop. */
  | { readonly stop: number }
  /** Until the connector charges (the gateway's start command); on time-out start locally, go on, or fail. */
  | { readonly waitForStart: number; readonly timeoutSeconds?: number; readonly onTimeout?: 'start' | 'continue' | 'fail' }
  /** Charge for a while (starting locally if not yet charging); ends early when charging stops. */
  | { readonly charge: ChargeStep }
  /** Raise a fault; with `seconds`, clear it again after that long. */
  | { readonly fault: FaultRef; readonly seconds?: number }
  | { readonly clearFault: FaultRef }
  | { readonly measurand: { readonly connector: number; readonly measurand: Measurand; readonly value: number } }
  /** Milliseconds. */
  | { readonly wait: number };

export interface ScriptResult {
  readonly status: 'completed' | 'cancelled' | 'failed';
  /** Steps begun. */
  readonly steps: number;
  readonly error?: Error;
}

export interface ScriptOptions {
  /** Called as each step begins. */
  onStep?(index: number, step: ScriptStep): void;
}

/** Relative power profile used when a charge step names no power. */
const DEFAULT_PROFILE = [1, 0.96, 0.92, 0.95, 0.9, 0.85];

/** Plays a script on a simulator, using the simulator's clock. */
export class ScriptPlayer {
  /** Settles when the script ends; never rejects (a failing step gives `status: 'failed'`). */
  readonly done: Promise<ScriptResult>;
  private resolveDone: (result: ScriptResult) => void = () => undefined;
  private index = 0;
  private finished = false;
  private timer: unknown;
  private timerArmed = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly sim: ChargerSimulator,
    private readonly steps: readonly ScriptStep[],
    private readonly options: ScriptOptions = {},
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Index of the step in progress (= steps.length when done). */
  get position(): number {
    return Math.max(0, this.index - 1);
  }

  /** Starts playing (synchronously up to the first step that waits). */
  start(): this {
    this.guard(() => this.advance());
    return this;
  }

  /** Stops playing; the simulator stays as it is. */
  cancel(): void {
    this.finish('cancelled');
  }

  private advance(): void {
    while (!this.finished) {
      const step = this.steps[this.index];
      if (step === undefined) return this.finish('completed');
      this.index += 1;
      this.options.onStep?.(this.index - 1, step);
      if (this.run(step) === 'waiting') return;
    }
  }

  private run(step: ScriptStep): 'done' | 'waiting' {
    const sim = this.sim;
    if ('plug' in step) sim.setPlugged(step.plug, true);
    else if ('unplug' in step) sim.setPlugged(step.unplug, false);
    else if ('start' in step) sim.setCharging(step.start, true);
    else if ('stop' in step) sim.setCharging(step.stop, false);
    else if ('measurand' in step) sim.setMeasurand(step.measurand.connector, step.measurand.measurand, step.measurand.value);
    else if ('clearFault' in step) this.clearFault(step.clearFault);
    else if ('wait' in step) return this.after(step.wait, () => this.advance());
    else if ('fault' in step) {
      const fault = this.resolveFault(step.fault);
      sim.raiseFault(fault.code, fault.connector);
      if (step.seconds !== undefined) {
        return this.after(step.seconds * 1000, () => {
          sim.clearFault(fault.code, fault.connector);
          this.advance();
        });
      }
    } else if ('waitForStart' in step) return this.waitForStart(step);
    else if ('charge' in step) return this.charge(step.charge);
    return 'done';
  }

  private waitForStart(step: Extract<ScriptStep, { waitForStart: number }>): 'done' | 'waiting' {
    const n = step.waitForStart;
    if (this.sim.connector(n).charging) return 'done';
    this.unsubscribe = this.sim.on(() => {
      if (this.finished || !this.sim.connector(n).charging) return;
      this.stopWaiting();
      this.guard(() => this.advance());
    });
    return this.after((step.timeoutSeconds ?? 60) * 1000, () => {
      this.stopWaiting();
      const onTimeout = step.onTimeout ?? 'start';
      if (onTimeout === 'fail') throw new Error(`no remote start on connector ${n} within ${step.timeoutSeconds ?? 60} s`);
      if (onTimeout === 'start') this.sim.setCharging(n, true);
      this.advance();
    });
  }

  private charge(step: ChargeStep): 'waiting' {
    const { connector } = step;
    const base = this.sim.defaultPowerW;
    const powers = step.powerW === undefined ? DEFAULT_PROFILE.map((f) => Math.round(f * base)) : typeof step.powerW === 'number' ? [step.powerW] : [...step.powerW];
    if (powers.length === 0) throw new RangeError('charge step with an empty powerW list');
    const total = step.seconds * 1000;
    const interval = Math.max(1, (step.intervalSeconds ?? 1) * 1000);
    const powerAt = (elapsed: number): number => powers[Math.min(powers.length - 1, Math.floor((elapsed * powers.length) / Math.max(total, 1)))] as number;
    this.sim.batch(() => {
      this.sim.setPower(connector, powerAt(0));
      if (!this.sim.connector(connector).charging) this.sim.setCharging(connector, true);
    });
    let elapsed = 0;
    const sample = (): void => {
      elapsed = Math.min(total, elapsed + interval);
      // batch integrates energy at the old power up to now, then reports energy and the new power together.
      this.sim.batch(() => this.sim.setPower(connector, powerAt(elapsed)));
      if (elapsed >= total || !this.sim.connector(connector).charging) this.advance();
      else this.after(Math.min(interval, total - elapsed), sample);
    };
    return this.after(Math.min(interval, total), sample);
  }

  private clearFault(ref: FaultRef): void {
    const fault = this.resolveFault(ref);
    this.sim.clearFault(fault.code, fault.connector);
  }

  private resolveFault(ref: FaultRef): { code: string; connector?: number } {
    if (typeof ref === 'string') return { code: ref };
    if (ref.code !== undefined) return ref.connector === undefined ? { code: ref.code } : { code: ref.code, connector: ref.connector };
    const faults = this.sim.mapping.points.flatMap((p) => (p.signal === 'fault' && (ref.connector === undefined || p.connector === ref.connector) ? [p] : []));
    const point = faults.find((p) => p.fault.severity === 'error' || p.fault.severity === 'critical') ?? faults[0];
    if (point === undefined) throw new RangeError(`mapping ${this.sim.mapping.name} has no fault point on connector ${ref.connector}`);
    return { code: point.fault.code, connector: point.connector };
  }

  /** Runs `fn` after `ms` on the simulator's clock. */
  private after(ms: number, fn: () => void): 'waiting' {
    this.timerArmed = true;
    this.timer = this.sim.clock.setTimeout(() => {
      this.timerArmed = false;
      this.guard(fn);
    }, ms);
    return 'waiting';
  }

  private stopWaiting(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timerArmed) this.sim.clock.clearTimeout(this.timer);
    this.timerArmed = false;
  }

  private guard(fn: () => void): void {
    if (this.finished) return;
    try {
      fn();
    } catch (error) {
      this.finish('failed', error instanceof Error ? error : new Error(String(error)));
    }
  }

  private finish(status: ScriptResult['status'], error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.stopWaiting();
    this.resolveDone({ status, steps: this.index, ...(error === undefined ? {} : { error }) });
  }
}

/** Creates a player and starts it. */
export function playScript(sim: ChargerSimulator, steps: readonly ScriptStep[], options: ScriptOptions = {}): ScriptPlayer {
  return new ScriptPlayer(sim, steps, options).start();
}

export interface StandardSessionOptions {
  /** How long to wait for the gateway's remote start before starting locally. Default 30 s. */
  readonly startTimeoutSeconds?: number;
  /** Default 60 s. */
  readonly chargeSeconds?: number;
  /** Default: a varying profile around the simulator's default power. */
  readonly powerW?: readonly number[];
  /** Default 5 s. */
  readonly intervalSeconds?: number;
  /** Default: the connector's first error-level fault point. */
  readonly faultCode?: string;
  /** How long the fault stays raised. Default 2 s. */
  readonly faultSeconds?: number;
}

/**
 * A typical session on one connector: plug in, wait for the remote start (starting locally after a
 * time-out), charge with rising energy and varying power, stop, a fault raised and cleared, unplug.
 */
export function standardSession(connector: number, options: StandardSessionOptions = {}): ScriptStep[] {
  const charge: ChargeStep = {
    connector,
    seconds: options.chargeSeconds ?? 60,
    intervalSeconds: options.intervalSeconds ?? 5,
    ...(options.powerW === undefined ? {} : { powerW: options.powerW }),
  };
  return [
    { plug: connector },
    { waitForStart: connector, timeoutSeconds: options.startTimeoutSeconds ?? 30, onTimeout: 'start' },
    { charge },
    { stop: connector },
    // The fault comes a while after the session ended: raised while charging it would end the
    // session abnormally, and its clearing would leave the connector charging again (a second session).
    { wait: 2_000 },
    { fault: options.faultCode === undefined ? { connector } : { code: options.faultCode, connector }, seconds: options.faultSeconds ?? 2 },
    { wait: 2_000 },
    { unplug: connector },
  ];
}
