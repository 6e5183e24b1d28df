// #16: the Prometheus alert rules (deploy/helm/dcm-poll-bridge/files/prometheus-rules.yaml) pass `promtool check
// rules` and their unit tests (`promtool test rules`, test/deploy/alert-rules.promtool.yaml), every alert carries
// what an on-call person needs, and every alert about one endpoint stays silent in its maintenance windows.
// promtool comes with Debian's prometheus package; .ci/run installs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const rulesPath = 'deploy/helm/dcm-poll-bridge/files/prometheus-rules.yaml';
const promtoolTestsPath = 'test/deploy/alert-rules.promtool.yaml';
const dashboardPath = 'deploy/helm/dcm-poll-bridge/files/grafana-dashboard.json';
const maintenanceExclusion = 'unless on (endpoint) max_over_time(dcm_bridge_endpoint_in_maintenance[15m]) == 1';

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
interface PromtoolCase {
  readonly name: string;
  readonly input_series: ReadonlyArray<{ readonly series: string }>;
  readonly alert_rule_test: ReadonlyArray<{ readonly alertname: string; readonly exp_alerts: readonly unknown[] }>;
}

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: projectRoot, encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw new Error(`promtool could not run (${run.error.message}); install Debian's prometheus package (.ci/run does)`, { cause: run.error });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const alerts = (): AlertRule[] => (parse(readFileSync(join(projectRoot, rulesPath), 'utf8')) as { groups: Array<{ rules: AlertRule[] }> }).groups.flatMap((group) => group.rules);
const promtoolCases = (): PromtoolCase[] => (parse(readFileSync(join(projectRoot, promtoolTestsPath), 'utf8')) as { tests: PromtoolCase[] }).tests;
/** An alert whose expression keeps the endpoint label is about one endpoint. */
const isAboutAnEndpoint = (rule: AlertRule): boolean => /\bby \([^)]*\bendpoint\b/.test(rule.expr);

test('promtool check rules accepts the rule file, and promtool test rules passes its unit tests', () => {
  const checked = promtool('check', 'rules', rulesPath);
  assert.equal(checked.status, 0, checked.output);
  assert.match(checked.output, new RegExp(`SUCCESS: ${alerts().length} rules found`));
  const tested = promtool('test', 'rules', promtoolTestsPath);
  assert.equal(tested.status, 0, tested.output);
  assert.match(tested.output, /SUCCESS/);
});

test('every alert has a for:, a severity, a summary, a description and the troubleshooting runbook', () => {
  const rules = alerts();
  assert.deepEqual(
    ['DcmBridgeEndpointStale', 'DcmBridgeNoSuccessfulPoll', 'DcmBridgePublishFailures', 'DcmBridgeUnknownRawStates'].filter((name) => !rules.some((rule) => rule.alert === name)),
    [],
    'the alerts #16 asks for',
  );
  for (const rule of rules) {
    assert.match(rule.for ?? '', /^\d+[smh]$/, `${rule.alert}: for`);
    assert.match(rule.labels?.['severity'] ?? '', /^(critical|warning|info)$/, `${rule.alert}: severity`);
    assert.ok(rule.annotations?.['summary'], `${rule.alert}: summary`);
    assert.ok(rule.annotations?.['description'], `${rule.alert}: description`);
    assert.match(rule.annotations?.['runbook_url'] ?? '', /^https:\/\/\S+\/docs\/operator-guide\.md#troubleshooting$/, `${rule.alert}: runbook_url`);
  }
  const guide = join(projectRoot, 'docs', 'operator-guide.md');
  if (existsSync(guide)) assert.match(readFileSync(guide, 'utf8'), /^#+ Troubleshooting\s*$/m, 'the runbook anchor exists in the operator guide');
});

test('every API route an alert description names is a route of the bridge (api/openapi.yaml)', () => {
  const routes = Object.keys((parse(readFileSync(join(projectRoot, 'api', 'openapi.yaml'), 'utf8')) as { paths: Record<string, unknown> }).paths);
  const named = alerts().flatMap((rule) =>
    [...(rule.annotations?.['description'] ?? '').replace(/\{\{ \$labels\.endpoint \}\}/g, '{endpoint_id}').matchAll(/\b(?:GET|POST|PATCH|DELETE) (\/[^\s)]+)/g)].map((match) => ({ alert: rule.alert, path: match[1] ?? '' })),
  );
  assert.ok(named.some((route) => route.path === '/api/v1alpha1/endpoints/{endpoint_id}/status'), 'the status API is named where an alert sends the reader');
  for (const route of named) assert.ok(routes.includes(route.path), `${route.alert} names ${route.path}, which the API does not serve`);
});

test('every alert about one endpoint leaves endpoints in maintenance out, and the unit tests prove it for each', () => {
  const cases = promtoolCases();
  const endpointAlerts = alerts().filter(isAboutAnEndpoint);
  assert.ok(endpointAlerts.length >= 3, 'the endpoint alerts are recognised');
  for (const rule of endpointAlerts) {
    assert.ok(rule.expr.replace(/\s+/g, ' ').includes(maintenanceExclusion), `${rule.alert} excludes endpoints in maintenance`);
    const covering = cases.filter((entry) => entry.alert_rule_test.some((check) => check.alertname === rule.alert));
    assert.ok(
      covering.some((entry) => entry.input_series.some((input) => input.series.startsWith('dcm_bridge_endpoint_in_maintenance{'))),
      `${rule.alert}: a promtool case with an endpoint in maintenance`,
    );
  }
  for (const rule of alerts()) {
    const fires = cases.some((entry) => entry.alert_rule_test.some((check) => check.alertname === rule.alert && check.exp_alerts.length > 0));
    assert.ok(fires, `${rule.alert}: a promtool case where it fires`);
  }
});

test('every query of the Grafana dashboard is valid PromQL (promtool parses them as recording rules)', (t) => {
  interface Panel { readonly title: string; readonly targets?: ReadonlyArray<{ readonly expr: string }>; readonly panels?: readonly Panel[] }
  const dashboard = JSON.parse(readFileSync(join(projectRoot, dashboardPath), 'utf8')) as { panels: Panel[] };
  // Grafana's variables, as Grafana expands them: a multi-value selection becomes a regex alternative.
  const expand = (expr: string): string => expr.replace(/\$__rate_interval/g, '2m').replace(/\$__range/g, '6h').replace(/\$(endpoint|platform|instance)\b/g, 'vc-a|nova-b');
  const queries = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]).flatMap((panel) => (panel.targets ?? []).map((target) => ({ title: panel.title, expr: expand(target.expr) })));
  assert.ok(queries.length >= 40, `the dashboard's queries were read (${queries.length})`);
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-promql-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'dashboard-queries.yaml');
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: queries.map((query, index) => ({ record: `dashboard:query_${index}`, expr: query.expr })) }] }));
  const checked = promtool('check', 'rules', file);
  assert.equal(checked.status, 0, `${checked.output}\n${queries.map((query, index) => `query_${index}: ${query.title}`).join('\n')}`);
});
