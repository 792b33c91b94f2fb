/**
 * The device model of one virtual station (B05–B08): the packaged component definitions,
 * instantiated for the legacy charger's capabilities and the station config, with values set by
 * the CSMS persisted in the StateStore (keys `dm:<Variable.key>`) and values the engine maintains
 * held in memory.
 *
 * Value precedence: definition default or config < persisted CSMS value (on load) < the latest
 * `set` or `setRuntime`. WriteOnly values (BasicAuthPassword) are readable by the engine through
 * the typed accessors and never through `get` or a report.
 */
import type { Capabilities } from '../../model/capabilities.js';
import type { StateStore } from '../../store/state-store.js';
import { instantiate, packagedComponents, variableKey } from './device-model-defs.js';
import type { DeviceModelConfig, Variable } from './device-model-defs.js';
import { reportData, selectBase, selectFiltered } from './device-model-report.js';
import type {
  ComponentCriterionEnumType,
  ComponentDef,
  ComponentType,
  ComponentVariableType,
  GetVariableDataType,
  GetVariableResultType,
  ReportBaseEnumType,
  ReportDataType,
  SetVariableDataType,
  SetVariableResultType,
  VariableType,
} from './device-model-types.js';
import { checkValue, listValues } from './device-model-values.js';

export { ocppMeasurand } from './device-model-defs.js';
export type { DeviceModelConfig, Variable } from './device-model-defs.js';
export { pages } from './device-model-report.js';
export type * from './device-model-types.js';

/** StateStore key prefix of persisted device-model values. */
const DM_PREFIX = 'dm:';

/** A value the CSMS changed (after it was checked and persisted). */
export interface VariableChange {
  readonly component: ComponentType;
  readonly variable: VariableType;
  readonly value: string;
  readonly previous: string | undefined;
}

/** The engine's veto on a well-formed value, e.g. a network slot that is not configured. */
export interface SetVerdict {
  readonly status: 'Rejected' | 'RebootRequired';
  /** Required for Rejected; an OCPP reason code such as `InvalidValue` or `NotSupported`. */
  readonly reasonCode?: string;
}

export interface DeviceModelOptions {
  readonly store: StateStore;
  readonly capabilities: Capabilities;
  readonly config: DeviceModelConfig;
  /** Clock behind ClockCtrlr.DateTime. Default `new Date()`. */
  readonly now?: () => Date;
  /**
   * Called once per changed value after a `set` batch is persisted, in request order, and awaited
   * (heartbeat interval, retry parameters, BasicAuthPassword → reconnect). Not called for a value
   * set to what it already was, nor for `setRuntime`. An error it throws rejects `set`; the values
   * are persisted by then.
   */
  readonly onChange?: (change: VariableChange) => void | Promise<void>;
  /** Asked before a checked value is persisted; undefined = accept. */
  readonly vet?: (change: VariableChange) => SetVerdict | undefined;
  /** Component definitions; default the packaged files. */
  readonly components?: readonly ComponentDef[];
}

/** Addresses a variable for the typed accessors; omitted fields are absent in the address. */
export interface Where {
  /** Variable instance, e.g. `TransactionEvent` of MessageAttempts. */
  readonly instance?: string;
  readonly componentInstance?: string;
  readonly evse?: number;
  readonly connector?: number;
}

type Lookup = { readonly found: Variable } | { readonly status: 'UnknownComponent' | 'UnknownVariable' };

export class DeviceModel {
  /** Every variable, in report order. */
  readonly variables: readonly Variable[];
  /** Problems met while loading (e.g. a persisted value the definitions no longer accept). */
  readonly warnings: readonly string[];
  private readonly byKey = new Map<string, Variable>();
  private readonly components = new Map<string, Map<string, Variable>>();
  private readonly values = new Map<string, string | undefined>();
  private readonly providers = new Map<string, () => string>();
  /**
   * `require` without `where`, by component name then variable name: the engine reads a few
   * variables on every charger event, and building lookup keys each time was a hot allocation.
   * Variables are fixed at construction, so a found variable stays valid.
   */
  private readonly plain = new Map<string, Map<string, Variable>>();

  private constructor(
    private readonly options: DeviceModelOptions,
    variables: Variable[],
    warnings: string[],
  ) {
    this.variables = variables;
    this.warnings = warnings;
    const now = options.now ?? (() => new Date());
    for (const v of variables) {
      this.byKey.set(v.key, v);
      const cKey = sharedKey(v.component, componentKey);
      let vars = this.components.get(cKey);
      if (vars === undefined) this.components.set(cKey, (vars = new Map()));
      vars.set(sharedKey(v.variable, variableId), v);
      this.values.set(v.key, v.initial);
      if (v.def.derive === 'clock') this.providers.set(v.key, () => now().toISOString());
    }
  }

  /**
   * Builds the model and applies the values persisted for `config.identity`. A persisted value
   * that no longer fits its definition (removed, now ReadOnly, failing its limits) is ignored with
   * a warning. A config value that fails its variable's limits is kept with a warning.
   * @throws Error for a malformed definition or a connector type OCPP does not have.
   */
  static async load(options: DeviceModelOptions): Promise<DeviceModel> {
    const { variables, warnings } = instantiate(options.components ?? packagedComponents(), options.capabilities, options.config);
    for (const v of variables) {
      if (v.def.derive === undefined || v.initial === undefined) continue;
      const check = checkValue(v.def, v.initial);
      if (!check.ok) warnings.push(`${v.key}: configured value kept although ${check.info}`);
    }
    const model = new DeviceModel(options, variables, warnings);
    const persisted = await options.store.getAll(options.config.identity, DM_PREFIX);
    for (const [storeKey, value] of persisted) {
      const key = storeKey.slice(DM_PREFIX.length);
      const v = model.byKey.get(key);
      if (v === undefined || v.def.mutability === 'ReadOnly') {
        warnings.push(`${key}: persisted value ignored; the variable is ${v === undefined ? 'not defined' : 'ReadOnly'}`);
        continue;
      }
      const check = typeof value === 'string' ? checkValue(v.def, value) : undefined;
      if (check?.ok !== true) {
        warnings.push(`${key}: persisted value ignored; ${check?.ok === false ? check.info : 'not a string'}`);
        continue;
      }
      model.values.set(key, check.value);
    }
    return model;
  }

  /**
   * GetVariables: one result per request, in request order, echoing its component, variable and
   * attributeType. Only the Actual attribute exists; WriteOnly → Rejected (reasonCode WriteOnly).
   */
  get(requests: readonly GetVariableDataType[]): GetVariableResultType[] {
    return requests.map((req) => {
      const base = { component: req.component, variable: req.variable, ...(req.attributeType !== undefined ? { attributeType: req.attributeType } : {}) };
      const lookup = this.lookup(req.component, req.variable);
      if (!('found' in lookup)) return { ...base, attributeStatus: lookup.status };
      if ((req.attributeType ?? 'Actual') !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
      if (lookup.found.def.mutability === 'WriteOnly') {
        return { ...base, attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'WriteOnly' } };
      }
      const value = this.valueOf(lookup.found);
      return { ...base, attributeStatus: 'Accepted', ...(value !== undefined ? { attributeValue: value } : {}) };
    });
  }

  /**
   * SetVariables: one result per request, in request order. ReadOnly → Rejected (ReadOnly); a value
   * failing its dataType, limits or valuesList → Rejected (InvalidValue, ValueTooLow, ValueTooHigh);
   * the `vet` hook may reject or answer RebootRequired. Accepted values of persistent variables
   * are in the StateStore before the result says so; a store failure → Rejected (InternalError).
   */
  async set(requests: readonly SetVariableDataType[]): Promise<SetVariableResultType[]> {
    const results: SetVariableResultType[] = [];
    const changes: VariableChange[] = [];
    for (const req of requests) {
      const base = { component: req.component, variable: req.variable, ...(req.attributeType !== undefined ? { attributeType: req.attributeType } : {}) };
      const rejected = (reasonCode: string, additionalInfo?: string): SetVariableResultType => ({
        ...base,
        attributeStatus: 'Rejected',
        attributeStatusInfo: { reasonCode, ...(additionalInfo !== undefined ? { additionalInfo } : {}) },
      });
      const lookup = this.lookup(req.component, req.variable);
      if (!('found' in lookup)) {
        results.push({ ...base, attributeStatus: lookup.status });
        continue;
      }
      const v = lookup.found;
      if ((req.attributeType ?? 'Actual') !== 'Actual') {
        results.push({ ...base, attributeStatus: 'NotSupportedAttributeType' });
        continue;
      }
      if (v.def.mutability === 'ReadOnly') {
        results.push(rejected('ReadOnly'));
        continue;
      }
      const check = checkValue(v.def, req.attributeValue);
      if (!check.ok) {
        results.push(rejected(check.reasonCode, check.info));
        continue;
      }
      const change: VariableChange = { component: v.component, variable: v.variable, value: check.value, previous: this.values.get(v.key) };
      const verdict = this.options.vet?.(change);
      if (verdict?.status === 'Rejected') {
        results.push(rejected(verdict.reasonCode ?? 'InvalidValue'));
        continue;
      }
      if (v.def.persistent) {
        try {
          await this.options.store.set(this.options.config.identity, DM_PREFIX + v.key, check.value);
        } catch {
          results.push(rejected('InternalError', 'the value could not be stored'));
          continue;
        }
      }
      this.values.set(v.key, check.value);
      this.providers.delete(v.key);
      results.push({ ...base, attributeStatus: verdict?.status ?? 'Accepted' });
      if (check.value !== change.previous) changes.push(change);
    }
    for (const change of changes) await this.options.onChange?.(change);
    return results;
  }

  /** GetBaseReport items, or undefined for a base the station does not support (answer NotSupported). */
  report(base: ReportBaseEnumType): ReportDataType[] | undefined {
    return selectBase(this.variables, base)?.map((v) => reportData(v, this.valueOf(v)));
  }

  /** GetReport items (empty → the engine answers EmptyResultSet); see `selectFiltered`. */
  reportFiltered(componentVariables?: readonly ComponentVariableType[], componentCriteria?: readonly ComponentCriterionEnumType[]): ReportDataType[] {
    return selectFiltered(this.variables, (v) => this.valueOf(v), componentVariables, componentCriteria).map((v) => reportData(v, this.valueOf(v)));
  }

  /**
   * A numeric variable's value.
   * @throws Error for an unknown variable, a non-numeric dataType or no value (programming errors).
   */
  getNumber(component: string, variable: string, where?: Where): number {
    const v = this.require(component, variable, where);
    if (v.def.dataType !== 'integer' && v.def.dataType !== 'decimal') throw new Error(`${v.key} is ${v.def.dataType}, not a number`);
    return Number(this.present(v));
  }

  /** A boolean variable's value. @throws Error like `getNumber`. */
  getBoolean(component: string, variable: string, where?: Where): boolean {
    const v = this.require(component, variable, where);
    if (v.def.dataType !== 'boolean') throw new Error(`${v.key} is ${v.def.dataType}, not boolean`);
    return this.present(v) === 'true';
  }

  /** Any variable's value as OCPP spells it (WriteOnly included); undefined when it has none. @throws Error for an unknown variable. */
  getString(component: string, variable: string, where?: Where): string | undefined {
    return this.valueOf(this.require(component, variable, where));
  }

  /** The members of an OptionList/SequenceList/MemberList value, in order. @throws Error like `getNumber`. */
  getList(component: string, variable: string, where?: Where): string[] {
    const v = this.require(component, variable, where);
    if (!LIST_TYPES.has(v.def.dataType)) throw new Error(`${v.key} is ${v.def.dataType}, not a list`);
    return listValues(this.present(v));
  }

  /**
   * Sets a value the engine maintains (AvailabilityState, Available, Power, CertificateEntries,
   * HeartbeatInterval from a BootNotificationResponse, ...), in memory only, without `onChange`.
   * A function is read at every `get`/report (e.g. a live measurement). Any mutability may be set.
   * Returns false, changing nothing, when the value fails the variable's dataType or limits.
   * @throws Error for an unknown variable.
   */
  setRuntime(component: string, variable: string, value: string | number | boolean | (() => string), where?: Where): boolean {
    const v = this.require(component, variable, where);
    if (typeof value === 'function') {
      this.providers.set(v.key, value);
      return true;
    }
    const check = checkValue(v.def, String(value));
    if (!check.ok) return false;
    this.providers.delete(v.key);
    this.values.set(v.key, check.value);
    return true;
  }

  /** The variable's current value. */
  valueOf(v: Variable): string | undefined {
    const provider = this.providers.get(v.key);
    return provider !== undefined ? provider() : this.values.get(v.key);
  }

  /**
   * Finds the variable a request addresses. A Connector addressed with `evse.id` only is taken to
   * be connector 1 of that EVSE, the only one it has.
   */
  private lookup(component: ComponentType, variable: VariableType): Lookup {
    let vars = this.components.get(componentKey(component));
    if (vars === undefined && component.name === 'Connector' && component.evse !== undefined && component.evse.connectorId === undefined) {
      vars = this.components.get(componentKey({ ...component, evse: { id: component.evse.id, connectorId: 1 } }));
    }
    if (vars === undefined) return { status: 'UnknownComponent' };
    const found = vars.get(variableId(variable));
    return found === undefined ? { status: 'UnknownVariable' } : { found };
  }

  private require(component: string, variable: string, where?: Where): Variable {
    if (where !== undefined) return this.lookUp(component, variable, where);
    let byVariable = this.plain.get(component);
    const cached = byVariable?.get(variable);
    if (cached !== undefined) return cached;
    const v = this.lookUp(component, variable, {});
    if (byVariable === undefined) this.plain.set(component, (byVariable = new Map()));
    byVariable.set(variable, v);
    return v;
  }

  private lookUp(component: string, variable: string, where: Where): Variable {
    const c: ComponentType = {
      name: component,
      ...(where.componentInstance !== undefined ? { instance: where.componentInstance } : {}),
      ...(where.evse !== undefined ? { evse: { id: where.evse, ...(where.connector !== undefined ? { connectorId: where.connector } : {}) } } : {}),
    };
    const lookup = this.lookup(c, { name: variable, ...(where.instance !== undefined ? { instance: where.instance } : {}) });
    if (!('found' in lookup)) throw new Error(`${variableKey(c, { name: variable, instance: where.instance })}: ${lookup.status}`);
    return lookup.found;
  }

  private present(v: Variable): string {
    const value = this.valueOf(v);
    if (value === undefined) throw new Error(`${v.key} has no value`);
    return value;
  }
}

const LIST_TYPES: ReadonlySet<string> = new Set(['OptionList', 'SequenceList', 'MemberList']);

// Lookup keys are JSON tuples, not `Variable.key`: a CSMS may send any characters in a name, and a
// component named "EVSE@1" must not find EVSE 1.
// The component and variable objects of a model's variables are shared by all stations (see
// `instantiate`), and so are their lookup keys, remembered here.
const lookupKeys = new WeakMap<ComponentType | VariableType, string>();

function componentKey(c: ComponentType): string {
  return lookupKeys.get(c) ?? JSON.stringify([c.name, c.instance ?? null, c.evse?.id ?? null, c.evse?.connectorId ?? null]);
}

function variableId(v: VariableType): string {
  return lookupKeys.get(v) ?? JSON.stringify([v.name, v.instance ?? null]);
}

/** The lookup key of one of the model's own components or variables, kept for the next model. */
function sharedKey<T extends ComponentType | VariableType>(o: T, key: (o: T) => string): string {
  let k = lookupKeys.get(o);
  if (k === undefined) lookupKeys.set(o, (k = key(o)));
  return k;
}
