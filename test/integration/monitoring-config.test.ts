/**
 * The shipped Prometheus alerting rules and Grafana dashboard (deploy/): the rules pass `promtool
 * check rules` and their unit tests (`promtool test rules`), the dashboard is a well-formed
 * dashboard, and every pilegate metric either of them queries is in the `/metrics` of a running
 * gateway, so a renamed metric cannot leave an alert that never fires or a panel that stays empty.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startHealthRig, type HealthRig } from '../support/health-rig.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const RULES = `${DEPLOY}prometheus/pilegate-alerts.yaml`;
const DASHBOARD = `${DEPLOY}grafana/pilegate-dashboard.json`;

let rig: HealthRig | undefined;
let exposed: Set<string>;

beforeAll(async () => {
  // No CSMS needed: the metrics are declared at start, whatever happens later.
  rig = await startHealthRig('ws://127.0.0.1:1/ocpp');
  exposed = metricNames(await rig.metrics());
});

afterAll(async () => {
  await rig?.gateway.stop();
});

/** The series names a text exposition declares: each `# TYPE` name, with a histogram's and a summary's own series. */
function metricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type] = m;
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

/** The pilegate metric names a PromQL expression reads. */
const queried = (expr: string): string[] => [...expr.matchAll(/\bpilegate_[a-zA-Z0-9_]+/g)].map((m) => m[0]);

function promtool(args: readonly string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`promtool not runnable (the Debian package prometheus has it): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface Rule {
  readonly alert?: string;
  readonly expr?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

describe('deploy/prometheus alerting rules', () => {
  it('pass promtool check rules and their unit tests', () => {
    const check = promtool(['check', 'rules', 'pilegate-alerts.yaml'], `${DEPLOY}prometheus`);
    expect(check.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(check.status).toBe(0);
    const tests = promtool(['test', 'rules', 'pilegate-alerts.test.yaml'], `${DEPLOY}prometheus`);
    expect(tests.output).toContain('SUCCESS');
    expect(tests.status).toBe(0);
  });

  it('query only metrics a running gateway exposes, each alert with a severity and a summary', () => {
    const doc = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] };
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(10);
    for (const r of rules) {
      const names = queried(r.expr ?? '');
      expect(names.length, `${r.alert ?? '?'} reads a pilegate metric`).toBeGreaterThan(0);
      for (const n of names) expect(exposed.has(n), `${r.alert ?? '?'}: ${n} in /metrics`).toBe(true);
      expect(['critical', 'warning', 'info']).toContain(r.labels?.['severity']);
      expect(r.annotations?.['summary'], r.alert).toBeTruthy();
    }
  });
});

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { x: number; y: number; w: number; h: number };
  readonly datasource?: { type: string; uid: string };
  readonly targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

describe('deploy/grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    uid: string;
    title: string;
    schemaVersion: number;
    panels: Panel[];
    templating: { list: { name: string; type: string; query: unknown }[] };
  };

  it('is a dashboard Grafana imports: ids unique, panels on the 24-column grid, every query on the chosen Prometheus', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.title).toBe('pilegate');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(30);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.map((v) => `${v.name}:${v.type}`)).toEqual(['datasource:datasource', 'instance:query']);
    for (const p of dashboard.panels) {
      const { x, w, h } = p.gridPos;
      expect(x + w, p.title).toBeLessThanOrEqual(24);
      expect(h, p.title).toBeGreaterThan(0);
      expect(['row', 'stat', 'timeseries'], p.title).toContain(p.type);
      if (p.type === 'row') continue;
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.datasource?.uid, p.title).toBe('${datasource}');
        expect(t.expr, p.title).toContain('instance=~"$instance"');
      }
    }
  });

  it('queries only metrics a running gateway exposes, its variables included', () => {
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr })));
    for (const v of dashboard.templating.list) if (v.type === 'query') exprs.push({ where: `$${v.name}`, expr: JSON.stringify(v.query) });
    expect(exprs.length).toBeGreaterThanOrEqual(20);
    const used = new Set<string>();
    for (const { where, expr } of exprs) {
      const names = queried(expr);
      expect(names.length, `${where} reads a pilegate metric`).toBeGreaterThan(0);
      for (const n of names) {
        expect(exposed.has(n), `${where}: ${n} in /metrics`).toBe(true);
        used.add(n);
      }
    }
    // What operators alert on is on the dashboard too.
    for (const n of [
      'pilegate_ready',
      'pilegate_store_reachable',
      'pilegate_chargers_held',
      'pilegate_ocpp_connect_failures_total',
      'pilegate_ocpp_callerrors_total',
      'pilegate_station_transaction_events_queued',
    ])
      expect(used.has(n), n).toBe(true);
  });
});
