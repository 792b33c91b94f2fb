/**
 * The CSMS's CALLs, each routed to the functional block that answers it, and the hooks that let
 * TriggerMessage (F06) send what the blocks hold.
 */
import type { MeasurementsEvent } from '../model/events.js';
import type { RequestOf } from '../ocpp/actions.js';
import { ocppTimestamp } from '../ocpp/schemas.js';
import { background, type StationContext } from './context.js';
import { meterValue, sampledValues } from './meter-values/meter-values.js';
import { RemoteTrigger } from './remote-control/remote-trigger.js';
import { Variables } from './device-model/variables.js';

type MeterValue = RequestOf<'MeterValues'>['meterValue'][number];

/** Readings a triggered MeterValues carries: those measured at most this long before a connector's newest. */
const TRIGGERED_WINDOW_MS = 600_000;

/** What the handlers take from the engine besides the blocks. */
export interface HandlerOptions {
  /** Vendor ids whose DataTransfer a codec handles. */
  readonly dataTransferVendors: readonly string[];
  /** Runs once a SetVariables answer is out. */
  afterSetVariables(): void;
}

/** Registers a handler on `ctx.rpc` for every CSMS-initiated action the station implements. */
export function registerHandlers(ctx: StationContext, options: HandlerOptions): void {
  const { rpc, blocks: b } = ctx;
  const variables = new Variables(ctx);
  const trigger = new RemoteTrigger(ctx, {
    bootNotification: () => b.provisioning.trigger(),
    sendBootNotification: () => b.provisioning.bootTriggered(),
    sendHeartbeat: () => b.provisioning.heartbeat(),
    sendStatus: (evse) => {
      if (evse === undefined) b.availability.reportAll();
      else
        background(
          ctx,
          'StatusNotification',
          ctx.call('StatusNotification', { timestamp: ocppTimestamp(ctx.clock.now()), connectorStatus: b.availability.statusOf(evse), evseId: evse, connectorId: 1 }),
        );
    },
    hasMeterValues: (evse) => meterValuesFor(lastMeasurements(ctx), evse).length > 0,
    logStatus: () => b.logs.status(),
    hasTransaction: (evse) => b.transactions.hasOpen(evse),
    sendTransactionEvent: (evse) => {
      // Through the event chain, so the Updated event keeps its place among the charger's events.
      void ctx.serialize('triggered TransactionEvent', () => b.transactions.trigger(evse).then(() => undefined));
    },
    signChargingStationCertificate: () => b.certificates.triggerSigning(),
    sendMeterValues: (evse) => {
      for (const [evseId, meterValue] of meterValuesFor(lastMeasurements(ctx), evse)) background(ctx, 'MeterValues', ctx.call('MeterValues', { evseId, meterValue: [meterValue] }));
      return true;
    },
    sendFirmwareStatus: () => b.firmware.triggered(),
  });
  rpc.handle('GetVariables', (req) => variables.getVariables(req));
  rpc.handle('SetVariables', async (req) => {
    const response = await variables.setVariables(req);
    return { response, after: () => options.afterSetVariables() };
  });
  rpc.handle('GetBaseReport', (req) => variables.getBaseReport(req));
  rpc.handle('GetReport', (req) => variables.getReport(req));
  rpc.handle('TriggerMessage', (req) => trigger.trigger(req));
  rpc.handle('ChangeAvailability', (req) => b.availability.changeAvailability(req));
  rpc.handle('Reset', (req) => b.reset.reset(req));
  rpc.handle('SetNetworkProfile', (req) => b.network.setNetworkProfile(req));
  rpc.handle('RequestStartTransaction', (req) => b.remote.requestStart(req));
  rpc.handle('RequestStopTransaction', (req) => b.remote.requestStop(req));
  rpc.handle('GetTransactionStatus', (req) => b.remote.transactionStatus(req));
  rpc.handle('UnlockConnector', (req) => b.remote.unlock(req));
  rpc.handle('SetChargingProfile', (req) => b.smartCharging.setChargingProfile(req));
  rpc.handle('ClearChargingProfile', (req) => b.smartCharging.clearChargingProfile(req));
  rpc.handle('GetChargingProfiles', (req) => b.smartCharging.getChargingProfiles(req));
  rpc.handle('GetCompositeSchedule', (req) => b.smartCharging.getCompositeSchedule(req));
  rpc.handle('SendLocalList', (req) => b.authorization.localList.sendLocalList(req));
  rpc.handle('GetLocalListVersion', () => b.authorization.localList.getLocalListVersion());
  rpc.handle('UpdateFirmware', (req) => b.firmware.updateFirmware(req));
  rpc.handle('ClearCache', () => b.authorization.clearCache());
  rpc.handle('CustomerInformation', (req) => b.authorization.customers.request(req));
  rpc.handle('GetLog', (req) => b.logs.getLog(req));
  rpc.handle('InstallCertificate', (req) => b.certificates.installCertificate(req));
  rpc.handle('GetInstalledCertificateIds', (req) => b.certificates.getInstalledCertificateIds(req));
  rpc.handle('DeleteCertificate', (req) => b.certificates.deleteCertificate(req));
  rpc.handle('CertificateSigned', (req) => b.certificates.certificateSigned(req));
  rpc.handle('ReserveNow', (req) => b.reservations.reserveNow(req));
  rpc.handle('CancelReservation', (req) => b.reservations.cancelReservation(req));
  rpc.handle('DataTransfer', (req) => ({ status: options.dataTransferVendors.includes(req.vendorId) ? 'Rejected' : 'UnknownVendorId' }));
}

/** The latest reading of every measurand of each connector, read on each TriggerMessage(MeterValues). */
function lastMeasurements(ctx: StationContext): ReadonlyMap<number, MeasurementsEvent> {
  return ctx.blocks.transactions.latestValues.recent(TRIGGERED_WINDOW_MS);
}

/** MeterValues entries (evseId, meterValue) from the last measurements of each connector. */
function meterValuesFor(latest: ReadonlyMap<number, MeasurementsEvent>, evse?: number): [number, MeterValue][] {
  const out: [number, MeterValue][] = [];
  for (const [connector, m] of latest) {
    if (connector < 1 || (evse !== undefined && evse !== 0 && evse !== connector)) continue;
    const sample = meterValue(ocppTimestamp(Date.parse(m.at)), sampledValues(m, 'Trigger'));
    if (sample !== undefined) out.push([connector, sample]);
  }
  return out;
}
