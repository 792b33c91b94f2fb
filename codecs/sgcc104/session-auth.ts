/**
 * Card authentication and card-started sessions of a family-B connection
 * (docs/protocols/state-grid-dialects.md §7): the charger asks (`authorizationRequest`), the gateway
 * raises an `authorizationRequest` event and answers with the record the catalogue names (`answer`)
 * once the host decided (`authorize`): accepted or not, and why not in the dialect's own fail-reason
 * codes (the CSMS's word through the `failReason` values table, `default` for a word it lacks). A
 * start notice (`sessionStart`) reports the session and is answered with its own record. Passwords
 * the request carries are neither raised nor logged.
 */
import type { AuthorizeCommand, CommandOutcome } from '../../src/model/commands.js';
import type { RecordSpec } from './catalogue.js';
import type { FieldValues } from './fields.js';
import type { Roles } from './records.js';
import type { SgIo } from './session-io.js';
import type { SgSessions, SgStatus } from './session-status.js';
import { isoTime, optional, blank, failCode, fieldWith, text, yesCode } from './session-values.js';

interface AuthRequest {
  readonly requestId: string;
  readonly spec: RecordSpec;
  readonly connector: number;
  readonly card: string;
  readonly values: FieldValues;
}

/** Requests kept waiting for the host's answer; the oldest goes when more come. */
const MAX_WAITING = 16;

export class SgAuthorizations {
  private readonly waiting = new Map<string, AuthRequest>();
  private counter = 0;

  constructor(
    private readonly io: SgIo,
    private readonly status: SgStatus,
    private readonly sessions: SgSessions,
  ) {}

  /** The charger asks whether a card may charge. */
  request(spec: RecordSpec, roles: Roles, values: FieldValues): void {
    const connector = this.status.connector(spec, roles);
    if (connector === undefined) return;
    const card = text(roles.idToken) ?? '';
    this.counter = (this.counter + 1) % 1_000_000;
    const requestId = `${spec.name}-${connector}-${this.io.ctx.clock.now()}-${this.counter}`;
    if (this.io.spec(spec.answer) === undefined) {
      this.io.once(`noAnswer:${spec.name}`, 'warn', 'sgcc104 catalogue names no answer record for this authorization request: the charger cannot be answered', { record: spec.name });
    }
    this.waiting.set(requestId, { requestId, spec, connector, card, values });
    if (this.waiting.size > MAX_WAITING) {
      const oldest = this.waiting.keys().next();
      if (oldest.done !== true) this.waiting.delete(oldest.value);
    }
    this.io.event({ type: 'authorizationRequest', connector, idToken: { id: card, type: 'card' }, requestId });
  }

  /** The host's decision on a request (by its id, else the oldest open on the connector). */
  authorize(c: AuthorizeCommand): CommandOutcome {
    const req = c.requestId !== undefined ? this.waiting.get(c.requestId) : [...this.waiting.values()].find((r) => r.connector === c.connector);
    if (req === undefined) return { status: 'rejected', reason: 'no authorization request of the charger is waiting for an answer' };
    const answer = this.io.spec(req.spec.answer);
    if (answer === undefined) return { status: 'notSupported', reason: `the ${this.io.dialect.name} catalogue names no answer record for ${req.spec.name}` };
    this.waiting.delete(req.requestId);
    const dialect = this.io.dialect;
    const sent = this.io.send(
      answer,
      {
        idToken: req.card,
        accepted: yesCode(dialect, fieldWith(answer.fields, 'accepted'), c.accepted),
        failReason: c.accepted ? (codeOrZero(dialect, answer, 'Accepted') ?? 0) : failCode(dialect, fieldWith(answer.fields, 'failReason'), c.reason),
      },
      req.connector,
      {},
      undefined,
      this.io.echo(req.spec, req.values, answer),
    );
    if (!sent) return { status: 'rejected', reason: `the answer record ${answer.name} could not be sent` };
    this.io.result(c.id, 'completed');
    return { status: 'sent' };
  }

  /** A session the charger started by itself (a card): reported, and answered where the dialect answers it. */
  sessionStart(spec: RecordSpec, roles: Roles, values: FieldValues): void {
    const connector = this.status.connector(spec, roles);
    if (connector === undefined) return;
    const serial = text(roles.transactionId);
    const card = text(roles.idToken);
    const meterStartWh = this.status.energy(spec, roles, 'meterStart');
    if (serial !== undefined && !blank(serial)) {
      this.sessions.started(connector, serial, {
        ...(card !== undefined && !blank(card) ? { idToken: { id: card, type: 'card' } } : {}),
        ...(meterStartWh !== undefined ? { meterStartWh } : {}),
        ...optional('startedAt', isoTime(roles.startTime)),
      });
    }
    const answer = this.io.spec(spec.answer);
    if (answer === undefined) return;
    const roles2 = { ...(serial !== undefined ? { transactionId: serial } : {}), result: yesCode(this.io.dialect, fieldWith(answer.fields, 'result'), true) };
    this.io.send(answer, roles2, connector, {}, undefined, this.io.echo(spec, values, answer));
  }
}

/** The fail-reason code the answer's table gives `Accepted`, if it names one. */
function codeOrZero(dialect: SgIo['dialect'], answer: RecordSpec, word: string): number | undefined {
  const table = fieldWith(answer.fields, 'failReason')?.values;
  if (table === undefined) return undefined;
  for (const [code, w] of dialect.values.get(table) ?? []) if (w === word) return code;
  return undefined;
}
