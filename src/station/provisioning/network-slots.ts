/**
 * Network configuration slots as data (OCPP 2.0.1 B09/B10, A05): what a slot holds, how it is
 * stored, the checks a SetNetworkProfileRequest passes before it is stored, and the connection
 * settings a slot gives with the station's credentials. Pure functions; the block that uses them is
 * `network-profiles.ts`.
 *
 * Slot 1 is the station registry's CSMS (URL and security profile from the gateway's configuration);
 * the CSMS writes the other slots with SetNetworkProfile. Every slot uses the station's one
 * SecurityCtrlr.BasicAuthPassword: a 2.0.1 NetworkConnectionProfile carries no password.
 */
import type { RequestOf } from '../../ocpp/actions.js';
import { OcppConfigError, resolveConfig, type PemList, type SecurityProfileConfig } from '../../ocpp/client-config.js';
import type { JsonValue } from '../../store/state-store.js';

/** The slot that holds the station registry's CSMS; SetNetworkProfile does not write it. */
export const REGISTRY_SLOT = 1;
/** StateStore key of a slot written by SetNetworkProfile: `net:slot:<n>`. */
export const SLOT_KEY_PREFIX = 'net:slot:';
/** StateStore key of the security profile the station has connected with (it never goes lower). */
export const PROFILE_KEY = 'net:securityProfile';

export type SecurityProfile = 1 | 2 | 3;

/** One configuration slot: where the CSMS is and how the station must connect to it. */
export interface NetworkSlot {
  readonly slot: number;
  /** ocppCsmsUrl: the CSMS endpoint without the station identity. */
  readonly url: string;
  readonly securityProfile: SecurityProfile;
  /** connectionData.messageTimeout (s): kept and reported back, not applied (MessageTimeout[Default] is). */
  readonly messageTimeoutS?: number;
  readonly ocppInterface?: string;
}

/** TLS material the gateway holds for slots the registry's own profile does not cover. */
export interface TlsMaterial {
  /** CSMS root certificate(s) (profiles 2 and 3). */
  readonly ca?: PemList;
  /** The station's client certificate and key (profile 3). */
  readonly cert?: string;
  readonly key?: string;
  readonly passphrase?: string;
}

/** Reason codes of a refused SetNetworkProfileRequest (Part 2 B09.FR.02/04/05). */
export type SlotRefusal = { readonly reasonCode: 'InvalidConfSlot' | 'InvalidNetworkConf' | 'NoSecurityDowngrade'; readonly info: string };

/** What a SetNetworkProfileRequest is checked against. */
export interface ProfileCheckContext {
  readonly identity: string;
  /** valuesList of NetworkConfigurationPriority: the slots that exist. */
  readonly slots: readonly number[];
  /** The slot the station connects with now (it is not overwritten under the station's feet). */
  readonly activeSlot: number | undefined;
  /** SecurityCtrlr.SecurityProfile: nothing lower is accepted (B09.FR.04). */
  readonly currentProfile: SecurityProfile;
  readonly password: string | undefined;
  readonly tls: TlsMaterial;
}

/**
 * Checks a SetNetworkProfileRequest: the slot exists and is writable, OCPP 2.0 over JSON, no
 * downgrade, a URL that fits the profile, and credentials the station has for that profile.
 * Returns the slot to store, or why it is refused.
 */
export function checkNetworkProfile(req: RequestOf<'SetNetworkProfile'>, c: ProfileCheckContext): NetworkSlot | SlotRefusal {
  const { configurationSlot: slot, connectionData: data } = req;
  if (!c.slots.includes(slot)) return { reasonCode: 'InvalidConfSlot', info: `slot ${slot} is not one of NetworkConfigurationPriority's ${c.slots.join(',')}` };
  if (slot === REGISTRY_SLOT) return { reasonCode: 'InvalidConfSlot', info: `slot ${REGISTRY_SLOT} holds the station registry's CSMS` };
  if (slot === c.activeSlot) return { reasonCode: 'InvalidConfSlot', info: `slot ${slot} is the one the station is connected with` };
  if (data.ocppVersion !== 'OCPP20') return { reasonCode: 'InvalidNetworkConf', info: `ocppVersion ${data.ocppVersion}: the station speaks OCPP 2.0.1 only` };
  if (data.ocppTransport !== 'JSON') return { reasonCode: 'InvalidNetworkConf', info: 'ocppTransport must be JSON' };
  const profile = data.securityProfile;
  if (profile !== 1 && profile !== 2 && profile !== 3) return { reasonCode: 'InvalidNetworkConf', info: `securityProfile ${profile} is not 1, 2 or 3` };
  if (profile < c.currentProfile) return { reasonCode: 'NoSecurityDowngrade', info: `securityProfile ${profile} is lower than the current ${c.currentProfile}` };
  if (data.vpn !== undefined) return { reasonCode: 'InvalidNetworkConf', info: 'the gateway sets up no VPN' };
  const security = slotSecurity(profile, c.password, c.tls);
  if (typeof security === 'string') return { reasonCode: 'InvalidNetworkConf', info: security };
  try {
    resolveConfig({ identity: c.identity, url: data.ocppCsmsUrl, security, retryBackOff: { waitMinimumS: 0, randomRangeS: 0, repeatTimes: 0 } });
  } catch (err) {
    // OcppConfigError messages name the field, never a secret.
    if (err instanceof OcppConfigError) return { reasonCode: 'InvalidNetworkConf', info: err.message.slice(0, 500) };
    throw err;
  }
  return { slot, url: data.ocppCsmsUrl, securityProfile: profile, messageTimeoutS: data.messageTimeout, ocppInterface: data.ocppInterface };
}

/** The connection settings of a slot with `profile`, or why the station cannot connect that way. */
export function slotSecurity(profile: SecurityProfile, password: string | undefined, tls: TlsMaterial): SecurityProfileConfig | string {
  const hasCa = tls.ca !== undefined && (typeof tls.ca === 'string' ? tls.ca !== '' : tls.ca.length > 0);
  if (profile !== 3 && (password === undefined || password === '')) return `security profile ${profile} needs a BasicAuthPassword and the station has none`;
  if (profile !== 1 && !hasCa) return `security profile ${profile} needs a CSMS root certificate and the station has none`;
  if (profile === 1) return { profile, password: password as string };
  if (profile === 2) return { profile, password: password as string, ca: tls.ca as PemList };
  if (tls.cert === undefined || tls.cert === '' || tls.key === undefined || tls.key === '') return 'security profile 3 needs a client certificate and the station has none';
  return { profile, ca: tls.ca as PemList, cert: tls.cert, key: tls.key, ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}) };
}

/** A slot as stored (`net:slot:<n>`). */
export function slotJson(s: NetworkSlot): JsonValue {
  return {
    url: s.url,
    securityProfile: s.securityProfile,
    ...(s.messageTimeoutS !== undefined ? { messageTimeoutS: s.messageTimeoutS } : {}),
    ...(s.ocppInterface !== undefined ? { ocppInterface: s.ocppInterface } : {}),
  };
}

/** A stored slot read back, or undefined when the value is not one (it is then ignored). */
export function parseSlot(slot: number, value: JsonValue): NetworkSlot | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { url, securityProfile: p, messageTimeoutS: t, ocppInterface: i } = value;
  if (typeof url !== 'string' || (p !== 1 && p !== 2 && p !== 3)) return undefined;
  return { slot, url, securityProfile: p, ...(typeof t === 'number' ? { messageTimeoutS: t } : {}), ...(typeof i === 'string' ? { ocppInterface: i } : {}) };
}

/** The slot numbers of a NetworkConfigurationPriority value, in order (non-numbers dropped). */
export function prioritySlots(members: readonly string[]): number[] {
  return members.map(Number).filter((n) => Number.isInteger(n));
}
