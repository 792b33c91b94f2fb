/**
 * One YKC pile through the whole gateway for integration tests: ocpp-rpc's strict RPCServer as the
 * CSMS, a lite gateway with the YKC codec, and the YKC simulator over real TCP, booted and reported.
 * `close()` tears all three down and returns the CSMS's strict-validation failures.
 */
import type { Codec } from '../../codecs/codec.js';
import { ykcCodec } from '../../codecs/ykc/codec.js';
import { connectYkcSimulator, type YkcChargerSimulator, type YkcSimulatorOptions } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from './csms.js';
import { startLiteGateway, type LiteGateway } from './gateway-lite.js';
import { PASSWORD } from './station.js';

export interface YkcRigOptions {
  /** YKC codec options (`ratedPowerW`, `commandTimeoutMs`, ...). */
  readonly codecOptions?: Record<string, unknown>;
  /** Device-model presets of the station. */
  readonly preset?: Record<string, string>;
  /** Simulator options besides where it dials and its pile code. */
  readonly sim?: Omit<YkcSimulatorOptions, 'host' | 'port' | 'pileCode'>;
}

export class YkcRig {
  private csms: TestCsms | undefined;
  private gateway: LiteGateway | undefined;
  private sim: YkcChargerSimulator | undefined;

  /** Starts the CSMS, the gateway and pile `code`, and waits for its first StatusNotification. */
  async start(code: string, options: YkcRigOptions = {}): Promise<{ c: TestCsms; s: YkcChargerSimulator }> {
    const c = (this.csms = await startCsms({ passwords: { [code]: PASSWORD } }));
    const gateway = (this.gateway = await startLiteGateway({
      csmsUrl: c.url,
      codec: { codec: ykcCodec as Codec<never>, options: await ykcCodec.loadOptions({ value: options.codecOptions ?? {} }) },
      ...(options.preset !== undefined ? { preset: options.preset } : {}),
    }));
    const s = (this.sim = await connectYkcSimulator({ host: '127.0.0.1', port: gateway.port, pileCode: code, ...options.sim }));
    await c.waitForCall((x) => x.identity === code && x.action === 'StatusNotification', 10_000);
    return { c, s };
  }

  /** Stops the pile, the gateway and the CSMS; returns the CSMS's strict-validation failures. */
  async close(): Promise<unknown[]> {
    const failures = this.csms?.strictFailures ?? [];
    this.sim?.close();
    await this.gateway?.close();
    await this.csms?.close();
    this.csms = this.gateway = this.sim = undefined;
    return failures;
  }
}
