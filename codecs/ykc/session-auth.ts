/**
 * Card, password and VIN starts of a YKC connection (docs/protocols/ykc.md §4, §6 step 5): the pile asks (0x31), the
 * gateway raises an `authorizationRequest` and answers 0x32 with the host's decision (or at once
 * with `authorizeLocally`). An accepted start gets a gateway serial and becomes a transaction of
 * `YkcTransactions`, which starts once the pile reports it charging.
 */
import type { AuthorizeCommand, CommandOutcome } from '../../src/model/commands.js';
import type { IdToken } from '../../src/model/events.js';
import type { YkcOutbox } from './session-io.js';
import { authFailCode, cardId, gunNo } from './session-support.js';
import type { YkcTransactions } from './session-transactions.js';
import type { YkcFrameOf } from './types.js';

interface AuthRequest {
  readonly requestId: string;
  readonly sequence: number;
  readonly connector: number;
  readonly gun: string;
  readonly idToken: IdToken;
  readonly cardNo: string;
}

export class YkcAuthorizations {
  /** Requests waiting for the host's `authorize`, by request id. */
  private readonly auths = new Map<string, AuthRequest>();

  constructor(
    private readonly io: YkcOutbox,
    private readonly transactions: YkcTransactions,
    private readonly pileCode: () => string | undefined,
  ) {}

  /** 0x31: a card (or its password) or a VIN asks to start. */
  startRequest(f: YkcFrameOf<'startRequest'>): void {
    const connector = gunNo(f.gun);
    const card = cardId(f.cardNo, this.io.cardFormat);
    const idToken: IdToken = f.startMode === 3 ? { id: f.vin, type: 'vin' } : f.startMode === 2 && f.passwordRequired === 1 ? { id: card, type: 'password' } : { id: card, type: 'card' };
    const requestId = `${f.gun}-${f.sequence}-${this.io.ctx.clock.now()}`;
    const req: AuthRequest = { requestId, sequence: f.sequence, connector, gun: f.gun, idToken, cardNo: f.cardNo };
    this.io.event({ type: 'authorizationRequest', connector, idToken, requestId });
    if (this.io.ctx.options.authorizeLocally === true) {
      this.answer(req, true, undefined);
    } else {
      this.auths.set(requestId, req);
    }
  }

  /** The host's decision on a request (by its id, else the one open on the connector): 0x32. */
  authorize(c: AuthorizeCommand): CommandOutcome {
    const req = c.requestId !== undefined ? this.auths.get(c.requestId) : [...this.auths.values()].find((a) => a.connector === c.connector);
    if (req === undefined) return { status: 'rejected', reason: 'no open authorization request' };
    this.auths.delete(req.requestId);
    this.answer(req, c.accepted, c.reason);
    this.io.result(c.id, 'completed');
    return { status: 'sent' };
  }

  private answer(req: AuthRequest, accepted: boolean, reason: string | undefined): void {
    const pile = this.pileCode() ?? '0';
    const transactionNo = accepted ? this.transactions.authorized(pile, req.connector, req.gun, req.idToken) : '0';
    this.io.sendFrame({
      type: 'startConfirm',
      sequence: req.sequence,
      transactionNo,
      pileCode: pile,
      gun: req.gun,
      logicalCardNo: /^[0-9]{1,16}$/.test(req.cardNo) ? req.cardNo : '0',
      balanceYuan: this.io.ctx.options.balanceYuan ?? 1000,
      authResult: accepted ? 1 : 0,
      failReason: accepted ? 0 : authFailCode(reason, req.idToken),
    });
  }
}
