/**
 * The gateway's firmware FTP server follows the gateway's lifecycle: started with it when the
 * config has a `firmware` section (here from the environment), refusing logins it did not issue,
 * gone once the gateway stopped; absent without the section.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ftpClient } from '../support/ftp-fetch.js';
import { startYkcGateway, type YkcGateway } from '../support/ykc-gateway.js';

const CSMS = 'ws://127.0.0.1:9/ocpp';
let gw: YkcGateway | undefined;

afterEach(async () => {
  await gw?.gateway.stop();
  gw = undefined;
});

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('gateway firmware FTP server lifecycle', () => {
  it('starts with the gateway, refuses credentials it did not issue, and stops with it', async () => {
    gw = await startYkcGateway(CSMS, 'memory', { PILEGATE_FIRMWARE_PUBLICHOST: '127.0.0.1', PILEGATE_FIRMWARE_HOST: '127.0.0.1', PILEGATE_FIRMWARE_PORT: '0' });
    const port = gw.gateway.firmwarePort ?? 0;
    expect(port).toBeGreaterThan(0);
    expect(gw.lines()).toContainEqual(expect.objectContaining({ msg: 'firmware ftp server listening', port, publicHost: '127.0.0.1' }));
    await expect(ftpClient({ host: '127.0.0.1', port, user: 'fwguess', password: 'guess' })).rejects.toThrow(/530/);
    await gw.gateway.stop();
    expect(await refused(port)).toBe(true);
  });

  it('is not started without the section', async () => {
    gw = await startYkcGateway(CSMS, 'memory');
    expect(gw.gateway.firmwarePort).toBeUndefined();
  });
});
