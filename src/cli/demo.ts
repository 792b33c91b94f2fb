/**
 * `pilegate demo [--codec <codec>] [--chargers N] [--csms <url>] [--duration <s>]`: in one process,
 * a local development CSMS that accepts everything and prints the OCPP traffic, a gateway on the
 * memory store with auto-provisioning, and N simulated chargers of the codec (IEC 104 point table
 * by default; any codec with a simulator, on its simulator's default options) playing a charging
 * session. `--csms` uses an external CSMS instead (Basic auth password from PILEGATE_CSMS_PASSWORD).
 */
import { Writable } from 'node:stream';
import { boundedWait } from '../core/bounded-wait.js';
import type { Command } from 'commander';
import { codecNames, findCodec } from '../../codecs/registry.js';
import { findPackageFile } from '../config/read.js';
import { parseGatewayConfig } from '../gateway/config.js';
import { Gateway } from '../gateway/gateway.js';
import { systemSimulatorClock } from '../simulator/clock.js';
import { connectCharger, type ChargerSocket } from '../simulator/socket.js';
import { startDevCsms, type DevCsms } from './dev-csms.js';
import { EXIT, UsageError, type CliIo } from './io.js';
import { waitForSignal } from './serve.js';

export interface DemoOptions {
  readonly codec?: string;
  readonly chargers?: string;
  readonly csms?: string;
  readonly duration?: string;
}

const DEMO_PASSWORD = 'pilegate-demo-password';
/** The demo's chargers speak this codec unless `--codec` says another, with its simulator's default options file (a point table). */
const DEMO_CODEC = 'iec104-points';

/** The codecs that offer a charger simulator. */
function demoCodecs(): string[] {
  return codecNames().filter((name) => findCodec(name)?.simulator !== undefined);
}

function positive(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new UsageError('DEMO_ARG', `--${name} must be a number between 0 and ${max}, got ${JSON.stringify(text)}`);
  return n;
}

async function runDemo(options: DemoOptions, io: CliIo): Promise<number> {
  const chargers = Math.floor(positive('chargers', options.chargers, 2, 100));
  const duration = options.duration === undefined ? undefined : positive('duration', options.duration, 0, 86_400);
  const codecName = options.codec ?? DEMO_CODEC;
  const codec = findCodec(codecName);
  const simulator = codec?.simulator;
  if (codec === undefined || simulator === undefined) throw new UsageError('DEMO_ARG', `--codec must be ${demoCodecs().join(' or ')}, got ${JSON.stringify(codecName)}`);
  const mappingFile = simulator.defaultOptionsFile === undefined ? undefined : findPackageFile(import.meta.url, simulator.defaultOptionsFile);
  // Something on the screen at once: schema compilation and the mapping take a moment on a slow machine.
  io.out(`pilegate demo: starting ${options.csms === undefined ? 'a development CSMS, ' : ''}a gateway and ${chargers} simulated ${codec.name} charger(s)...`);
  let csms: DevCsms | undefined;
  if (options.csms === undefined) {
    csms = await startDevCsms({ print: (line) => io.out(line) });
    io.out(`development CSMS on ${csms.url} (accepts every station; prints each OCPP frame)`);
  }
  const csmsUrl = options.csms ?? csms?.url ?? '';
  const config = parseGatewayConfig(
    JSON.stringify({
      listeners: [{ port: 0, host: '127.0.0.1', codec: codec.name, ...(mappingFile === undefined ? {} : { mapping: mappingFile }) }],
      csms: { url: csmsUrl, securityProfile: 1 },
      stations: { unknownChargers: 'provision', defaults: { password: DEMO_PASSWORD } },
      store: 'memory',
      http: { port: 0, host: '127.0.0.1' },
      log: { level: 'warn' },
      // Every simulated charger dials from 127.0.0.1: no per-address limit.
      connections: { maxPerAddress: 0 },
    }),
    '<demo>',
    { PILEGATE_CSMS_PASSWORD: process.env['PILEGATE_CSMS_PASSWORD'] },
  );
  // With the development CSMS the sessions show their meter values every 5 s (the default is 60 s,
  // longer than a demo session); an external CSMS sets its own with SetVariables.
  const stationDefaults = csms !== undefined ? { 'SampledDataCtrlr.TxUpdatedInterval': '5' } : undefined;
  // The gateway's warnings go to stderr: readable lines when that is a terminal, as for `serve`.
  const gateway = new Gateway(config, {
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        io.err(chunk.toString('utf8'));
        done();
      },
    }),
    terminal: process.stderr.isTTY === true,
    ...(stationDefaults !== undefined ? { stationDefaults } : {}),
  });
  const sockets: ChargerSocket[] = [];
  try {
    await gateway.start();
    const port = gateway.ports[0] ?? 0;
    io.out(`gateway listening for chargers on 127.0.0.1:${port}, metrics on http://127.0.0.1:${gateway.httpPort ?? 0}/metrics`);
    const options = await codec.loadOptions(mappingFile === undefined ? {} : { file: mappingFile });
    const ids = simulator.fleetIds(simulator.firstId.default, chargers);
    for (const [index, id] of ids.entries()) {
      // One charging session each, spread over the connectors; what they report shows in the CSMS's lines.
      const charger = simulator.create({ options, id, index, clock: systemSimulatorClock, meterIntervalMs: 1_000, sessions: 'once', report: () => undefined });
      try {
        sockets.push(await connectCharger({ host: '127.0.0.1', port, reconnectDelayMs: 2_000 }, charger));
      } catch (error) {
        charger.dispose();
        throw error;
      }
      io.out(`simulated charger ${charger.name} connected`);
    }
    if (duration !== undefined) {
      await boundedWait<NodeJS.Signals | undefined>(waitForSignal(), duration * 1000, () => undefined);
    } else {
      io.out('running until Ctrl-C');
      await waitForSignal();
    }
    io.out('demo over: stopping');
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
    await gateway.stop();
    await csms?.close();
  }
  return EXIT.OK;
}

export function registerDemo(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description('run a development CSMS, a gateway and simulated chargers in one process')
    .option('--codec <codec>', `the chargers' protocol: ${demoCodecs().join(' or ')} (default ${DEMO_CODEC})`)
    .option('--chargers <n>', 'number of simulated chargers (default 2)')
    .option('--csms <url>', 'use this external CSMS (ws://...) instead of the local development one')
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)')
    .action(async (options: DemoOptions) => setExit(await runDemo(options, io)));
}
