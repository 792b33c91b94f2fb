/**
 * The OCPP trace: every message of one station's connection, in both directions, as the endpoint
 * wrote or read it, for an operator who must see what the CSMS and the station said to each
 * other. Secrets never reach it: the Basic-auth password however it travels (a SetVariables of
 * BasicAuthPassword, a GetVariables answer, a report), the VPN and APN credentials of a network
 * profile, the user info of a URL, and anything that looks like a private key.
 */
import { redactUserinfo } from '../core/url-userinfo.js';
import { MESSAGE_TYPE, parseFrame } from './frames.js';

/** One traced message. `action` of an answer is its CALL's, when the answer matched one. */
export interface OcppTraceEntry {
  readonly direction: 'sent' | 'received';
  readonly messageType: 'CALL' | 'CALLRESULT' | 'CALLERROR' | 'invalid';
  readonly messageId?: string;
  readonly action?: string;
  readonly payload?: unknown;
  /** CALLERROR code and description; for an invalid frame, why it is not one. */
  readonly errorCode?: string;
  readonly errorDescription?: string;
  readonly errorDetails?: unknown;
  /** Length of an invalid frame's text (its content is not traced: it may be anything). */
  readonly length?: number;
}

export type OcppTrace = (entry: OcppTraceEntry) => void;

/** The value a secret is replaced with. */
const REDACTED = '[redacted]';

/** Field names whose values are secrets wherever they appear in a payload. */
const SECRET_FIELDS: ReadonlySet<string> = new Set(['password', 'apnPassword', 'simPin', 'key', 'privateKey', 'basicAuthPassword', 'secret', 'passphrase', 'authorization']);

/** Device-model variables whose values are secrets (BasicAuthPassword, B09; any other password, passphrase, secret, key or PIN). */
const SECRET_VARIABLE = /password|passphrase|secret|key$|pin$/i;

function secretVariable(value: Readonly<Record<string, unknown>>): boolean {
  const variable = value['variable'];
  if (typeof variable !== 'object' || variable === null) return false;
  const name = (variable as Record<string, unknown>)['name'];
  return typeof name === 'string' && SECRET_VARIABLE.test(name);
}

/** A copy of `value` with every secret replaced by `[redacted]` (see the module comment). */
export function redactOcpp(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.includes('PRIVATE KEY-----')) return REDACTED;
    return redactUserinfo(value);
  }
  if (Array.isArray(value)) return value.map(redactOcpp);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Readonly<Record<string, unknown>>;
  // A variable's value: SetVariableData / GetVariableResult (attributeValue), ReportData (variableAttribute[].value).
  const secret = secretVariable(record);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (SECRET_FIELDS.has(k) || (secret && k === 'attributeValue')) out[k] = REDACTED;
    else if (secret && k === 'variableAttribute' && Array.isArray(v)) out[k] = v.map((a: unknown) => (typeof a === 'object' && a !== null && 'value' in a ? { ...a, value: REDACTED } : a));
    else out[k] = redactOcpp(v);
  }
  return out;
}

/**
 * The trace entry of one text message, redacted; `actionOf` names the CALL an answer belongs to.
 * Only called while a trace is on: the message is parsed again rather than threading the frame
 * through every writer.
 */
export function traceEntry(direction: OcppTraceEntry['direction'], text: string, actionOf: (messageId: string) => string | undefined): OcppTraceEntry {
  const parsed = parseFrame(text);
  if (!parsed.ok)
    return {
      direction,
      messageType: 'invalid',
      ...(parsed.id !== '-1' ? { messageId: parsed.id } : {}),
      errorCode: parsed.error.code,
      errorDescription: parsed.error.description,
      length: text.length,
    };
  const { frame } = parsed;
  switch (frame.type) {
    case MESSAGE_TYPE.CALL:
      return { direction, messageType: 'CALL', messageId: frame.id, action: frame.action, payload: redactOcpp(frame.payload) };
    case MESSAGE_TYPE.CALLRESULT: {
      const action = actionOf(frame.id);
      return { direction, messageType: 'CALLRESULT', messageId: frame.id, ...(action !== undefined ? { action } : {}), payload: redactOcpp(frame.payload) };
    }
    case MESSAGE_TYPE.CALLERROR: {
      const action = actionOf(frame.id);
      return {
        direction,
        messageType: 'CALLERROR',
        messageId: frame.id,
        ...(action !== undefined ? { action } : {}),
        errorCode: frame.code,
        errorDescription: frame.description,
        errorDetails: redactOcpp(frame.details),
      };
    }
  }
}
