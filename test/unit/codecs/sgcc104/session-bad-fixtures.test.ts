/**
 * The malformed fixtures of each dialect (`fixtures/sgcc104/<dialect>/bad/`) fed to a logged-in
 * session: a well-framed record that cannot be read (bad BCD, short) or that the catalogue does not
 * name is counted and logged, never an error of the connection nor a close, and the session goes on
 * answering; a framing error spends the bad-frame budget (`sink.error`) and nothing more.
 */
import { describe, expect, it } from 'vitest';
import { loadDialect } from '../../../../codecs/sgcc104/load-catalogue.js';
import { linkWire, Sgcc104Framer } from '../../../../codecs/sgcc104/wire.js';
import { loadHexFixtures, type HexFixture } from '../../../support/fixtures.js';
import { sgRig } from '../../../support/sgcc104-session.js';

/** The charger id each dialect's fixtures carry. */
const IDS = { b1: '8401011011112213', b2: '3301020000000123', b3: '3100000000010019' } as const;
const FRAMING = new Set(['SGCC104_BAD_START', 'SGCC104_BAD_LENGTH', 'SGCC104_BAD_CHECKSUM', 'SGCC104_TRUNCATED']);
const REASON: Readonly<Record<string, string>> = { SGCC104_BAD_BCD: 'malformed', SGCC104_SHORT_RECORD: 'malformed', SGCC104_UNKNOWN_RECORD: 'unknown_type' };

const wellFramed = (f: HexFixture): boolean => f.expect.every((e) => !FRAMING.has(e.code));

describe.each(Object.keys(IDS) as (keyof typeof IDS)[])('sgcc104 %s session fed its bad fixtures', (name) => {
  const dialect = loadDialect(name);
  const fixtures = loadHexFixtures('sgcc104', name, 'bad');
  const auth = dialect.records.find((r) => r.meaning === 'authorizationRequest');

  /** I-frames in the fixture that reach the link (framing errors never do). */
  const iFrames = (bytes: Buffer): number => {
    const wire = linkWire(dialect);
    return new Sgcc104Framer(dialect).push(bytes).filter((item) => {
      if (item.kind === 'error' || item.kind === 'login') return false;
      const apci = wire.apci(item.frame);
      return apci.ok && apci.value.format === 'I';
    }).length;
  };

  /** A logged-in session, the fixture fed in one chunk. */
  const fed = (f: HexFixture) => {
    const r = sgRig(dialect);
    r.up(IDS[name]);
    const sentBefore = r.sent.length;
    r.bytes(f.bytes);
    r.skipSequence(iFrames(f.bytes));
    return { r, sentBefore };
  };

  it('has well-framed and framing-bad fixtures', () => {
    expect(fixtures.filter(wellFramed).length).toBeGreaterThanOrEqual(3);
    expect(fixtures.filter((f) => !wellFramed(f)).length).toBeGreaterThanOrEqual(1);
    expect(auth?.answer).toBeDefined();
  });

  it.each(fixtures.filter(wellFramed).map((f) => [f.name, f] as const))('%s: counted as ignored and logged, no error, no close; the next card request is answered', (_, f) => {
    const { r } = fed(f);
    expect(r.errors).toEqual([]);
    expect(r.closed).toEqual([]);
    // The fixture's good frames (a monitoring record, a TESTFR) are read as usual.
    expect(r.ignored).toEqual(f.expect.map((e) => REASON[e.code]));
    for (const e of f.expect) expect(r.logs).toContainEqual(expect.objectContaining({ level: 'warn', data: expect.objectContaining({ code: e.code }) }));

    r.record('cardAuthRequest', { connector: 1, idToken: '1000200030004000' });
    const [req] = r.eventsOf('authorizationRequest');
    expect(req).toMatchObject({ connector: 1, idToken: { id: '1000200030004000', type: 'card' } });
    r.session.command({ type: 'authorize', id: 'a1', connector: 1, idToken: { id: '1000200030004000', type: 'card' }, accepted: true, requestId: req?.requestId ?? '' });
    expect(r.records(auth?.answer)).toHaveLength(1);
    expect(r.resultOf('a1')).toMatchObject({ status: 'completed' });
    expect(r.errors).toEqual([]);
    expect(r.closed).toEqual([]);
  });

  it.each(fixtures.filter((f) => !wellFramed(f)).map((f) => [f.name, f] as const))('%s: a framing error spends the budget (sink.error), no close, no throw', (_, f) => {
    const { r } = fed(f);
    const framing = f.expect.filter((e) => FRAMING.has(e.code)).map((e) => e.code);
    const unreadable = f.expect.filter((e) => !FRAMING.has(e.code)).map((e) => REASON[e.code]);
    if (f.name === 'sample-start-result-one-octet-length') {
      // Read with B3's two-octet length, its control field acknowledges I-frames the gateway never
      // sent: the link closes by the IEC 104 rule (N(R) out of range), not because of the framing.
      expect(r.closed).toEqual(['link invalid-nr']);
      expect(r.ignored).toEqual([]);
      return;
    }
    expect(r.closed).toEqual([]);
    if (framing.includes('SGCC104_TRUNCATED')) {
      // A frame cut short: mid-stream the session waits for its rest, nothing spent yet.
      expect(r.errors).toEqual([]);
      return;
    }
    // A TESTFR act after it: answered (a stray octet at the fixture's end is reported once the next start octet shows it is no frame).
    const before = r.sent.length;
    r.u('TESTFR_ACT');
    expect(r.sent.slice(before)).toContainEqual({ kind: 'u', fn: 'TESTFR_CON' });
    expect(r.errors.map((e) => e.code)).toEqual(framing);
    // Good frames in the fixture (B2's intact stop result: no command waits for it) are read as usual.
    expect(r.ignored.filter((i) => i === 'malformed' || i === 'unknown_type')).toEqual(unreadable);
    expect(r.closed).toEqual([]);
  });
});
