/**
 * What the YKC charger reports about its guns: real-time data (0x13) -> measurements, connector
 * status on change, hardware-fault bits raised and cleared; parking-lock reports (0x61) -> lock
 * alarms as faults, lock and bay state logged (the canonical model has no parking-lock event).
 */
import type { ChargingState, ConnectorStatus, CurrentType, Measurement, Timestamp } from '../../src/model/events.js';
import { HARDWARE_FAULT_BITS } from './constants.js';
import type { YkcOutbox } from './session-io.js';
import { gunNo, round } from './session-support.js';
import type { YkcFrameOf } from './types.js';

interface GunState {
  status?: ConnectorStatus;
  plugged?: boolean;
  chargingState?: ChargingState;
  faults: number;
  /** Last 0x61 alarm byte. */
  lockAlarm: number;
}

/** 0x61 alarm byte -> fault name (docs/protocols/ykc.md §4). */
const LOCK_ALARMS: Readonly<Record<number, string>> = { 0xff: 'parkingLockDamagedWhileIdle', 0x55: 'parkingLockLiftFault' };
const LOCK_STATES: Readonly<Record<number, string>> = { 0x00: 'notInPosition', 0x55: 'raised', 0xff: 'lowered' };

export class YkcGunStatus {
  private readonly guns = new Map<number, GunState>();

  constructor(private readonly io: YkcOutbox) {}

  /**
   * 0x13: measurements every time, connector status and faults on change. The energy value is the
   * frame's "charged energy" (本次充电度数): YKC real-time data carries no meter register, so a
   * session's energy is counted from 0 at its start (see `YkcTransactions`).
   */
  realTime(f: YkcFrameOf<'realTimeData'>, currentType: CurrentType, at: Timestamp): void {
    const connector = gunNo(f.gun);
    const charging = f.status === 3;
    const values: Measurement[] = [
      { measurand: 'voltage', value: f.outputVoltageV },
      { measurand: 'current', value: f.outputCurrentA },
      { measurand: 'power', value: round(f.outputVoltageV * f.outputCurrentA, 1) },
      { measurand: 'energy', value: round(f.energyKwh * 1000, 1), raw: f.energyKwh },
      { measurand: 'temperature', value: f.gunCableTempC },
    ];
    if (charging && currentType === 'DC') values.push({ measurand: 'soc', value: f.socPercent });
    this.io.event({ type: 'measurements', connector, at, values });

    const state = this.gun(connector);
    const plugged = f.plugged === 1;
    const status: ConnectorStatus = f.status === 0 ? 'unavailable' : f.status === 1 ? 'faulted' : charging || plugged ? 'occupied' : 'available';
    const chargingState: ChargingState = charging ? 'charging' : plugged ? 'evConnected' : 'idle';
    if (state.status !== status || state.plugged !== plugged || state.chargingState !== chargingState) {
      state.status = status;
      state.plugged = plugged;
      state.chargingState = chargingState;
      this.io.event({ type: 'connectorStatus', connector, status, plugged, chargingState, at, raw: f.status });
    }
    this.faults(f, at);
  }

  /**
   * 0x13 hardware-fault bits raised and cleared. Alone while the gun's real-time data is kept back
   * (a gun waiting for a record, see `YkcRecordWaits`): a fault is the gun's, whatever session runs.
   */
  faults(f: YkcFrameOf<'realTimeData'>, at: Timestamp): void {
    const connector = gunNo(f.gun);
    const state = this.gun(connector);
    const changed = state.faults ^ f.hardwareFaults;
    for (let bit = 0; bit < 16; bit++) {
      if ((changed & (1 << bit)) === 0) continue;
      const active = (f.hardwareFaults & (1 << bit)) !== 0;
      const name = HARDWARE_FAULT_BITS[bit] ?? `bit${bit}`;
      this.io.event({ type: 'fault', connector, code: `ykc.hw.${name}`, name, severity: bit === 0 ? 'critical' : 'error', active, at, raw: bit });
    }
    state.faults = f.hardwareFaults;
  }

  /**
   * 0x61 (on change and every 5 min): the alarm byte raises and clears a `warning` fault (a broken
   * lock arm does not stop the gun charging); lock and bay state have no canonical event and are
   * logged.
   */
  parkingLock(f: YkcFrameOf<'parkingLockStatus'>, at: Timestamp): void {
    const connector = gunNo(f.gun);
    const state = this.gun(connector);
    this.io.ctx.sink.log('info', 'ykc parking lock', {
      connector,
      lock: LOCK_STATES[f.lockState] ?? `0x${f.lockState.toString(16)}`,
      bay: f.spaceState === 0 ? 'empty' : f.spaceState === 0xff ? 'occupied' : `0x${f.spaceState.toString(16)}`,
      batteryPercent: f.batteryPercent,
      alarm: f.alarm,
    });
    if (state.lockAlarm === f.alarm) return;
    if (state.lockAlarm !== 0) this.lockFault(connector, state.lockAlarm, false, at);
    if (f.alarm !== 0) this.lockFault(connector, f.alarm, true, at);
    state.lockAlarm = f.alarm;
  }

  private lockFault(connector: number, alarm: number, active: boolean, at: Timestamp): void {
    const name = LOCK_ALARMS[alarm] ?? `parkingLockAlarm0x${alarm.toString(16)}`;
    this.io.event({ type: 'fault', connector, code: `ykc.lock.${name}`, name, severity: 'warning', active, at, raw: alarm });
  }

  private gun(connector: number): GunState {
    let g = this.guns.get(connector);
    if (g === undefined) {
      g = { faults: 0, lockAlarm: 0 };
      this.guns.set(connector, g);
    }
    return g;
  }
}
