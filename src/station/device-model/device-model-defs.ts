/**
 * The device model as data: loads the component definition files (`components/*.json`), checks
 * them, and instantiates them for one charger from its capabilities and its station config.
 *
 * Topology: one EVSE per legacy connector (evse.id = connector number), each with one Connector
 * (connectorId 1). Rules for derived fields (`derive` in a file):
 * - supplyPhases: the grid phases are `config.supplyPhases`, else 3 for DC (a DC charger is fed
 *   three-phase), else for AC 3 when maxPowerW > 7.4 kW (more than one 32 A phase) and 1 otherwise.
 *   ChargingStation reports the grid phases; EVSE and Connector report 0 for DC (the EV gets no AC
 *   phase) and the grid phases for AC.
 * - maxPowerW: EVSE.Power maxLimit = capabilities.maxPowerW, else config.maxPowerW, else 7 kW (AC)
 *   or 60 kW (DC) with a warning. Each EVSE may draw the whole nameplate power.
 * - connectorType: config.connectorType (one value, or one per connector), else cCCS2 for DC and
 *   cType2 for AC.
 * - measurands: valuesList and default cut down to the charger's measurands (`ocppMeasurand`).
 * - limitUnits: valuesList and default cut down to capabilities.limitUnits.
 * - securityProfile, identity, organizationName, basicAuthPassword: from the station config.
 * - clock: no stored value; the device model reads its clock.
 */
import { createRequire } from 'node:module';
import type { Capabilities } from '../../model/capabilities.js';
import type { Measurand } from '../../model/units.js';
import type ChargingStationFile from './components/ChargingStation.json';
import type EVSEFile from './components/EVSE.json';
import type ConnectorFile from './components/Connector.json';
import type OCPPCommCtrlrFile from './components/OCPPCommCtrlr.json';
import type TxCtrlrFile from './components/TxCtrlr.json';
import type SampledDataCtrlrFile from './components/SampledDataCtrlr.json';
import type AlignedDataCtrlrFile from './components/AlignedDataCtrlr.json';
import type AuthCtrlrFile from './components/AuthCtrlr.json';
import type ClockCtrlrFile from './components/ClockCtrlr.json';
import type DeviceDataCtrlrFile from './components/DeviceDataCtrlr.json';
import type SecurityCtrlrFile from './components/SecurityCtrlr.json';
import type SmartChargingCtrlrFile from './components/SmartChargingCtrlr.json';
import type LocalAuthListCtrlrFile from './components/LocalAuthListCtrlr.json';
import type AuthCacheCtrlrFile from './components/AuthCacheCtrlr.json';
import type ReservationCtrlrFile from './components/ReservationCtrlr.json';
import { checkValue, listValues } from './device-model-values.js';
import { DERIVATIONS } from './device-model-types.js';
import type { ComponentDef, ComponentType, ConnectorEnumType, MeasurandEnumType, VariableDef, VariableType } from './device-model-types.js';

/** Per-station settings the device model publishes. */
export interface DeviceModelConfig {
  /** Station identity toward the CSMS (SecurityCtrlr.Identity); also the StateStore namespace. */
  readonly identity: string;
  readonly securityProfile: 1 | 2 | 3;
  /** Initial SecurityCtrlr.BasicAuthPassword; a value the CSMS sets later replaces it. */
  readonly basicAuthPassword?: string;
  readonly organizationName?: string;
  /** One type for every connector, or one per connector (index 0 = connector 1). */
  readonly connectorType?: ConnectorEnumType | readonly ConnectorEnumType[];
  /** AC phases of the grid connection, when the rule above guesses wrong. */
  readonly supplyPhases?: 1 | 2 | 3;
  /** Nameplate power when the codec does not know it. */
  readonly maxPowerW?: number;
}

/** One concrete variable of one concrete component. */
export interface Variable {
  readonly component: ComponentType;
  readonly variable: VariableType;
  /** The definition with derived fields filled in. */
  readonly def: VariableDef;
  /** `Component[inst]@evse.connector/Variable[inst]`: unique, readable, the StateStore key after `dm:`. */
  readonly key: string;
  /** The value before anything is set; undefined = no value (e.g. no BasicAuthPassword configured). */
  readonly initial: string | undefined;
}

/**
 * The packaged component files. JSON reaches `dist/` only when the TypeScript program references
 * it, so each file is imported above as a type; they are read at run time with `require`
 * (plain JSON, no import attributes, so every Node 20 loads them).
 */
interface Packaged {
  ChargingStation: typeof ChargingStationFile;
  EVSE: typeof EVSEFile;
  Connector: typeof ConnectorFile;
  OCPPCommCtrlr: typeof OCPPCommCtrlrFile;
  TxCtrlr: typeof TxCtrlrFile;
  SampledDataCtrlr: typeof SampledDataCtrlrFile;
  AlignedDataCtrlr: typeof AlignedDataCtrlrFile;
  AuthCtrlr: typeof AuthCtrlrFile;
  ClockCtrlr: typeof ClockCtrlrFile;
  DeviceDataCtrlr: typeof DeviceDataCtrlrFile;
  SecurityCtrlr: typeof SecurityCtrlrFile;
  SmartChargingCtrlr: typeof SmartChargingCtrlrFile;
  LocalAuthListCtrlr: typeof LocalAuthListCtrlrFile;
  AuthCacheCtrlr: typeof AuthCacheCtrlrFile;
  ReservationCtrlr: typeof ReservationCtrlrFile;
}

/** Report order; a Record, so the compiler insists that every packaged file is listed exactly once. */
const ORDER: Record<keyof Packaged, number> = {
  ChargingStation: 0,
  EVSE: 1,
  Connector: 2,
  OCPPCommCtrlr: 3,
  TxCtrlr: 4,
  SampledDataCtrlr: 5,
  AlignedDataCtrlr: 6,
  AuthCtrlr: 7,
  ClockCtrlr: 8,
  DeviceDataCtrlr: 9,
  SecurityCtrlr: 10,
  SmartChargingCtrlr: 11,
  LocalAuthListCtrlr: 12,
  AuthCacheCtrlr: 13,
  ReservationCtrlr: 14,
};

/** Names of the packaged component files (without `.json`), in report order. */
export const PACKAGED_FILES = (Object.keys(ORDER) as (keyof Packaged)[]).sort((x, y) => ORDER[x] - ORDER[y]);

const OCPP_MEASURANDS: { readonly [M in Measurand]: MeasurandEnumType | undefined } = {
  energy: 'Energy.Active.Import.Register',
  power: 'Power.Active.Import',
  voltage: 'Voltage',
  current: 'Current.Import',
  soc: 'SoC',
  // OCPP 2.0.1 MeasurandEnumType has no temperature; a schema-valid station cannot sample it.
  temperature: undefined,
};

/** The OCPP measurand a canonical measurand is reported as; undefined when OCPP 2.0.1 has none. */
export function ocppMeasurand(m: Measurand): MeasurandEnumType | undefined {
  return OCPP_MEASURANDS[m];
}

/** The EVSE and connector a legacy connector (1-based) is published as. */
function evseOf(legacyConnector: number): { readonly evseId: number; readonly connectorId: 1 } {
  return { evseId: legacyConnector, connectorId: 1 };
}

const NAME = /^[A-Za-z0-9_.-]{1,50}$/;

let packaged: readonly ComponentDef[] | undefined;

/**
 * The component definitions shipped in `components/`, parsed once.
 * @throws Error naming the file and field of a malformed definition (a broken installation).
 */
export function packagedComponents(): readonly ComponentDef[] {
  if (packaged !== undefined) return packaged;
  const require = createRequire(import.meta.url);
  packaged = PACKAGED_FILES.map((name) => parseComponentDef(require(`./components/${name}.json`) as Packaged[typeof name], `components/${name}.json`));
  return packaged;
}

/**
 * Checks one parsed component file: field types, enum values, lists that need a valuesList, a
 * derivation known to the code, and a default that passes its own limits.
 * @throws Error `<file>: <pointer>: <reason>`.
 */
export function parseComponentDef(raw: unknown, file: string): ComponentDef {
  const fail = (pointer: string, reason: string): never => {
    throw new Error(`${file}: ${pointer}: ${reason}`);
  };
  const obj = (v: unknown, p: string): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(p, 'must be an object'));
  const str = (o: Record<string, unknown>, k: string, p: string, optional = false): string | undefined => {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    return typeof v === 'string' ? v : fail(`${p}/${k}`, 'must be a string');
  };
  const oneOf = <T extends string>(o: Record<string, unknown>, k: string, p: string, values: readonly T[], optional = false): T | undefined => {
    const v = str(o, k, p, optional);
    if (v === undefined) return undefined;
    return (values as readonly string[]).includes(v) ? (v as T) : fail(`${p}/${k}`, `must be one of ${values.join(', ')}`);
  };
  const bool = (o: Record<string, unknown>, k: string, p: string, optional = false): boolean | undefined => {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    return typeof v === 'boolean' ? v : fail(`${p}/${k}`, 'must be true or false');
  };
  const num = (o: Record<string, unknown>, k: string, p: string): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : fail(`${p}/${k}`, 'must be a number');
  };
  const name = (o: Record<string, unknown>, k: string, p: string, optional = false): string | undefined => {
    const v = str(o, k, p, optional);
    return v === undefined || NAME.test(v) ? v : fail(`${p}/${k}`, 'must be 1-50 of A-Z a-z 0-9 _ . -');
  };

  const c = obj(raw, '');
  const variablesRaw = c['variables'];
  if (!Array.isArray(variablesRaw) || variablesRaw.length === 0) fail('/variables', 'must be a non-empty array');
  const variables = (variablesRaw as unknown[]).map((vr, i): VariableDef => {
    const p = `/variables/${i}`;
    const v = obj(vr, p);
    const def: VariableDef = strip({
      name: name(v, 'name', p) as string,
      instance: name(v, 'instance', p, true),
      mutability: oneOf(v, 'mutability', p, ['ReadOnly', 'ReadWrite', 'WriteOnly'] as const) as VariableDef['mutability'],
      dataType: oneOf(v, 'dataType', p, ['string', 'decimal', 'integer', 'dateTime', 'boolean', 'OptionList', 'SequenceList', 'MemberList'] as const) as VariableDef['dataType'],
      unit: str(v, 'unit', p, true),
      minLimit: num(v, 'minLimit', p),
      maxLimit: num(v, 'maxLimit', p),
      valuesList: str(v, 'valuesList', p, true),
      pattern: str(v, 'pattern', p, true),
      default: str(v, 'default', p, true),
      derive: oneOf(v, 'derive', p, DERIVATIONS, true),
      persistent: bool(v, 'persistent', p) as boolean,
      constant: bool(v, 'constant', p) as boolean,
      required: bool(v, 'required', p) as boolean,
      runtime: bool(v, 'runtime', p, true),
      description: str(v, 'description', p) as string,
    });
    const isList = def.dataType === 'OptionList' || def.dataType === 'SequenceList' || def.dataType === 'MemberList';
    if (isList && def.valuesList === undefined) fail(`${p}/valuesList`, `is mandatory for ${def.dataType}`);
    if (def.default === undefined && def.derive === undefined) fail(`${p}/default`, 'is needed unless the value is derived');
    if (def.default !== undefined) {
      const check = checkValue(def, def.default);
      if (!check.ok) fail(`${p}/default`, check.info);
    }
    return def;
  });
  const seen = new Set<string>();
  for (const [i, v] of variables.entries()) {
    const id = `${v.name}[${v.instance ?? ''}]`;
    if (seen.has(id)) fail(`/variables/${i}`, `${v.name}${v.instance === undefined ? '' : `[${v.instance}]`} is defined twice`);
    seen.add(id);
  }
  return strip({
    name: name(c, 'name', '') as string,
    scope: oneOf(c, 'scope', '', ['station', 'evse', 'connector'] as const) as ComponentDef['scope'],
    when: oneOf(c, 'when', '', ['limitable'] as const, true),
    description: str(c, 'description', '') as string,
    variables,
  });
}

/**
 * The concrete variables of one charger, in report order.
 * @throws Error when the config names a connector type OCPP does not have.
 */
export function instantiate(defs: readonly ComponentDef[], capabilities: Capabilities, config: DeviceModelConfig): { variables: Variable[]; warnings: string[] } {
  const warnings: string[] = [];
  const variables: Variable[] = [];
  const connectors = Array.from({ length: capabilities.connectorCount }, (_, i) => i + 1);
  for (const c of defs) {
    if (c.when === 'limitable' && capabilities.limitUnits.size === 0) continue;
    const places: ComponentType[] =
      c.scope === 'station'
        ? [{ name: c.name }]
        : connectors.map((n) => {
            const { evseId, connectorId } = evseOf(n);
            return { name: c.name, evse: c.scope === 'evse' ? { id: evseId } : { id: evseId, connectorId } };
          });
    for (const component of places) {
      for (const def of c.variables) {
        const variable: VariableType = def.instance === undefined ? { name: def.name } : { name: def.name, instance: def.instance };
        const derived = derive(def, c.scope, component, capabilities, config, warnings);
        const place = placed(component, variable);
        variables.push({ component: place.component, variable: place.variable, def: derived.def, key: place.key, initial: derived.initial });
      }
    }
  }
  return { variables, warnings };
}

/**
 * Where a variable sits, shared by every station that has it: a gateway builds the same few hundred
 * variables for each of its thousands of stations, and their component, variable and key objects
 * were most of a device model's bytes. Bounded by the definitions times the connector numbers seen.
 * The objects are never modified.
 */
const places = new Map<string, Pick<Variable, 'component' | 'variable' | 'key'>>();

function placed(component: ComponentType, variable: VariableType): Pick<Variable, 'component' | 'variable' | 'key'> {
  const key = variableKey(component, variable);
  let place = places.get(key);
  if (place === undefined) places.set(key, (place = { component, variable, key }));
  return place;
}

/** The readable unique key of a component/variable pair (see `Variable.key`). */
export function variableKey(component: ComponentType, variable: VariableType): string {
  const inst = (i: string | undefined): string => (i === undefined ? '' : `[${i}]`);
  const evse = component.evse === undefined ? '' : `@${component.evse.id}${component.evse.connectorId === undefined ? '' : `.${component.evse.connectorId}`}`;
  return `${component.name}${inst(component.instance)}${evse}/${variable.name}${inst(variable.instance)}`;
}

function derive(
  def: VariableDef,
  scope: ComponentDef['scope'],
  component: ComponentType,
  caps: Capabilities,
  config: DeviceModelConfig,
  warnings: string[],
): { def: VariableDef; initial: string | undefined } {
  const keep = { def, initial: def.default };
  switch (def.derive) {
    case undefined:
    case 'clock':
      return keep;
    case 'supplyPhases': {
      const grid = config.supplyPhases ?? (caps.currentType === 'DC' ? 3 : (caps.maxPowerW ?? 0) > 7400 ? 3 : 1);
      return { def, initial: String(scope !== 'station' && caps.currentType === 'DC' ? 0 : grid) };
    }
    case 'maxPowerW': {
      let max = caps.maxPowerW ?? config.maxPowerW;
      if (max === undefined || !(max > 0)) {
        max = caps.currentType === 'DC' ? 60_000 : 7_000;
        if (component.evse?.id === 1) warnings.push(`nameplate power unknown; EVSE.Power maxLimit assumed ${max} W`);
      }
      const maxLimit = max;
      return { def: variant(def, String(maxLimit), () => ({ ...def, maxLimit })), initial: def.default };
    }
    case 'connectorType': {
      const n = component.evse?.id ?? 1;
      const configured = typeof config.connectorType === 'string' ? config.connectorType : config.connectorType?.[n - 1];
      const type = configured ?? (caps.currentType === 'DC' ? 'cCCS2' : 'cType2');
      if (!listValues(def.valuesList).includes(type)) throw new Error(`connectorType "${type}" (connector ${n}) is not an OCPP 2.0.1 ConnectorEnumType`);
      return { def, initial: type };
    }
    case 'measurands': {
      const supported = new Set([...caps.measurands].map(ocppMeasurand));
      return narrow(def, (m) => supported.has(m as MeasurandEnumType));
    }
    case 'limitUnits':
      return narrow(def, (u) => caps.limitUnits.has(u as 'A' | 'W'));
    case 'securityProfile':
      return { def, initial: String(config.securityProfile) };
    case 'identity':
      return { def, initial: config.identity };
    case 'organizationName':
      return { def, initial: config.organizationName ?? '' };
    case 'basicAuthPassword':
      return { def, initial: config.basicAuthPassword };
  }
}

/** Cuts valuesList and default down to the members `keep` accepts. */
function narrow(def: VariableDef, keep: (member: string) => boolean): { def: VariableDef; initial: string | undefined } {
  const valuesList = listValues(def.valuesList).filter(keep).join(',');
  const initial = listValues(def.default).filter(keep).join(',');
  return { def: variant(def, valuesList, () => ({ ...def, valuesList })), initial };
}

/** Derived definitions, shared by the stations they are the same for (`tag` names what differs). */
const variants = new WeakMap<VariableDef, Map<string, VariableDef>>();

function variant(def: VariableDef, tag: string, make: () => VariableDef): VariableDef {
  let byTag = variants.get(def);
  if (byTag === undefined) variants.set(def, (byTag = new Map()));
  let derived = byTag.get(tag);
  if (derived === undefined) byTag.set(tag, (derived = make()));
  return derived;
}

/** Drops undefined fields, so definitions compare and print cleanly. */
function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
