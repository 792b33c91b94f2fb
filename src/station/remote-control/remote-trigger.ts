/**
 * TriggerMessage (F06): Accepted only when the message will really be sent, Rejected when it does
 * not apply, NotImplemented only for messages this station does not implement at all (F06.FR.08).
 */
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import { background, type StationContext } from '../context.js';

export interface TriggerTargets {
  bootNotification(): 'Accepted' | 'Rejected';
  sendBootNotification(): void;
  sendHeartbeat(): Promise<void>;
  /** StatusNotification for one EVSE's connector, or all. */
  sendStatus(evse?: number): void;
  /** MeterValues with the last measurements; false when there are none to send. */
  sendMeterValues(evse?: number): Promise<boolean> | boolean;
  hasMeterValues(evse?: number): boolean;
  /** True when a transaction runs (on the EVSE, or any). */
  hasTransaction(evse?: number): boolean;
  sendTransactionEvent(evse?: number): void;
  /** FirmwareStatusNotification with the last status (L01.FR.25/26). */
  sendFirmwareStatus(): void;
  /** LogStatusNotification as things stand: Uploading with its requestId, or Idle (N01). */
  logStatus(): RequestOf<'LogStatusNotification'>;
  /** A new key pair and CSR, sent as SignCertificateRequest (A02). */
  signChargingStationCertificate(): void;
}

export class RemoteTrigger {
  constructor(
    private readonly ctx: StationContext,
    private readonly targets: TriggerTargets,
  ) {}

  trigger(req: RequestOf<'TriggerMessage'>): { response: ResponseOf<'TriggerMessage'>; after: () => void } {
    const evse = req.evse?.id;
    const none = (): void => undefined;
    if (evse !== undefined && (evse < 0 || evse > this.ctx.capabilities.connectorCount)) {
      return { response: { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } }, after: none };
    }
    switch (req.requestedMessage) {
      case 'BootNotification': {
        const status = this.targets.bootNotification();
        return { response: { status }, after: status === 'Accepted' ? () => this.targets.sendBootNotification() : none };
      }
      case 'Heartbeat':
        return { response: { status: 'Accepted' }, after: () => background(this.ctx, 'triggered Heartbeat', this.targets.sendHeartbeat()) };
      case 'StatusNotification':
        return { response: { status: 'Accepted' }, after: () => this.targets.sendStatus(evse === 0 ? undefined : evse) };
      case 'MeterValues':
        if (!this.targets.hasMeterValues(evse)) return { response: { status: 'Rejected', statusInfo: { reasonCode: 'NoMeterValues' } }, after: none };
        return { response: { status: 'Accepted' }, after: () => void this.targets.sendMeterValues(evse) };
      case 'FirmwareStatusNotification':
        return { response: { status: 'Accepted' }, after: () => this.targets.sendFirmwareStatus() };
      case 'LogStatusNotification':
        return { response: { status: 'Accepted' }, after: () => background(this.ctx, 'LogStatusNotification', this.ctx.call('LogStatusNotification', this.targets.logStatus())) };
      case 'SignChargingStationCertificate':
        return { response: { status: 'Accepted' }, after: () => this.targets.signChargingStationCertificate() };
      case 'TransactionEvent':
        if (!this.targets.hasTransaction(evse)) return { response: { status: 'Rejected', statusInfo: { reasonCode: 'NoTransaction' } }, after: none };
        return { response: { status: 'Accepted' }, after: () => this.targets.sendTransactionEvent(evse) };
      default:
        return { response: { status: 'NotImplemented' }, after: none };
    }
  }
}
