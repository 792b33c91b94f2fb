/**
 * Network profiles (OCPP 2.0.1 B09 set a profile, B10 migrate to a new one, A05 upgrade the security
 * profile): configuration slots written by SetNetworkProfile and kept in the StateStore, the
 * NetworkConfigurationPriority the CSMS sets (only configured slots, none below the current
 * security profile), and which slot the station connects with:
 *
 * - after a (re)boot, the first usable entry of NetworkConfigurationPriority (B10.FR.04, A05.FR.05);
 * - after NetworkProfileConnectionAttempts failed attempts on one slot, the next entry, round the
 *   list (B10.FR.03); a slot below SecurityCtrlr.SecurityProfile is never used;
 * - once connected on a slot with a higher security profile, that profile becomes
 *   SecurityCtrlr.SecurityProfile (persisted) and lower slots leave the priority list.
 *
 * The block points the OCPP connection at a slot through one port (`OcppConnection.setEndpoint`).
 * The Basic-auth password is read from the device model when an endpoint is built and never logged.
 */
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import type { SecurityProfileConfig } from '../../ocpp/client-config.js';
import type { StationContext } from '../context.js';
import type { SetVerdict, VariableChange } from '../device-model/device-model.js';
import {
  PROFILE_KEY,
  REGISTRY_SLOT,
  SLOT_KEY_PREFIX,
  checkNetworkProfile,
  parseSlot,
  prioritySlots,
  slotJson,
  slotSecurity,
  type NetworkSlot,
  type SecurityProfile,
  type TlsMaterial,
} from './network-slots.js';

/** Where and how to connect: one slot with the station's credentials. */
export interface NetworkEndpoint {
  readonly slot: number;
  readonly url: string;
  readonly security: SecurityProfileConfig;
}

export interface NetworkOptions {
  /** Slot 1: the station registry's CSMS and security profile (with its TLS material). */
  readonly registry: { readonly url: string; readonly security: SecurityProfileConfig };
  /**
   * TLS material for the other slots (the registry's own is used as well); a function is read each
   * time a slot is checked or connected, so material installed later (CSMS roots, a new client
   * certificate) applies.
   */
  readonly tls?: TlsMaterial | (() => TlsMaterial) | undefined;
}

/** The one knob of the OCPP connection the block turns: where the next attempts go. */
export interface EndpointPort {
  /** @throws OcppConfigError when the endpoint is refused (nothing changes then). */
  setEndpoint(url: string, security: SecurityProfileConfig): void;
}

const PRIORITY = ['OCPPCommCtrlr', 'NetworkConfigurationPriority'] as const;

export class NetworkProfiles {
  /** Configured slots; created on the first (most stations have none). */
  private slots: Map<number, NetworkSlot> | undefined;
  private readonly registrySlot: NetworkSlot;
  private currentProfile: SecurityProfile;
  private active: number | undefined;
  private failures = 0;
  private port: EndpointPort | undefined;

  constructor(
    private readonly ctx: StationContext,
    private readonly options: NetworkOptions,
  ) {
    const { url, security } = options.registry;
    this.registrySlot = { slot: REGISTRY_SLOT, url, securityProfile: security.profile };
    this.currentProfile = security.profile;
  }

  /** Reads the stored slots and the security profile the station has reached. */
  async load(): Promise<void> {
    const { store, id } = this.ctx;
    for (const [key, value] of await store.getAll(id, SLOT_KEY_PREFIX)) {
      const n = Number(key.slice(SLOT_KEY_PREFIX.length));
      const slot = Number.isInteger(n) && n !== REGISTRY_SLOT ? parseSlot(n, value) : undefined;
      if (slot === undefined) this.ctx.log('warn', 'stored network slot ignored', { key });
      else (this.slots ??= new Map()).set(n, slot);
    }
    const reached = await store.get(id, PROFILE_KEY);
    if ((reached === 2 || reached === 3) && reached > this.currentProfile) this.currentProfile = reached;
    this.ctx.dm.setRuntime('SecurityCtrlr', 'SecurityProfile', this.currentProfile);
  }

  /** The registry's slot with the current password: what the connection is built with. */
  registryEndpoint(): NetworkEndpoint {
    return this.endpointOf(this.registrySlot) ?? { slot: REGISTRY_SLOT, url: this.registrySlot.url, security: this.options.registry.security };
  }

  /** The connection the block points at slots (set once it exists). */
  attach(port: EndpointPort): void {
    this.port = port;
  }

  /** After a (re)boot: the connection goes to the first usable slot of the priority list; false for none. */
  first(): boolean {
    this.failures = 0;
    const first = this.usable()[0];
    if (first === undefined) {
      this.ctx.log('error', 'no slot of NetworkConfigurationPriority can be used: not connecting', { securityProfile: this.currentProfile, priority: this.priority() });
      return false;
    }
    return this.activate(first);
  }

  /**
   * A connection attempt failed (or an open connection was lost, which starts the count again).
   * After NetworkProfileConnectionAttempts failures on one slot the connection goes to the next one:
   * true when it did (the station must boot again there, B10.FR.10).
   */
  attemptFailed(wasOpen: boolean): boolean {
    if (wasOpen) {
      this.failures = 0;
      return false;
    }
    this.failures += 1;
    if (this.failures < this.ctx.dm.getNumber('OCPPCommCtrlr', 'NetworkProfileConnectionAttempts')) return false;
    this.failures = 0;
    const order = this.usable();
    const at = order.findIndex((e) => e.slot === this.active);
    const next = order[(at + 1) % Math.max(1, order.length)];
    if (next === undefined || next.slot === this.active) return false;
    this.ctx.log('warn', 'falling back to the next network slot', { from: this.active, to: next.slot });
    return this.activate(next);
  }

  /** BasicAuthPassword changed: true when the slot in use takes it (the connection is told; reconnect). */
  passwordChanged(): boolean {
    const slot = this.active === REGISTRY_SLOT ? this.registrySlot : this.slots?.get(this.active ?? -1);
    const e = slot === undefined ? undefined : this.endpointOf(slot);
    return e !== undefined && e.security.profile !== 3 && this.apply(e);
  }

  /** The connection opened: a higher security profile becomes the station's, lower slots go (A05). */
  async connected(): Promise<void> {
    this.failures = 0;
    const slot = this.active === REGISTRY_SLOT ? this.registrySlot : this.slots?.get(this.active ?? -1);
    if (slot === undefined || slot.securityProfile <= this.currentProfile) return;
    const from = this.currentProfile;
    await this.ctx.store.set(this.ctx.id, PROFILE_KEY, slot.securityProfile);
    this.currentProfile = slot.securityProfile;
    this.ctx.dm.setRuntime('SecurityCtrlr', 'SecurityProfile', slot.securityProfile);
    this.ctx.log('info', 'security profile raised', { from, to: slot.securityProfile, slot: slot.slot });
    const kept = this.priority().filter((n) => (this.slotOf(n)?.securityProfile ?? 0) >= slot.securityProfile);
    if (kept.length === this.priority().length) return;
    const [result] = await this.ctx.dm.set([{ component: { name: PRIORITY[0] }, variable: { name: PRIORITY[1] }, attributeValue: kept.join(',') }]);
    this.ctx.log('info', 'slots below the security profile left NetworkConfigurationPriority', { priority: kept.join(','), status: result?.attributeStatus });
  }

  /**
   * The device model's veto: NetworkConfigurationPriority may list only configured slots the station
   * can connect with, none below the current security profile; it applies at the next boot.
   */
  vet(change: VariableChange): SetVerdict | undefined {
    if (change.component.name !== PRIORITY[0] || change.variable.name !== PRIORITY[1]) return undefined;
    for (const n of prioritySlots(change.value.split(','))) {
      const slot = this.slotOf(n);
      if (slot === undefined) return { status: 'Rejected', reasonCode: 'InvalidNetworkConf' };
      if (slot.securityProfile < this.currentProfile) return { status: 'Rejected', reasonCode: 'NoSecurityDowngrade' };
      if (this.endpointOf(slot) === undefined) return { status: 'Rejected', reasonCode: 'InvalidNetworkConf' };
    }
    return { status: 'RebootRequired' };
  }

  /** SetNetworkProfile (B09): checked, stored, then Accepted; a store failure is Failed. */
  async setNetworkProfile(req: RequestOf<'SetNetworkProfile'>): Promise<ResponseOf<'SetNetworkProfile'>> {
    const { dm, store, id } = this.ctx;
    const checked = checkNetworkProfile(req, {
      identity: id,
      slots: prioritySlots((dm.variables.find((v) => v.key === `${PRIORITY[0]}/${PRIORITY[1]}`)?.def.valuesList ?? '').split(',')),
      activeSlot: this.active,
      currentProfile: this.currentProfile,
      password: this.password(),
      tls: this.tls(),
    });
    if ('reasonCode' in checked) {
      this.ctx.log('info', 'SetNetworkProfile rejected', { slot: req.configurationSlot, reasonCode: checked.reasonCode, info: checked.info });
      return { status: 'Rejected', statusInfo: { reasonCode: checked.reasonCode, additionalInfo: checked.info } };
    }
    try {
      await store.set(id, `${SLOT_KEY_PREFIX}${checked.slot}`, slotJson(checked));
    } catch (err) {
      this.ctx.log('error', 'SetNetworkProfile not stored', { slot: checked.slot, error: err instanceof Error ? err.message : String(err) });
      return { status: 'Failed', statusInfo: { reasonCode: 'InternalError', additionalInfo: 'the profile could not be stored' } };
    }
    (this.slots ??= new Map()).set(checked.slot, checked);
    this.ctx.log('info', 'network slot stored', { slot: checked.slot, url: checked.url, securityProfile: checked.securityProfile });
    void this.ctx.securityEvent('ReconfigurationOfSecurityParameters', `network profile stored in slot ${checked.slot} (security profile ${checked.securityProfile})`);
    return { status: 'Accepted' };
  }

  private activate(e: NetworkEndpoint): boolean {
    this.active = e.slot;
    this.ctx.dm.setRuntime('OCPPCommCtrlr', 'ActiveNetworkProfile', e.slot);
    return this.apply(e);
  }

  /** Points the connection at `e`; false (logged) when the connection refuses it. */
  private apply(e: NetworkEndpoint): boolean {
    try {
      this.port?.setEndpoint(e.url, e.security);
      return true;
    } catch (err) {
      this.ctx.log('error', 'network slot not usable', { slot: e.slot, error: err instanceof Error ? err.message : String(err) });
      return false;
    }
  }

  /** The priority list's slots the station can use now, as endpoints, in order. */
  private usable(): NetworkEndpoint[] {
    const out: NetworkEndpoint[] = [];
    for (const n of this.priority()) {
      const slot = this.slotOf(n);
      const e = slot !== undefined && slot.securityProfile >= this.currentProfile ? this.endpointOf(slot) : undefined;
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  private priority(): number[] {
    return prioritySlots(this.ctx.dm.getList(...PRIORITY));
  }

  private slotOf(n: number): NetworkSlot | undefined {
    return n === REGISTRY_SLOT ? this.registrySlot : this.slots?.get(n);
  }

  private endpointOf(slot: NetworkSlot): NetworkEndpoint | undefined {
    const registry = this.options.registry.security;
    const security =
      slot.slot === REGISTRY_SLOT
        ? registry.profile === 3
          ? registry
          : { ...registry, password: this.password() ?? registry.password }
        : slotSecurity(slot.securityProfile, this.password(), this.tls());
    return typeof security === 'string' ? undefined : { slot: slot.slot, url: slot.url, security };
  }

  private tls(): TlsMaterial {
    const { security } = this.options.registry;
    const extra = this.options.tls;
    return { ...(security.profile === 1 ? {} : security), ...(typeof extra === 'function' ? extra() : extra) };
  }

  private password(): string | undefined {
    return this.ctx.dm.getString('SecurityCtrlr', 'BasicAuthPassword');
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly network: NetworkProfiles;
  }
}
