/**
 * Device model over OCPP (B05-B08): GetVariables, SetVariables, GetBaseReport and GetReport, the
 * reports sent as NotifyReport pages (seqNo from 0, `tbc` on all but the last) after the answer.
 */
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import { background, type StationContext } from '../context.js';
import { pages, type ReportDataType } from './device-model.js';

export class Variables {
  constructor(private readonly ctx: StationContext) {}

  getVariables(req: RequestOf<'GetVariables'>): ResponseOf<'GetVariables'> {
    return { getVariableResult: this.ctx.dm.get(req.getVariableData) };
  }

  async setVariables(req: RequestOf<'SetVariables'>): Promise<ResponseOf<'SetVariables'>> {
    return { setVariableResult: await this.ctx.dm.set(req.setVariableData) };
  }

  getBaseReport(req: RequestOf<'GetBaseReport'>): { response: ResponseOf<'GetBaseReport'>; after: () => void } {
    const items = this.ctx.dm.report(req.reportBase);
    if (items === undefined) return { response: { status: 'NotSupported' }, after: () => undefined };
    return { response: { status: 'Accepted' }, after: () => this.send(req.requestId, items) };
  }

  getReport(req: RequestOf<'GetReport'>): { response: ResponseOf<'GetReport'>; after: () => void } {
    const items = this.ctx.dm.reportFiltered(req.componentVariable, req.componentCriteria);
    if (items.length === 0) return { response: { status: 'EmptyResultSet' }, after: () => undefined };
    return { response: { status: 'Accepted' }, after: () => this.send(req.requestId, items) };
  }

  /** NotifyReport pages of at most ItemsPerMessage[GetReport] items. */
  private send(requestId: number, items: ReportDataType[]): void {
    const perPage = Math.max(1, this.ctx.dm.getNumber('DeviceDataCtrlr', 'ItemsPerMessage', { instance: 'GetReport' }) || 50);
    const all = pages(items, perPage);
    const generatedAt = ocppTimestamp(this.ctx.clock.now());
    const run = async (): Promise<void> => {
      for (let seqNo = 0; seqNo < all.length; seqNo++) {
        const reportData = all[seqNo] as ReportDataType[];
        await this.ctx.call('NotifyReport', { requestId, generatedAt, seqNo, ...(seqNo < all.length - 1 ? { tbc: true } : {}), reportData });
      }
    };
    background(this.ctx, 'NotifyReport', run());
  }
}
