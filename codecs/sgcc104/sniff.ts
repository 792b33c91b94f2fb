/**
 * Whether a connection's first bytes are a family-B charger's (docs/protocols/state-grid-dialects.md
 * §1, §7): a family-B charger speaks first, with its login, which is not an APDU. The head is `yes`
 * when it starts with a whole login of the dialect (its prefix, its fixed length, and fields that
 * decode: a valid BCD charger id) followed by nothing or by what begins as a frame does, `more` while
 * it is a prefix of one, else `no`. Without options (is a charger on another codec's port one of
 * ours?), the shipped dialects' logins are tried. Link frames (STARTDT, TESTFR) are never claimed:
 * a connection does not start with them, and they are plain IEC 104's too.
 */
import type { SniffResult } from '../codec.js';
import type { Dialect } from './catalogue.js';
import { BUILT_IN_DIALECTS, loadDialect } from './load-catalogue.js';
import type { Sgcc104Options } from './options.js';
import { decodeLogin } from './wire.js';

const START = 0x68;

/** The zone a login's clock fields (if any) are read in; a sniff only asks whether they decode. */
const SNIFF_ZONE = 'Asia/Shanghai';

let shipped: readonly Dialect[] | undefined;

/** The built-in dialects, loaded on the first sniff without options. */
function shippedDialects(): readonly Dialect[] {
  shipped ??= BUILT_IN_DIALECTS.map((name) => loadDialect(name));
  return shipped;
}

/** The dialect's judgement of `head`: a whole login (and a frame start after it), a prefix of one, or neither. */
export function sniffLogin(dialect: Dialect, head: Uint8Array, timeZone: string = SNIFF_ZONE): SniffResult {
  const { prefix, octets } = dialect.login;
  if (prefix.length === 0) return head.length === 0 ? 'more' : 'no';
  for (let i = 0; i < prefix.length; i++) {
    if (i >= head.length) return 'more';
    if (head[i] !== prefix[i]) return 'no';
  }
  if (head.length < octets) return 'more';
  if (!decodeLogin(dialect, Buffer.from(head.buffer, head.byteOffset, octets), timeZone).ok) return 'no';
  return head.length === octets || head[octets] === START ? 'yes' : 'no';
}

export function sniffSgcc104(head: Uint8Array, options: Sgcc104Options | undefined): SniffResult {
  if (head.length === 0) return 'more';
  if (head[0] !== START) return 'no';
  if (options !== undefined) return sniffLogin(options.dialect, head, options.timeZone);
  const answers = shippedDialects().map((d) => sniffLogin(d, head));
  if (answers.includes('yes')) return 'yes';
  return answers.includes('more') ? 'more' : 'no';
}
