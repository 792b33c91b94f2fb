/**
 * Faults as OCPP events (N07/G05): a canonical fault raised or cleared becomes NotifyEvent on the
 * connector's (or the station's) `Problem` variable, with the legacy code as `techCode`; the device
 * model's Problem value follows. Sent when the CSMS can hear it; a fault that comes and goes while
 * offline is reported by the StatusNotifications that follow instead.
 */
import type { FaultEvent } from '../../model/events.js';
import type { RequestOf } from '../../ocpp/actions.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import { background, type StationContext } from '../context.js';

type EventData = RequestOf<'NotifyEvent'>['eventData'][number];

export class Faults {
  private nextEventId = 1;
  private readonly active = new Map<number, Set<string>>();

  constructor(private readonly ctx: StationContext) {}

  fault(e: FaultEvent): void {
    const set = this.active.get(e.connector) ?? new Set<string>();
    if (e.active) set.add(e.code);
    else set.delete(e.code);
    this.active.set(e.connector, set);
    const where = e.connector === 0 ? undefined : { evse: e.connector, connector: 1 };
    this.ctx.dm.setRuntime(e.connector === 0 ? 'ChargingStation' : 'Connector', 'Problem', set.size > 0, where);
    if (!this.ctx.isAccepted()) return;
    const data: EventData = {
      eventId: this.nextEventId++,
      timestamp: ocppTimestamp(Date.parse(e.at)),
      trigger: 'Delta',
      actualValue: e.active ? 'true' : 'false',
      techCode: e.code.slice(0, 50),
      techInfo: `${e.name ?? e.code} (${e.severity})${e.raw !== undefined ? ` raw ${String(e.raw)}` : ''}`.slice(0, 500),
      cleared: !e.active,
      eventNotificationType: 'HardWiredNotification',
      component: e.connector === 0 ? { name: 'ChargingStation' } : { name: 'Connector', evse: { id: e.connector, connectorId: 1 } },
      variable: { name: 'Problem' },
    };
    background(this.ctx, 'NotifyEvent', this.ctx.call('NotifyEvent', { generatedAt: ocppTimestamp(this.ctx.clock.now()), seqNo: 0, eventData: [data] }));
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly faults: Faults;
  }
}
