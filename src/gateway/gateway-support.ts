/** Small helpers of the gateway runtime: bounded waits and device-model presets. */
import type { Capabilities } from '../model/capabilities.js';
import type { StationEngine } from '../station/engine.js';
import type { StateStore } from '../store/state-store.js';

/** Resolves once the engine's OCPP connection is not open (checked every 100 ms). */
export function offline(engine: StationEngine): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (engine.connectionState !== 'open') resolve();
      else setTimeout(check, 100).unref();
    };
    check();
  });
}

/** How long `/metrics` waits for the store's queue sizes. */
export const METRICS_STORE_TIMEOUT_MS = 500;

/** `work`'s value, or `fallback` when it rejects or takes longer than `ms`. */
export function withTimeout<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([work.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}

/** Persists device-model values for a station before its engine loads them (e.g. retry timing). */
export async function presetDeviceModel(store: StateStore, id: string, capabilities: Capabilities, values: Readonly<Record<string, string>>, profile: 1 | 2 | 3): Promise<void> {
  const { DeviceModel } = await import('../station/device-model.js');
  const dm = await DeviceModel.load({ store, capabilities, config: { identity: id, securityProfile: profile } });
  await dm.set(
    Object.entries(values).map(([path, attributeValue]) => {
      const [component = '', variable = ''] = path.split('.');
      const [name = '', instance] = variable.split('#');
      return { component: { name: component }, variable: { name, ...(instance !== undefined ? { instance } : {}) }, attributeValue };
    }),
  );
}
