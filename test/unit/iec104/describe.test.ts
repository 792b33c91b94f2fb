/**
 * describe.ts renders every supported type: each good fixture's dump names its TI and has one line
 * per object with the element's fields, and the types added for the full companion standard read
 * as their qualifiers mean.
 */
import { describe, expect, it } from 'vitest';
import { SUPPORTED_TYPES, apduToJson, decodeApdu, describeApdu, typeInfo, type Apdu } from '../../../src/iec104/index.js';
import { loadFrameFixtures } from '../../support/fixtures.js';

const good = loadFrameFixtures('iec104', 'frames');

function decoded(name: string): Apdu {
  const f = good.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no fixture ${name}`);
  const r = decodeApdu(f.bytes);
  if (!r.ok) throw new Error(`${name}: ${r.error.code}`);
  return r.value;
}

const dump = (name: string): string => describeApdu(decoded(name), 'Asia/Shanghai').join('\n');

describe('describeApdu', () => {
  const iFrames = good.filter((f) => (f.expected as { asdu?: unknown }).asdu !== undefined);

  it('has a fixture for every supported type to describe', () => {
    const described = new Set(iFrames.map((f) => decoded(f.name).asdu?.typeId));
    expect(SUPPORTED_TYPES.filter((t) => !described.has(t.id)).map((t) => t.name)).toEqual([]);
  });

  it.each(iFrames.map((f) => [f.name] as const))('%s: header and one readable line per object', (name) => {
    const apdu = decoded(name);
    const asdu = apdu.asdu;
    const info = typeInfo(asdu?.typeId ?? -1);
    const lines = describeApdu(apdu, 'Asia/Shanghai');
    expect(lines[1]).toContain(`${info?.name} (${info?.id})`);
    const objects = lines.slice(2);
    expect(objects).toHaveLength(asdu?.objects.length ?? 0);
    for (const [i, line] of objects.entries()) {
      expect(line).toMatch(new RegExp(`^ {4}IOA ${asdu?.objects[i]?.ioa}( |$)`));
      expect(line).not.toMatch(/undefined|NaN|\[object/);
      // Every kind but the read command (an IOA alone) says something about its element.
      if (info?.kind !== 'NONE') expect(line.length).toBeGreaterThan(`    IOA ${asdu?.objects[i]?.ioa}`.length);
    }
  });

  it('reads the qualifiers of the monitor, command and parameter types added', () => {
    expect(dump('m_st_na_1-step-position')).toContain('IOA 770 step -3 transient [NT]');
    expect(dump('m_ps_na_1-packed-points')).toContain('IOA 1025 ST 0x8005 CD 0x0004');
    expect(dump('m_me_nd_1-sq-no-quality')).toContain('IOA 16642 -0.25 (raw -8192)');
    expect(dump('m_ep_td_1-protection-events')).toContain('IOA 1282 OFF elapsed 0 ms [EI] time 2027-03-01 09:05:30.250 [IV]');
    expect(dump('m_ep_te_1-start-events')).toContain('IOA 1297 start GS,SL1,SIE relay duration 1200 ms time');
    expect(dump('m_ep_tf_1-output-circuit')).toContain('IOA 1313 output GC,CL2 relay operation 80 ms [EI,NT] time');
    expect(dump('c_rc_na_1-step-higher')).toContain('IOA 25345 HIGHER QU 0 EXECUTE');
    expect(dump('c_bo_na_1-bitstring')).toContain('IOA 25601 0x0000ff01');
    expect(dump('c_rp_na_1-general-reset')).toContain('IOA 0 QRP 1 (general reset of process)');
    expect(dump('c_ts_ta_1-test')).toContain('IOA 0 TSC 4660 time 2026-11-25 16:00:01.500');
    expect(dump('p_me_nb_1-low-limit')).toContain('IOA 20482 -50 KPA 3 (low limit) LPC POP=not in operation');
    expect(dump('p_ac_na_1-cyclic')).toContain('IOA 20481 QPA 3 (cyclic transmission of the object)');
  });

  it('reads the file-transfer fields', () => {
    expect(dump('f_fr_na_1-file-ready')).toContain('IOA 28673 NOF 1 LOF 70000 FRQ 0 positive confirm');
    expect(dump('f_sr_na_1-section-not-ready')).toContain('NOF 1 NOS 2 LOF 1024 SRQ 0 section not ready to load');
    expect(dump('f_sc_na_1-request-file')).toContain('NOF 1 NOS 0 SCQ request file');
    expect(dump('f_ls_na_1-last-segment')).toContain('LSQ 3 (section transfer without deactivation) CHS 90');
    expect(dump('f_af_na_1-section-nack')).toContain('AFQ negative ack of section error checksum failed');
    expect(dump('f_sg_na_1-segment')).toContain('NOF 1 NOS 2 LOS 8 70696c6567617465');
    expect(dump('f_sg_na_1-empty-segment')).toContain('NOF 1 NOS 3 LOS 0');
    expect(dump('f_dr_ta_1-directory')).toContain('IOA 28674 NOF 2 LOF 70000 SOF status 1 LFD,FA=active time 2026-12-31 23:59:59.999');
    expect(dump('f_sc_nb_1-query-log')).toContain('NOF 3 from 2026-11-25 16:00:01.500 dow=3 Asia/Shanghai = 2026-11-25T08:00:01.500Z to 2026-12-31');
  });

  it('gives the query-log range its UTC instants in JSON, as it does time tags', () => {
    const json = apduToJson(decoded('f_sc_nb_1-query-log'), 'Asia/Shanghai') as { asdu: { objects: { rangeStart: { utc: string }; rangeStop: { utc: string } }[] } };
    expect(json.asdu.objects[0]?.rangeStart.utc).toBe('2026-11-25T08:00:01.500Z');
    expect(json.asdu.objects[0]?.rangeStop.utc).toBe('2026-12-31T15:59:59.999Z');
  });
});
