/**
 * Reports over the device model (GetBaseReport, GetReport → NotifyReport): which variables a
 * request selects, how one is rendered as `ReportDataType`, and how the engine pages them.
 * WriteOnly values are never rendered (OCPP 2.0.1 Part 1, device model: a WriteOnly variable is never reported).
 */
import type { Variable } from './device-model-defs.js';
import type { ComponentCriterionEnumType, ComponentType, ComponentVariableType, ReportBaseEnumType, ReportDataType } from './device-model-types.js';

/**
 * The variables of a base report, or undefined when the base is not supported: SummaryInventory
 * belongs to Advanced Device Management, which the gateway does not claim (TC_B_15 expects
 * NotSupported). ConfigurationInventory = every writable variable (ReadWrite and WriteOnly).
 */
export function selectBase(variables: readonly Variable[], base: ReportBaseEnumType): Variable[] | undefined {
  switch (base) {
    case 'FullInventory':
      return [...variables];
    case 'ConfigurationInventory':
      return variables.filter((v) => v.def.mutability !== 'ReadOnly');
    case 'SummaryInventory':
      return undefined;
  }
}

/**
 * The variables a GetReport selects (B08). `componentVariables`: a component without instance or
 * evse matches every instance / EVSE, an evse without connectorId every connector of it, an absent
 * variable every variable, a variable without instance every instance. `componentCriteria`: a
 * component qualifies when any criterion holds — its variable of that name is "true"; a component
 * without such a variable counts as Active, Available and Enabled but not as having a Problem.
 * With both, a variable must satisfy both. With neither, every variable.
 */
export function selectFiltered(
  variables: readonly Variable[],
  valueOf: (v: Variable) => string | undefined,
  componentVariables?: readonly ComponentVariableType[],
  componentCriteria?: readonly ComponentCriterionEnumType[],
): Variable[] {
  let selected = [...variables];
  if (componentVariables !== undefined && componentVariables.length > 0) {
    selected = selected.filter((v) => componentVariables.some((cv) => matches(cv, v)));
  }
  if (componentCriteria !== undefined && componentCriteria.length > 0) {
    const qualifies = new Map<string, boolean>();
    for (const v of variables) {
      const id = componentId(v.component);
      if (!qualifies.has(id))
        qualifies.set(
          id,
          componentCriteria.some((c) => criterionHolds(variables, v.component, c, valueOf)),
        );
    }
    selected = selected.filter((v) => qualifies.get(componentId(v.component)) === true);
  }
  return selected;
}

/** One variable as NotifyReport carries it: value omitted for WriteOnly, characteristics always. */
export function reportData(v: Variable, value: string | undefined): ReportDataType {
  const d = v.def;
  return {
    component: v.component,
    variable: v.variable,
    variableAttribute: [
      {
        type: 'Actual',
        ...(d.mutability !== 'WriteOnly' && value !== undefined ? { value } : {}),
        mutability: d.mutability,
        persistent: d.persistent,
        constant: d.constant,
      },
    ],
    variableCharacteristics: {
      dataType: d.dataType,
      ...(d.unit !== undefined ? { unit: d.unit } : {}),
      ...(d.minLimit !== undefined ? { minLimit: d.minLimit } : {}),
      ...(d.maxLimit !== undefined ? { maxLimit: d.maxLimit } : {}),
      ...(d.valuesList !== undefined ? { valuesList: d.valuesList } : {}),
      supportsMonitoring: false,
    },
  };
}

/**
 * Splits report items into NotifyReport pages of at most `itemsPerPage`, in order. The engine
 * numbers them (seqNo 0, 1, ...) and sets `tbc` on all but the last. No items → no pages.
 * @throws RangeError unless `itemsPerPage` is a positive integer.
 */
export function pages<T>(items: readonly T[], itemsPerPage: number): T[][] {
  if (!Number.isSafeInteger(itemsPerPage) || itemsPerPage <= 0) throw new RangeError(`itemsPerPage must be a positive integer, got ${itemsPerPage}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += itemsPerPage) out.push(items.slice(i, i + itemsPerPage));
  return out;
}

function matches(cv: ComponentVariableType, v: Variable): boolean {
  const want = cv.component;
  const have = v.component;
  if (want.name !== have.name) return false;
  if (want.instance !== undefined && want.instance !== have.instance) return false;
  if (want.evse !== undefined) {
    if (have.evse === undefined || want.evse.id !== have.evse.id) return false;
    if (want.evse.connectorId !== undefined && want.evse.connectorId !== have.evse.connectorId) return false;
  }
  if (cv.variable === undefined) return true;
  if (cv.variable.name !== v.variable.name) return false;
  return cv.variable.instance === undefined || cv.variable.instance === v.variable.instance;
}

function criterionHolds(variables: readonly Variable[], component: ComponentType, criterion: ComponentCriterionEnumType, valueOf: (v: Variable) => string | undefined): boolean {
  const id = componentId(component);
  const flag = variables.find((v) => componentId(v.component) === id && v.variable.name === criterion && v.variable.instance === undefined);
  if (flag === undefined) return criterion !== 'Problem';
  return valueOf(flag) === 'true';
}

function componentId(c: ComponentType): string {
  return `${c.name}[${c.instance ?? ''}]@${c.evse?.id ?? ''}.${c.evse?.connectorId ?? ''}`;
}
