/**
 * OCPP 2.0.1 device-model payload types, reached through typed-ocpp's generated schema types
 * (never hand-written), plus the shape of our component definition files.
 */
import type { OCPP20 } from 'typed-ocpp';

export type ComponentType = ReportDataType['component'];
export type VariableType = ReportDataType['variable'];
export type ReportDataType = NonNullable<OCPP20.NotifyReportRequest['reportData']>[number];
export type VariableAttributeType = ReportDataType['variableAttribute'][number];
export type VariableCharacteristicsType = NonNullable<ReportDataType['variableCharacteristics']>;
export type DataEnumType = VariableCharacteristicsType['dataType'];
export type MutabilityEnumType = NonNullable<VariableAttributeType['mutability']>;
export type GetVariableDataType = OCPP20.GetVariablesRequest['getVariableData'][number];
export type GetVariableResultType = OCPP20.GetVariablesResponse['getVariableResult'][number];
export type SetVariableDataType = OCPP20.SetVariablesRequest['setVariableData'][number];
export type SetVariableResultType = OCPP20.SetVariablesResponse['setVariableResult'][number];
export type ComponentVariableType = NonNullable<OCPP20.GetReportRequest['componentVariable']>[number];
export type ComponentCriterionEnumType = NonNullable<OCPP20.GetReportRequest['componentCriteria']>[number];
export type ReportBaseEnumType = OCPP20.GetBaseReportRequest['reportBase'];
export type ConnectorEnumType = NonNullable<OCPP20.ReserveNowRequest['connectorType']>;
export type MeasurandEnumType = OCPP20.MeasurandEnumType;

/** Where a component lives: once per station, once per EVSE, once per connector. */
export type Scope = 'station' | 'evse' | 'connector';

/** Condition for a whole component file: `limitable` = the charger takes a power/current limit. */
export type ComponentCondition = 'limitable';

/**
 * Variable fields filled in from the charger's capabilities and the station config instead of the
 * file (see `device-model-defs.ts` for each rule).
 */
export const DERIVATIONS = ['supplyPhases', 'maxPowerW', 'connectorType', 'measurands', 'limitUnits', 'securityProfile', 'identity', 'organizationName', 'basicAuthPassword', 'clock'] as const;
export type Derivation = (typeof DERIVATIONS)[number];

/** One variable of a component definition file (`src/station/device-model/components/*.json`). */
export interface VariableDef {
  readonly name: string;
  readonly instance?: string;
  readonly mutability: MutabilityEnumType;
  readonly dataType: DataEnumType;
  readonly unit?: string;
  /** Numbers: lowest value. string and lists: shortest length of the (CSV) string. */
  readonly minLimit?: number;
  /** Numbers: highest value. string and lists: longest length of the (CSV) string. */
  readonly maxLimit?: number;
  /** CSV of allowed values; mandatory for OptionList, SequenceList and MemberList. */
  readonly valuesList?: string;
  /** For `string`: a regular expression the whole value must match. Not reported. */
  readonly pattern?: string;
  /** Value before the CSMS or the engine sets one, in its OCPP string form. */
  readonly default?: string;
  readonly derive?: Derivation;
  readonly persistent: boolean;
  readonly constant: boolean;
  /** Required for Core certification (OCPP 2.0.1 Part 1, the Core profile's required components and variables). */
  readonly required: boolean;
  /** Maintained by the engine at run time (`DeviceModel.setRuntime`). */
  readonly runtime?: boolean;
  readonly description: string;
}

/** One component definition file. */
export interface ComponentDef {
  readonly name: string;
  readonly scope: Scope;
  readonly when?: ComponentCondition;
  readonly description: string;
  readonly variables: readonly VariableDef[];
}
