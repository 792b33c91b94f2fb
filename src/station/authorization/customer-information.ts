/**
 * CustomerInformation (OCPP 2.0.1 N09 report, N10 clear): what the station holds about one
 * customer, reported to the CSMS in NotifyCustomerInformation messages and, on `clear`, removed.
 *
 * A station of this gateway knows customers only by their id tokens. For an idToken it holds:
 * - its Local Authorization List entry: reported, never cleared (N10.FR.03/06: only the CSMS
 *   changes the list, with SendLocalList, N10.FR.02);
 * - its Authorization Cache entry: reported, and removed on clear;
 * - the charger's own offline list (YKC offline cards): a card the list accepts is there as the
 *   list's copy and is kept with the list; any other card is removed from the charger on clear
 *   (the gateway cannot read that list: the card may have been put there by the charger's former
 *   platform, or its removal not confirmed yet);
 * - TransactionEvents still queued for the CSMS that carry the token: reported, never cleared
 *   (they are the transaction's billing record the CSMS has not received yet). Once sent, the
 *   station keeps no token with a transaction.
 * It holds no customer identifiers and no customer certificates (legacy chargers have no ISO 15118
 * contract certificates): a request by either is answered Accepted and reported as no data held.
 *
 * Answers: Invalid unless exactly one of idToken, customerCertificate and customerIdentifier is
 * given (N09.FR.04); Rejected when neither report nor clear is set (N09.FR.07, N10.FR.07) or when
 * the store could not be read or written; else Accepted, and NotifyCustomerInformation follows:
 * with report, one record per message (a record longer than 512 characters, the field's limit,
 * continues in the next one), `tbc` true on all but the last; without report but with clear, one
 * message saying what was cleared (N10.FR.06); when nothing is held, one message saying so
 * (N09.FR.06, N10.FR.04).
 */
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import type { HandlerResult } from '../../ocpp/rpc-types.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import { background, type StationContext } from '../context.js';
import { TX_QUEUE, type QueuedTransactionEvent } from '../transactions/tx-queue.js';
import type { AuthCache } from './auth-cache.js';
import { cacheTokenKey } from './auth-cache.js';
import type { LocalList } from './local-list.js';

type Request = RequestOf<'CustomerInformation'>;
type OcppIdToken = NonNullable<Request['idToken']>;

/** NotifyCustomerInformation `data` is at most this many characters. */
export const PART_CHARS = 512;
/** Queued TransactionEvents looked through for the token. */
const QUEUE_SCAN = 1000;

const tokenText = (t: OcppIdToken): string => `${t.type} ${t.idToken}`;

/** `records` as message parts: one record per part, a record above PART_CHARS continued in the next. */
export function parts(records: readonly string[]): string[] {
  const out: string[] = [];
  for (const r of records) for (let i = 0; i < Math.max(r.length, 1); i += PART_CHARS) out.push(r.slice(i, i + PART_CHARS));
  return out;
}

export class CustomerInformation {
  constructor(
    private readonly ctx: StationContext,
    private readonly list: LocalList,
    private readonly cache: AuthCache,
  ) {}

  async request(req: Request): Promise<HandlerResult<'CustomerInformation'>> {
    const given = [req.idToken, req.customerCertificate, req.customerIdentifier].filter((x) => x !== undefined).length;
    if (given !== 1) return invalid(given === 0 ? 'none of idToken, customerCertificate, customerIdentifier given' : 'more than one of idToken, customerCertificate, customerIdentifier given');
    if (!req.report && !req.clear) return { status: 'Rejected', statusInfo: { reasonCode: 'InvalidValue', additionalInfo: 'neither report nor clear is set' } };
    let records: string[];
    try {
      records = req.idToken !== undefined ? await this.forToken(req.idToken, req.clear) : [];
    } catch (err) {
      this.ctx.log('warn', 'CustomerInformation not handled: the store failed', { error: err instanceof Error ? err.message : String(err) });
      return { status: 'Rejected', statusInfo: { reasonCode: 'InternalError', additionalInfo: 'the station store could not be read or written' } };
    }
    const what = req.idToken !== undefined ? `idToken ${tokenText(req.idToken)}` : req.customerIdentifier !== undefined ? `customerIdentifier ${req.customerIdentifier}` : 'this customerCertificate';
    let data: string[];
    if (records.length === 0)
      data = [`No data found: the station holds nothing for ${what}${req.idToken === undefined ? ' (it knows customers only by their id tokens; its charger has no ISO 15118 certificates)' : ''}.`];
    else if (req.report) data = parts(records);
    else data = [`Customer data for ${what} cleared (the Local Authorization List and TransactionEvents not yet delivered are kept).`];
    this.ctx.log('info', 'CustomerInformation', { report: req.report, clear: req.clear, records: records.length, messages: data.length });
    return { response: { status: 'Accepted' }, after: () => background(this.ctx, 'NotifyCustomerInformation', this.notify(req.requestId, data)) };
  }

  /** The records held for `idToken`, each one line; with `clear`, what could be removed is removed first. */
  private async forToken(idToken: OcppIdToken, clear: boolean): Promise<string[]> {
    const records: string[] = [];
    const listed = this.list.lookup(idToken);
    if (listed !== undefined) {
      const { version } = this.list.state;
      records.push(
        `Local Authorization List (version ${version}): ${tokenText(idToken)}, status ${listed.status}${listed.groupIdToken !== undefined ? `, groupIdToken ${tokenText(listed.groupIdToken)}` : ''}${clear ? '; kept: only the CSMS changes the list (SendLocalList)' : ''}.`,
      );
    }
    const cached = this.cache.peek(idToken);
    if (cached !== undefined) {
      const expiry = cached.info.cacheExpiryDateTime !== undefined ? `, cacheExpiryDateTime ${cached.info.cacheExpiryDateTime}` : '';
      const group = cached.info.groupIdToken !== undefined ? `, groupIdToken ${tokenText(cached.info.groupIdToken)}` : '';
      records.push(`Authorization cache: status ${cached.info.status}${group}${expiry}, last used ${ocppTimestamp(cached.used)}${cached.expired ? ' (expired)' : ''}${clear ? '; removed' : ''}.`);
      if (clear) await this.cache.remove(idToken);
    }
    const holds = this.list.chargerHolds(idToken);
    if (holds === 'copy') records.push(`Charger offline list: holds the token as its copy of the Local Authorization List${clear ? '; kept with the list' : ''}.`);
    else if (clear && (holds === 'stale' || holds === 'none') && (await this.list.removeFromCharger(idToken, 'CustomerInformation clear'))) {
      records.push(
        `Charger offline list: ${holds === 'stale' ? 'a removal was not confirmed by the charger' : 'the gateway cannot read it and never put the token there'}; removal sent to the charger.`,
      );
    } else if (holds === 'stale') records.push('Charger offline list: may still hold the token (the charger has not confirmed its removal).');
    for (const e of await this.queued(idToken)) {
      const p = e.payload;
      records.push(
        `TransactionEvent not yet delivered: transactionId ${p.transactionInfo.transactionId}, eventType ${p.eventType}, seqNo ${p.seqNo}, timestamp ${p.timestamp}${p.evse !== undefined ? `, evse ${p.evse.id}` : ''}${clear ? '; kept: the transaction record the CSMS is owed' : ''}.`,
      );
    }
    return records;
  }

  /** Queued TransactionEvents carrying `idToken`. */
  private async queued(idToken: OcppIdToken): Promise<QueuedTransactionEvent[]> {
    const key = cacheTokenKey(idToken);
    const entries = await this.ctx.store.peek(this.ctx.id, TX_QUEUE, QUEUE_SCAN);
    return entries.map((e) => e.item as unknown as QueuedTransactionEvent).filter((e) => e.payload?.idToken !== undefined && cacheTokenKey(e.payload.idToken) === key);
  }

  /** NotifyCustomerInformation for each part, in order; seqNo from 0, tbc on all but the last. */
  private async notify(requestId: number, data: readonly string[]): Promise<void> {
    const generatedAt = ocppTimestamp(this.ctx.clock.now());
    for (const [seqNo, part] of data.entries()) {
      await this.ctx.call('NotifyCustomerInformation', { data: part, seqNo, generatedAt, requestId, ...(seqNo < data.length - 1 ? { tbc: true } : {}) });
    }
  }
}

function invalid(additionalInfo: string): ResponseOf<'CustomerInformation'> {
  return { status: 'Invalid', statusInfo: { reasonCode: 'InvalidValue', additionalInfo } };
}
