// #16: the Grafana dashboard and the Prometheus alert rules (deploy/helm/dcm-poll-bridge/files/) may only name
// metrics the bridge exports, or a panel stays empty and an alert never fires, silently. The built CLI (with the
// `file` test platform) runs against real Redis and NATS, polls once, and its /metrics is scraped: every metric
// name the dashboard's and the rules' PromQL reference is exported (a histogram's _bucket/_sum/_count through its
// TYPE line). The same scrape shows build info, the runtime metrics, and no label value with whitespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseLogLines, spawnNodeScript } from '../support/cli-process.js';
import { bridgeProcessScript, useHarness, writeConfig } from '../support/harness.js';

const harness = useHarness();
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const filesDir = join(projectRoot, 'deploy', 'helm', 'dcm-poll-bridge', 'files');

/** PromQL words that are not metric names: aggregations, set and grouping keywords. Functions are told by their `(`. */
const promqlKeywords = new Set(['sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression (or a Grafana `label_values(...)` query) selects: what is left once
 * strings, label matchers, ranges, grouping label lists, Grafana variables, numbers, keywords and function
 * names are taken out.
 */
function metricNames(expression: string): string[] {
  const labelValues = /^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(expression);
  if (labelValues) return [labelValues[1] ?? ''];
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, word = '', call] = match;
    if (call || promqlKeywords.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return names;
}

interface GrafanaPanel {
  readonly type: string;
  readonly title: string;
  readonly datasource?: { readonly uid?: string };
  readonly targets?: ReadonlyArray<{ readonly expr: string; readonly datasource?: { readonly uid?: string } }>;
  readonly panels?: readonly GrafanaPanel[];
}
interface GrafanaDashboard {
  readonly uid: string;
  readonly panels: readonly GrafanaPanel[];
  readonly templating: { readonly list: ReadonlyArray<{ readonly name: string; readonly type: string; readonly definition?: string; readonly query?: unknown }> };
}

function dashboardExpressions(dashboard: GrafanaDashboard): Array<{ where: string; expr: string }> {
  const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  return [
    ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr }))),
    ...dashboard.templating.list.filter((variable) => variable.type === 'query').map((variable) => ({ where: `variable $${variable.name}`, expr: variable.definition ?? '' })),
  ];
}

/** Sample names an exposition makes available: each TYPE line's family, with a histogram's and a summary's series. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name = '', type] of exposition.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

test('the metric-name reader finds names in PromQL and leaves labels, functions, variables and keywords out', () => {
  assert.deepEqual(
    metricNames('histogram_quantile(0.95, sum by (le, endpoint) (rate(dcm_bridge_poll_duration_seconds_bucket{endpoint=~"$endpoint", outcome="success"}[$__rate_interval]))) / on (endpoint) max(up) unless on (endpoint) x_total offset 5m == 1'),
    ['dcm_bridge_poll_duration_seconds_bucket', 'up', 'x_total'],
  );
  assert.deepEqual(metricNames('label_values(dcm_bridge_endpoint_interval_seconds{platform=~"$platform"}, endpoint)'), ['dcm_bridge_endpoint_interval_seconds']);
  assert.deepEqual(metricNames('time() - max by (endpoint) (a_seconds) > 3 * b_seconds + 300 or vector(0)'), ['a_seconds', 'b_seconds']);
});

test('the dashboard parses, takes its data source from a variable, filters by platform and endpoint, and covers what #16 asks', () => {
  const dashboard = JSON.parse(readFileSync(join(filesDir, 'grafana-dashboard.json'), 'utf8')) as GrafanaDashboard;
  const variables = new Map(dashboard.templating.list.map((variable) => [variable.name, variable]));
  assert.equal(variables.get('datasource')?.type, 'datasource');
  assert.equal(variables.get('platform')?.type, 'query');
  assert.match(variables.get('endpoint')?.definition ?? '', /platform=~"\$platform"/, 'the endpoint list follows the platform chosen');
  const dataPanels = dashboard.panels.filter((panel) => panel.type !== 'row');
  for (const panel of dataPanels) {
    assert.equal(panel.datasource?.uid, '${datasource}', `panel "${panel.title}" uses the data source variable`);
    assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has a query`);
  }
  const all = dashboardExpressions(dashboard).map((entry) => entry.expr).join('\n');
  for (const metric of ['dcm_bridge_poll_duration_seconds_bucket', 'dcm_bridge_events_published_total', 'dcm_bridge_publish_failures_total', 'dcm_bridge_endpoint_health', 'dcm_bridge_last_success_timestamp_seconds', 'dcm_bridge_throttles_total', 'dcm_bridge_rate_limit_wait_seconds_total', 'dcm_bridge_cache_errors_total', 'dcm_bridge_owned_endpoints', 'dcm_bridge_endpoint_in_maintenance']) {
    assert.ok(metricNames(all).includes(metric), `a panel shows ${metric}`);
  }
});

test('every metric the dashboard and the alert rules name is exported by the running CLI; build info, runtime metrics, no label value with whitespace', async (t) => {
  const lab = harness();
  lab.setPlatform('lab', { instances: [{ platformId: 'vm-1', instanceId: 'inst-1', rawState: 'on' }, { platformId: 'vm-2', instanceId: 'inst-2', rawState: 'shutting  down' }] });
  const config = writeConfig(lab, 'metrics-exported.yaml', lab.configYaml());
  const bridge = spawnNodeScript(bridgeProcessScript, ['run', '--config', config], { env: { TEST_PLATFORM_TOKEN: 'platform-token-secret-value' } });
  t.after(() => bridge.dispose());
  const [, apiUrl] = await bridge.waitForLine('stderr', /"msg":"HTTP API listening on (https?:\/\/[^"\s]+)"/, 20_000);
  await bridge.waitForLine('stderr', /"msg":"poll (published \d+ change|found no changes)/, 20_000);
  const response = await fetch(`${apiUrl}/metrics`);
  assert.equal(response.status, 200);
  const exposition = await response.text();
  const exported = exportedNames(exposition);

  const dashboard = JSON.parse(readFileSync(join(filesDir, 'grafana-dashboard.json'), 'utf8')) as GrafanaDashboard;
  const rules = (parse(readFileSync(join(filesDir, 'prometheus-rules.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups.flatMap((group) => group.rules);
  const references = [...dashboardExpressions(dashboard), ...rules.map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr }))];
  const referenced = new Set(references.flatMap((entry) => metricNames(entry.expr)));
  assert.ok(referenced.size >= 30, `the queries were read (${referenced.size} names)`);
  const missing = references.flatMap((entry) => metricNames(entry.expr).filter((name) => !exported.has(name)).map((name) => `${name} (${entry.where})`));
  assert.deepEqual([...new Set(missing)], [], 'metrics referenced but not exported');

  assert.match(exposition, new RegExp(`^dcm_bridge_build_info\\{version="${JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version.replace(/\./g, '\\.')}",commit="(?:[0-9a-f]{7,64}|unknown)",node="${process.versions.node.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds']) assert.ok(exported.has(name), name);

  const labelValues = [...exposition.matchAll(/^[a-zA-Z_:][\w:]*\{(.*)\} \S+$/gm)].flatMap(([, labels = '']) => [...labels.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, label, value]) => ({ label, value: value ?? '' })));
  assert.ok(labelValues.some(({ label, value }) => label === 'raw_state' && value === 'shutting_down'), 'the unknown raw state, its spaces joined');
  assert.ok(labelValues.some(({ label, value }) => label === 'operation' && value === 'write_poll_start'), 'Redis operations were timed');
  assert.deepEqual(labelValues.filter(({ value }) => /\s/.test(value)), [], 'label values with whitespace');

  const exit = await bridge.stop('SIGTERM');
  assert.equal(exit.code, 0, parseLogLines(bridge.stderr()).slice(-5).map((line) => JSON.stringify(line)).join('\n'));
});
