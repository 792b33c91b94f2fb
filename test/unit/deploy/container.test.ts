/**
 * The Dockerfile and deploy/compose.yaml, checked where no Docker daemon builds them (CI builds the
 * image where one answers): multi-stage, non-root, a health check that calls a real command, no
 * secret in the image or the compose file, Redis with AOF, the gateway's config mounted read-only and
 * valid, and the ports and paths of the three files in agreement.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { repoRoot } from '../../support/cli.js';
import { composeRefs, durationSeconds, environmentOf, finalStage, lintCompose, lintDockerfile, type Compose } from '../../support/deploy-lint.js';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const composeText = readFileSync(join(repoRoot, 'deploy/compose.yaml'), 'utf8');
const compose = parse(composeText) as Compose;
const envExample = readFileSync(join(repoRoot, 'deploy/.env.example'), 'utf8');
const configFile = join(repoRoot, 'deploy/config/pilegate.yaml');

/** Where the image puts the package (its WORKDIR). */
const APP = '/opt/pilegate';

/** The deployment config as the image sees it: the package paths pointed at this checkout. */
function deployConfig(env: Record<string, string>) {
  const text = readFileSync(configFile, 'utf8').replaceAll(`${APP}/`, repoRoot);
  return parseGatewayConfig(text, configFile, env);
}

const SECRETS = { PILEGATE_CSMS_PASSWORD: 'a', PILEGATE_STORE_PASSWORD: 'b', PILEGATE_HTTP_SECRET: 'c' };

describe('Dockerfile', () => {
  it('is multi-stage, runs as a user other than root, has a HEALTHCHECK, no secret in ENV/ARG, and copies only what the repository has', () => {
    expect(lintDockerfile(dockerfile, repoRoot)).toEqual([]);
  });

  it('the lint catches a single stage, root, no health check, a secret ENV and a missing COPY source', () => {
    const bad = ['FROM node:20-slim', 'ENV PILEGATE_CSMS_PASSWORD=hunter2', 'COPY no-such-dir ./x', 'RUN npm ci', 'USER root', 'CMD ["node"]'].join('\n');
    const problems = lintDockerfile(bad, repoRoot).join('\n');
    expect(problems).toMatch(/not multi-stage/);
    expect(problems).toMatch(/final stage runs as root/);
    expect(problems).toMatch(/no HEALTHCHECK/);
    expect(problems).toMatch(/ENV PILEGATE_CSMS_PASSWORD/);
    expect(problems).toMatch(/COPY no-such-dir: not in the repository/);
    expect(problems).toMatch(/installs development dependencies/);
  });

  it('starts the package binary, health-checks with `pilegate health` (its own entry), and reads the config where compose mounts it', () => {
    const f = finalStage(dockerfile);
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = `${APP}/${pkg.bin['pilegate'] ?? ''}`;
    expect(f.workdir).toBe(APP);
    expect(f.entrypoint).toEqual(['node', bin]);
    // `pilegate health` by its own entry beside the CLI's (compiled from src/cli/health.ts).
    expect(f.healthcheck).toEqual(['node', bin.replace(/index\.js$/, 'health.js')]);
    expect(existsSync(join(repoRoot, 'src/cli/health.ts'))).toBe(true);
    expect(f.cmd).toEqual(['serve', '--config', '/etc/pilegate/pilegate.yaml']);
  });

  it('builds what tsconfig.build.json compiles and ships the mappings the code reads at run time', () => {
    const build = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.build.json'), 'utf8')) as { include: string[]; extends?: string };
    for (const dir of build.include) expect(dockerfile).toMatch(new RegExp(`^COPY ${dir} `, 'm'));
    expect(dockerfile).toMatch(/^COPY tsconfig\.json tsconfig\.build\.json /m);
    expect(dockerfile).toMatch(/^COPY mappings /m);
    expect(dockerfile).toMatch(/^COPY examples /m);
  });

  it('exposes every listener port and the HTTP port of the deployment config', () => {
    const c = deployConfig(SECRETS);
    const ports = [...c.listeners.map((l) => l.port), c.http.port];
    expect(finalStage(dockerfile).expose.sort()).toEqual(expect.arrayContaining(ports.sort()));
  });
});

describe('deploy/compose.yaml', () => {
  it('runs Redis with AOF on a volume and a health check, the gateway after it with the config read-only, restart policies, no literal secret', () => {
    expect(lintCompose(composeText)).toEqual([]);
  });

  it('the lint catches AOF off, a written password, a writable config mount and no wait for Redis', () => {
    const bad = structuredClone(compose);
    const r = bad.services['redis'];
    const g = bad.services['pilegate'];
    if (r === undefined || g === undefined) throw new Error('services missing');
    r.command = ['redis-server'];
    g.environment = { ...environmentOf(g), PILEGATE_CSMS_PASSWORD: 'hunter2' };
    g.volumes = ['./config:/etc/pilegate'];
    delete g.depends_on;
    const problems = lintCompose(stringify(bad)).join('\n');
    expect(problems).toMatch(/AOF is off/);
    expect(problems).toMatch(/PILEGATE_CSMS_PASSWORD is written in the file/);
    expect(problems).toMatch(/no read-only config mount/);
    expect(problems).toMatch(/does not wait for a healthy redis/);
  });

  it('takes every secret from the environment, each named in deploy/.env.example, which holds no value for any of them', () => {
    const refs = new Set(Object.values(compose.services).flatMap((s) => Object.values(environmentOf(s)).flatMap((v) => composeRefs(String(v)))));
    const example = new Map(
      envExample
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.split('=')[0] ?? '', l.slice(l.indexOf('=') + 1)]),
    );
    for (const name of refs) expect(example.has(name), `${name} in deploy/.env.example`).toBe(true);
    for (const [name, value] of example) if (/PASSWORD|SECRET/.test(name)) expect(value, name).toBe('');
    const gateway = environmentOf(compose.services['pilegate']);
    for (const name of ['PILEGATE_CSMS_PASSWORD', 'PILEGATE_STORE_PASSWORD', 'PILEGATE_HTTP_SECRET']) expect(gateway[name], name).toMatch(/^\$\{[A-Z_]+:\?/);
    expect(readFileSync(join(repoRoot, '.gitignore'), 'utf8')).toMatch(/^deploy\/\.env$/m);
  });

  it('mounts a config directory whose pilegate.yaml is valid with those variables, uses the compose Redis, and is scrapeable with auth', () => {
    const mount = (compose.services['pilegate']?.volumes ?? []).find((v) => v.endsWith(':/etc/pilegate:ro')) ?? '';
    expect(join(repoRoot, 'deploy', mount.split(':')[0] ?? '')).toBe(join(repoRoot, 'deploy/config'));
    expect(existsSync(configFile)).toBe(true);
    const c = deployConfig({ ...SECRETS, PILEGATE_CSMS_URL: 'ws://csms:9000/ocpp' });
    expect(c.store).toEqual({ redis: 'redis://redis:6379', password: 'b' });
    expect(c.csms.url).toBe('ws://csms:9000/ocpp');
    expect(c.http.host).toBe('0.0.0.0');
    expect(c.http.auth?.scheme).toBe('bearer');
    expect(c.stations.registry.size).toBeGreaterThan(0);
  });

  it('publishes the listener ports, and gives the gateway longer to stop than its goodbye and drain timeouts', () => {
    const c = deployConfig(SECRETS);
    const g = compose.services['pilegate'];
    const published = (g?.ports ?? []).map((p) => Number(p.split(':').at(-1)));
    for (const l of c.listeners) expect(published).toContain(l.port);
    expect(durationSeconds(g?.stop_grace_period ?? '10s')).toBeGreaterThan((c.shutdown.goodbyeTimeoutMs + c.shutdown.drainTimeoutMs) / 1000);
  });
});
