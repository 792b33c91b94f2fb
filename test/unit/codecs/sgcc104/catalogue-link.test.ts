/**
 * A catalogue's link timers and login connector count, as the loader checks them: contradictory or
 * out-of-range link parameters are refused at file:line:column with their JSON pointer, by the rules
 * the IEC 104 link itself applies, so a catalogue that loads gives a link the gateway and the
 * simulator both accept; a login may state its connector count in one uint field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDialect } from '../../../../codecs/sgcc104/load-catalogue.js';
import { linkOverrides, linkParams } from '../../../../codecs/sgcc104/session-link.js';
import { resolveLinkParameters } from '../../../../src/iec104/link.js';
import { configError } from '../../../support/config-error.js';
import { MADE_UP_DIALECT } from '../../../support/sgcc104-made-up-dialect.js';
import { testSeed } from '../../../support/seed.js';

const FILE = 'dialects/zz.yaml';
const LINK = '  t3: 15\n';
const GUNS = '    - { name: gunCount, encoding: uint, octets: 1 }\n';

function variant(from: string, to: string): string {
  expect(MADE_UP_DIALECT.split(from)).toHaveLength(2);
  return MADE_UP_DIALECT.replace(from, to);
}

/** The one issue of `text`, with the line it points at checked against `at`. */
function issueOf(text: string, at: string): { pointer: string; reason: string } {
  const e = configError(() => parseDialect(text, FILE));
  expect(e.issues).toHaveLength(1);
  const i = e.issues[0];
  if (i === undefined) throw new Error('no issue');
  const where = text.indexOf(at);
  expect(where).toBeGreaterThanOrEqual(0);
  expect(i.line).toBe(text.slice(0, where).split('\n').length);
  expect(i.column).toBeGreaterThan(0);
  expect(e.message).toBe(`${FILE}:${i.line}:${i.column}: ${i.pointer}: ${i.reason}`);
  return { pointer: i.pointer, reason: i.reason };
}

describe('sgcc104 catalogue: link timers', () => {
  const cases = [
    { what: 't2 not below t1', link: '  t1: 10\n  t2: 10\n', at: 't2: 10', pointer: '/link/t2', reason: /t2 \(10 s\) must be less than t1 \(10 s\)/ },
    { what: 't2 alone not below the default t1', link: '  t2: 20\n', at: 't2: 20', pointer: '/link/t2', reason: /t2 \(20 s\) must be less than t1 \(15 s, the IEC default\)/ },
    { what: 'w above k', link: '  k: 4\n  w: 5\n', at: 'w: 5', pointer: '/link/w', reason: /w \(5\) must not exceed k \(4\)/ },
    { what: 'w alone above the default k', link: '  w: 13\n', at: 'w: 13', pointer: '/link/w', reason: /w \(13\) must not exceed k \(12, the IEC default\)/ },
    { what: 'a t1 of 0', link: '  t1: 0\n', at: 't1: 0', pointer: '/link/t1', reason: /must be >= 1/ },
    { what: 'a k beyond the sequence space', link: '  k: 40000\n', at: 'k: 40000', pointer: '/link/k', reason: /must be <= 32767/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.what}`, () => {
      const issue = issueOf(variant(LINK, `${LINK}${c.link}`), c.at);
      expect(issue.pointer).toBe(c.pointer);
      expect(issue.reason).toMatch(c.reason);
    });
  }

  it('fills in what a catalogue leaves out so it agrees with what it gives: t1 alone halves t2, k alone caps w', () => {
    const d = parseDialect(variant(LINK, `${LINK}  t1: 6\n  k: 3\n`), FILE);
    expect(linkParams(d.link)).toEqual({ params: { t1: 6000, t2: 3000, t3: 15000, k: 3, w: 3 } });
  });

  it('any timers in the schema ranges: the catalogue loads exactly when the IEC 104 link accepts its parameters', () => {
    const opt = (max: number) => fc.option(fc.integer({ min: 1, max }), { nil: undefined });
    fc.assert(
      fc.property(opt(40), opt(40), opt(60), opt(20), opt(20), (t1, t2, t3, k, w) => {
        const given = Object.entries({ t1, t2, t3, k, w }).filter(([, v]) => v !== undefined);
        const text = variant(LINK, given.map(([key, v]) => `  ${key}: ${v}\n`).join('') || LINK);
        let accepted = true;
        try {
          resolveLinkParameters(linkOverrides({ t1, t2, t3, k, w }));
        } catch {
          accepted = false;
        }
        let loaded: ReturnType<typeof parseDialect> | undefined;
        try {
          loaded = parseDialect(text, FILE);
        } catch {
          loaded = undefined;
        }
        expect(loaded !== undefined).toBe(accepted);
        if (loaded !== undefined) expect(linkParams(loaded.link).refused).toBeUndefined();
      }),
      { seed: testSeed('catalogue-link.test'), numRuns: 400 },
    );
  });
});

describe('sgcc104 catalogue: the login connector count', () => {
  it('takes one uint login field with role connectorCount', () => {
    const d = parseDialect(variant(GUNS, '    - { name: gunCount, encoding: uint, octets: 1, role: connectorCount }\n'), FILE);
    expect(d.login.fields.find((f) => f.role === 'connectorCount')?.name).toBe('gunCount');
  });

  it('refuses a connectorCount that is not a uint', () => {
    const text = variant(GUNS, '    - { name: gunCount, encoding: bcd, octets: 1, role: connectorCount }\n');
    expect(issueOf(text, 'name: gunCount')).toEqual({ pointer: '/login/fields/0/encoding', reason: 'a connectorCount is a uint field; gunCount is bcd' });
  });

  it('refuses a second connectorCount', () => {
    const text = variant(GUNS, '    - { name: gunCount, encoding: uint, octets: 1, role: connectorCount }\n').replace(
      '    - { name: spare, encoding: reserved, octets: 2 }\n',
      '    - { name: spare, encoding: uint, octets: 2, role: connectorCount }\n',
    );
    expect(issueOf(text, 'name: spare')).toEqual({ pointer: '/login/fields/2/role', reason: 'the login has at most one field with role connectorCount, it has 2' });
  });

  it('refuses connectorCount in a record', () => {
    const e = configError(() => parseDialect(MADE_UP_DIALECT.replace(/role: connector \}/, 'role: connectorCount }'), FILE));
    expect(e.issues.map((i) => i.reason)).toEqual([expect.stringMatching(/^role connectorCount is not a role of meaning \w+/)]);
  });
});
