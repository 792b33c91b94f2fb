/** The `log` section of the gateway config: level, format and OCPP trace, env overrides, bad values with pointers. */
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { resolveLogFormat } from '../../../src/gateway/logger.js';
import { traced } from '../../../src/gateway/ocpp-trace.js';
import { expectConfigIssue } from '../../support/config-error.js';

const minimal = 'listeners:\n  - { port: 0, codec: iec104-points }\ncsms:\n  url: ws://127.0.0.1:9000/ocpp\n';

describe('gateway config: log', () => {
  it('defaults to info, format auto, no OCPP trace', () => {
    expect(parseGatewayConfig(minimal, 'gw.yaml', {}).log).toEqual({ level: 'info', format: 'auto' });
  });

  it('takes a format, and the OCPP trace as all, a list or a comma-separated string', () => {
    expect(parseGatewayConfig(`${minimal}log: { format: pretty, ocppTrace: all }\n`, 'gw.yaml', {}).log).toEqual({ level: 'info', format: 'pretty', ocppTrace: 'all' });
    expect(parseGatewayConfig(`${minimal}log: { ocppTrace: [CP-1, CP-2, CP-1] }\n`, 'gw.yaml', {}).log.ocppTrace).toEqual(['CP-1', 'CP-2']);
    expect(parseGatewayConfig(`${minimal}log: { ocppTrace: 'CP-1, CP-2' }\n`, 'gw.yaml', {}).log.ocppTrace).toEqual(['CP-1', 'CP-2']);
  });

  it('takes PILEGATE_LOG_FORMAT and PILEGATE_LOG_OCPPTRACE from the environment (an all-digit station id stays text)', () => {
    const c = parseGatewayConfig(`${minimal}log: { format: pretty }\n`, 'gw.yaml', { PILEGATE_LOG_FORMAT: 'json', PILEGATE_LOG_OCPPTRACE: '32010200000101,EXDC42' });
    expect(c.log).toEqual({ level: 'info', format: 'json', ocppTrace: ['32010200000101', 'EXDC42'] });
    expect(parseGatewayConfig(minimal, 'gw.yaml', { PILEGATE_LOG_OCPPTRACE: '3201' }).log.ocppTrace).toEqual(['3201']);
  });

  it.each([
    ['log: { format: text }\n', '/log/format', 'expected one of json, pretty, auto'],
    ['log: { ocppTrace: [] }\n', '/log/ocppTrace', ''],
    ['log: { ocppTrace: "a,,b" }\n', '/log/ocppTrace', ''],
    ['log: { ocppTrace: 42 }\n', '/log/ocppTrace', ''],
  ])('refuses %j with a pointer', (extra, pointer, reason) => {
    expectConfigIssue(() => parseGatewayConfig(`${minimal}${extra}`, 'gw.yaml', {}), pointer, reason);
  });

  it('auto is pretty on a terminal and JSON elsewhere', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  it('traces a station named by its station id or its charger id, or all', () => {
    const log = { level: 'info', format: 'json' } as const;
    const station = { stationId: 'depot-a-01', chargerId: 'EXDC42' };
    expect(traced(log, station)).toBe(false);
    expect(traced({ ...log, ocppTrace: 'all' }, station)).toBe(true);
    expect(traced({ ...log, ocppTrace: ['depot-a-01'] }, station)).toBe(true);
    expect(traced({ ...log, ocppTrace: ['EXDC42'] }, station)).toBe(true);
    expect(traced({ ...log, ocppTrace: ['EXDC43'] }, station)).toBe(false);
  });
});
