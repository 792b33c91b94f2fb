/**
 * The README's first-run path, as a newcomer runs it: the three commands of its "First run"
 * section are read from README.md (so the README and this test cannot drift) and started as real
 * processes of the built binary (`npx pilegate` runs `dist/`, which `npm install` / `npm ci` build
 * through `prepare`). Within 30 s the simulated charger must reach the development CSMS (boot, a
 * transaction) and the CSMS's remote start must come back to the charger.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';

const SECTION = '## First run: a charger, the gateway and a CSMS';
const BIN = join('dist', 'src', 'cli', 'index.js');

/** The commands of the section's first `sh` block: one a line, `# comments` dropped. */
function readmeCommands(readme: string): string[][] {
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no section "${SECTION}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
  if (block?.[1] === undefined) throw new Error(`README.md section "${SECTION}" has no sh block`);
  return block[1]
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '')
    .map((line) => line.split(/\s+/));
}

interface Proc {
  readonly name: string;
  readonly child: ChildProcessWithoutNullStreams;
  output: string;
}

const procs: Proc[] = [];

function start(words: string[], env: NodeJS.ProcessEnv): Proc {
  // `npx pilegate ...` in the clone runs the package's own bin: the built CLI.
  if (words[0] !== 'npx' || words[1] !== 'pilegate') throw new Error(`README first-run command is not "npx pilegate ...": ${words.join(' ')}`);
  const child = spawn(process.execPath, [BIN, ...words.slice(2)], { cwd: repoRoot, env: { ...process.env, ...env } });
  const p: Proc = { name: words.slice(1, 3).join(' '), child, output: '' };
  child.stdout.on('data', (d: Buffer) => (p.output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (p.output += d.toString('utf8')));
  procs.push(p);
  return p;
}

async function stopAll(): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => p.child.once('close', () => resolve()));
      p.child.kill('SIGINT');
      const killer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(killer);
    }),
  );
}

async function until(what: string, ok: () => boolean, deadline: number): Promise<void> {
  while (!ok()) {
    const exited = procs.find((p) => p.child.exitCode !== null);
    if (exited !== undefined) throw new Error(`${exited.name} exited (${String(exited.child.exitCode)}) before ${what}:\n${exited.output}`);
    if (Date.now() > deadline) throw new Error(`not within 30 s: ${what}\n${procs.map((p) => `--- ${p.name}\n${p.output}`).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(() => {
  // On a clean clone `npm ci` has built dist already (this is then a no-op); in a working tree it
  // brings dist up to date with the sources under test.
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
}, 240_000);

afterAll(stopAll, 30_000);

describe('the README first run', () => {
  it('a build of a built tree rewrites nothing (the first `npx pilegate` runs `prepare` again)', () => {
    const before = statSync(join(repoRoot, BIN)).mtimeMs;
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(join(repoRoot, BIN)).mtimeMs).toBe(before);
  }, 60_000);

  it('its three commands bring a simulated charger to the CSMS and the CSMS remote start back within 30 s', async () => {
    const commands = readmeCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
    expect(commands.map((c) => c.slice(0, 3).join(' '))).toEqual(['npx pilegate csms', 'npx pilegate serve', 'npx pilegate simulate']);
    const deadline = Date.now() + 30_000;
    const [csmsWords = [], serveWords = [], simulateWords = []] = commands;
    const csms = start(csmsWords, {});
    // The metrics port is the one thing moved off its fixed number: another gateway on this host may hold it.
    const serve = start(serveWords, { PILEGATE_HTTP_PORT: '0' });
    const charger = start(simulateWords, {});

    await until('the charger booted at the CSMS', () => /EXDC101\s+-> {2}BootNotification/.test(csms.output), deadline);
    await until('the CSMS sent a remote start', () => /EXDC101\s+<- {2}RequestStartTransaction/.test(csms.output), deadline);
    await until('the charger carried out the start command', () => /EXDC101\s.*startCharging command from the gateway carried out/.test(charger.output), deadline);
    await until('the transaction reached the CSMS', () => /EXDC101\s+-> {2}TransactionEvent {2}Started RemoteStart /.test(csms.output), deadline);
    expect(csms.output).toMatch(/EXDC101\s+-> {2}RequestStartTransaction \(result\) {2}Accepted/);
    expect(serve.output).not.toMatch(/refused/);
  }, 60_000);
});
