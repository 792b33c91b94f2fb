/**
 * The 64 OCPP 2.0.1 actions, split by who initiates them, and their payload types.
 *
 * Payload types are never written by hand: each action maps to the request/response interfaces
 * typed-ocpp generates (json-schema-to-typescript) from the same OCA Part 3 files `schemas.ts`
 * validates against, so a type and its runtime check cannot drift apart. The imports are
 * type-only: importing typed-ocpp's root at runtime compiles every 1.6/2.0.1/2.1 schema eagerly
 * (about 4.5 s), which `schemas.ts` avoids.
 */
import type { OCPP20 } from 'typed-ocpp';

/** Request and response payload type of every OCPP 2.0.1 action (Part 3 schema names minus the suffix). */
export interface OcppActionTypes {
  Authorize: { request: OCPP20.AuthorizeRequest; response: OCPP20.AuthorizeResponse };
  BootNotification: { request: OCPP20.BootNotificationRequest; response: OCPP20.BootNotificationResponse };
  CancelReservation: { request: OCPP20.CancelReservationRequest; response: OCPP20.CancelReservationResponse };
  CertificateSigned: { request: OCPP20.CertificateSignedRequest; response: OCPP20.CertificateSignedResponse };
  ChangeAvailability: { request: OCPP20.ChangeAvailabilityRequest; response: OCPP20.ChangeAvailabilityResponse };
  ClearCache: { request: OCPP20.ClearCacheRequest; response: OCPP20.ClearCacheResponse };
  ClearChargingProfile: { request: OCPP20.ClearChargingProfileRequest; response: OCPP20.ClearChargingProfileResponse };
  ClearDisplayMessage: { request: OCPP20.ClearDisplayMessageRequest; response: OCPP20.ClearDisplayMessageResponse };
  ClearVariableMonitoring: { request: OCPP20.ClearVariableMonitoringRequest; response: OCPP20.ClearVariableMonitoringResponse };
  ClearedChargingLimit: { request: OCPP20.ClearedChargingLimitRequest; response: OCPP20.ClearedChargingLimitResponse };
  CostUpdated: { request: OCPP20.CostUpdatedRequest; response: OCPP20.CostUpdatedResponse };
  CustomerInformation: { request: OCPP20.CustomerInformationRequest; response: OCPP20.CustomerInformationResponse };
  DataTransfer: { request: OCPP20.DataTransferRequest; response: OCPP20.DataTransferResponse };
  DeleteCertificate: { request: OCPP20.DeleteCertificateRequest; response: OCPP20.DeleteCertificateResponse };
  FirmwareStatusNotification: { request: OCPP20.FirmwareStatusNotificationRequest; response: OCPP20.FirmwareStatusNotificationResponse };
  Get15118EVCertificate: { request: OCPP20.Get15118EVCertificateRequest; response: OCPP20.Get15118EVCertificateResponse };
  GetBaseReport: { request: OCPP20.GetBaseReportRequest; response: OCPP20.GetBaseReportResponse };
  GetCertificateStatus: { request: OCPP20.GetCertificateStatusRequest; response: OCPP20.GetCertificateStatusResponse };
  GetChargingProfiles: { request: OCPP20.GetChargingProfilesRequest; response: OCPP20.GetChargingProfilesResponse };
  GetCompositeSchedule: { request: OCPP20.GetCompositeScheduleRequest; response: OCPP20.GetCompositeScheduleResponse };
  GetDisplayMessages: { request: OCPP20.GetDisplayMessagesRequest; response: OCPP20.GetDisplayMessagesResponse };
  GetInstalledCertificateIds: { request: OCPP20.GetInstalledCertificateIdsRequest; response: OCPP20.GetInstalledCertificateIdsResponse };
  GetLocalListVersion: { request: OCPP20.GetLocalListVersionRequest; response: OCPP20.GetLocalListVersionResponse };
  GetLog: { request: OCPP20.GetLogRequest; response: OCPP20.GetLogResponse };
  GetMonitoringReport: { request: OCPP20.GetMonitoringReportRequest; response: OCPP20.GetMonitoringReportResponse };
  GetReport: { request: OCPP20.GetReportRequest; response: OCPP20.GetReportResponse };
  GetTransactionStatus: { request: OCPP20.GetTransactionStatusRequest; response: OCPP20.GetTransactionStatusResponse };
  GetVariables: { request: OCPP20.GetVariablesRequest; response: OCPP20.GetVariablesResponse };
  Heartbeat: { request: OCPP20.HeartbeatRequest; response: OCPP20.HeartbeatResponse };
  InstallCertificate: { request: OCPP20.InstallCertificateRequest; response: OCPP20.InstallCertificateResponse };
  LogStatusNotification: { request: OCPP20.LogStatusNotificationRequest; response: OCPP20.LogStatusNotificationResponse };
  MeterValues: { request: OCPP20.MeterValuesRequest; response: OCPP20.MeterValuesResponse };
  NotifyChargingLimit: { request: OCPP20.NotifyChargingLimitRequest; response: OCPP20.NotifyChargingLimitResponse };
  NotifyCustomerInformation: { request: OCPP20.NotifyCustomerInformationRequest; response: OCPP20.NotifyCustomerInformationResponse };
  NotifyDisplayMessages: { request: OCPP20.NotifyDisplayMessagesRequest; response: OCPP20.NotifyDisplayMessagesResponse };
  NotifyEVChargingNeeds: { request: OCPP20.NotifyEVChargingNeedsRequest; response: OCPP20.NotifyEVChargingNeedsResponse };
  NotifyEVChargingSchedule: { request: OCPP20.NotifyEVChargingScheduleRequest; response: OCPP20.NotifyEVChargingScheduleResponse };
  NotifyEvent: { request: OCPP20.NotifyEventRequest; response: OCPP20.NotifyEventResponse };
  NotifyMonitoringReport: { request: OCPP20.NotifyMonitoringReportRequest; response: OCPP20.NotifyMonitoringReportResponse };
  NotifyReport: { request: OCPP20.NotifyReportRequest; response: OCPP20.NotifyReportResponse };
  PublishFirmware: { request: OCPP20.PublishFirmwareRequest; response: OCPP20.PublishFirmwareResponse };
  PublishFirmwareStatusNotification: { request: OCPP20.PublishFirmwareStatusNotificationRequest; response: OCPP20.PublishFirmwareStatusNotificationResponse };
  ReportChargingProfiles: { request: OCPP20.ReportChargingProfilesRequest; response: OCPP20.ReportChargingProfilesResponse };
  RequestStartTransaction: { request: OCPP20.RequestStartTransactionRequest; response: OCPP20.RequestStartTransactionResponse };
  RequestStopTransaction: { request: OCPP20.RequestStopTransactionRequest; response: OCPP20.RequestStopTransactionResponse };
  ReservationStatusUpdate: { request: OCPP20.ReservationStatusUpdateRequest; response: OCPP20.ReservationStatusUpdateResponse };
  ReserveNow: { request: OCPP20.ReserveNowRequest; response: OCPP20.ReserveNowResponse };
  Reset: { request: OCPP20.ResetRequest; response: OCPP20.ResetResponse };
  SecurityEventNotification: { request: OCPP20.SecurityEventNotificationRequest; response: OCPP20.SecurityEventNotificationResponse };
  SendLocalList: { request: OCPP20.SendLocalListRequest; response: OCPP20.SendLocalListResponse };
  SetChargingProfile: { request: OCPP20.SetChargingProfileRequest; response: OCPP20.SetChargingProfileResponse };
  SetDisplayMessage: { request: OCPP20.SetDisplayMessageRequest; response: OCPP20.SetDisplayMessageResponse };
  SetMonitoringBase: { request: OCPP20.SetMonitoringBaseRequest; response: OCPP20.SetMonitoringBaseResponse };
  SetMonitoringLevel: { request: OCPP20.SetMonitoringLevelRequest; response: OCPP20.SetMonitoringLevelResponse };
  SetNetworkProfile: { request: OCPP20.SetNetworkProfileRequest; response: OCPP20.SetNetworkProfileResponse };
  SetVariableMonitoring: { request: OCPP20.SetVariableMonitoringRequest; response: OCPP20.SetVariableMonitoringResponse };
  SetVariables: { request: OCPP20.SetVariablesRequest; response: OCPP20.SetVariablesResponse };
  SignCertificate: { request: OCPP20.SignCertificateRequest; response: OCPP20.SignCertificateResponse };
  StatusNotification: { request: OCPP20.StatusNotificationRequest; response: OCPP20.StatusNotificationResponse };
  TransactionEvent: { request: OCPP20.TransactionEventRequest; response: OCPP20.TransactionEventResponse };
  TriggerMessage: { request: OCPP20.TriggerMessageRequest; response: OCPP20.TriggerMessageResponse };
  UnlockConnector: { request: OCPP20.UnlockConnectorRequest; response: OCPP20.UnlockConnectorResponse };
  UnpublishFirmware: { request: OCPP20.UnpublishFirmwareRequest; response: OCPP20.UnpublishFirmwareResponse };
  UpdateFirmware: { request: OCPP20.UpdateFirmwareRequest; response: OCPP20.UpdateFirmwareResponse };
}

/** Any OCPP 2.0.1 action name. */
export type OcppAction = keyof OcppActionTypes;

/** Payload of the CALL for action `A`. */
export type RequestOf<A extends OcppAction> = OcppActionTypes[A]['request'];

/** Payload of the CALLRESULT for action `A`. */
export type ResponseOf<A extends OcppAction> = OcppActionTypes[A]['response'];

/**
 * Actions a charging station initiates (station → CSMS), per the OCPP 2.0.1 Part 2 use cases.
 * DataTransfer goes both ways; PublishFirmwareStatusNotification is sent by a Local Controller.
 */
export const STATION_ACTIONS = [
  'Authorize',
  'BootNotification',
  'ClearedChargingLimit',
  'DataTransfer',
  'FirmwareStatusNotification',
  'Get15118EVCertificate',
  'GetCertificateStatus',
  'Heartbeat',
  'LogStatusNotification',
  'MeterValues',
  'NotifyChargingLimit',
  'NotifyCustomerInformation',
  'NotifyDisplayMessages',
  'NotifyEVChargingNeeds',
  'NotifyEVChargingSchedule',
  'NotifyEvent',
  'NotifyMonitoringReport',
  'NotifyReport',
  'PublishFirmwareStatusNotification',
  'ReportChargingProfiles',
  'ReservationStatusUpdate',
  'SecurityEventNotification',
  'SignCertificate',
  'StatusNotification',
  'TransactionEvent',
] as const satisfies readonly OcppAction[];

/**
 * Actions the CSMS initiates (CSMS → station). DataTransfer goes both ways; PublishFirmware and
 * UnpublishFirmware address a Local Controller.
 */
export const CSMS_ACTIONS = [
  'CancelReservation',
  'CertificateSigned',
  'ChangeAvailability',
  'ClearCache',
  'ClearChargingProfile',
  'ClearDisplayMessage',
  'ClearVariableMonitoring',
  'CostUpdated',
  'CustomerInformation',
  'DataTransfer',
  'DeleteCertificate',
  'GetBaseReport',
  'GetChargingProfiles',
  'GetCompositeSchedule',
  'GetDisplayMessages',
  'GetInstalledCertificateIds',
  'GetLocalListVersion',
  'GetLog',
  'GetMonitoringReport',
  'GetReport',
  'GetTransactionStatus',
  'GetVariables',
  'InstallCertificate',
  'PublishFirmware',
  'RequestStartTransaction',
  'RequestStopTransaction',
  'ReserveNow',
  'Reset',
  'SendLocalList',
  'SetChargingProfile',
  'SetDisplayMessage',
  'SetMonitoringBase',
  'SetMonitoringLevel',
  'SetNetworkProfile',
  'SetVariableMonitoring',
  'SetVariables',
  'TriggerMessage',
  'UnlockConnector',
  'UnpublishFirmware',
  'UpdateFirmware',
] as const satisfies readonly OcppAction[];

/** An action the station sends. */
export type StationAction = (typeof STATION_ACTIONS)[number];

/** An action the CSMS sends (the station handles it). */
export type CsmsAction = (typeof CSMS_ACTIONS)[number];

// Compile-time proof that the two direction lists together name every action of the map.
type Unlisted = Exclude<OcppAction, StationAction | CsmsAction>;
const everyActionListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyActionListed;

/** All 64 OCPP 2.0.1 action names, sorted (DataTransfer once). */
export const OCPP201_ACTIONS: readonly OcppAction[] = Object.freeze([...new Set<OcppAction>([...STATION_ACTIONS, ...CSMS_ACTIONS])].sort());

const ALL: ReadonlySet<string> = new Set(OCPP201_ACTIONS);
const FROM_STATION: ReadonlySet<string> = new Set(STATION_ACTIONS);
const FROM_CSMS: ReadonlySet<string> = new Set(CSMS_ACTIONS);

/**
 * True for any 2.0.1 action name (case-sensitive). A CALL whose action fails this is answered
 * NotImplemented; a known action without a handler is answered NotSupported.
 */
export function isOcppAction(name: string): name is OcppAction {
  return ALL.has(name);
}

/** True for an action the station initiates. */
export function isStationAction(name: string): name is StationAction {
  return FROM_STATION.has(name);
}

/** True for an action the CSMS initiates. */
export function isCsmsAction(name: string): name is CsmsAction {
  return FROM_CSMS.has(name);
}
