import { formatCount } from './figures.js';
import { median, type ListingKindRun, type ListingKindSamples, type ListingPollSamples } from './results.js';

/** The situations a steady poll is measured in, in the order they are printed. */
export type ListingSituation = keyof ListingKindSamples;

/** One cost of a steady poll, read from its samples (the median of the polls measured). */
export interface ListingFigure {
  readonly id: 'requests' | 'response-bytes' | 'cpu' | 'wall';
  readonly label: string;
  readonly format: (value: number) => string;
  readonly read: (samples: ListingPollSamples) => number;
}

/** 1234 → "1,234", 12.345 → "12.3": whole numbers as they are, others at a precision fit for their size. */
function grouped(value: number): string {
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toFixed(digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Bytes in SI units: 812 B, 4.1 kB, 38.2 MB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes >= 1e6) return `${grouped(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${grouped(bytes / 1e3)} kB`;
  return `${Math.round(bytes)} B`;
}

const withUnit =
  (unit: string) =>
  (value: number): string =>
    Number.isFinite(value) ? `${grouped(value)} ${unit}` : '—';

/** The costs compared, as the issue names them (requests, bytes, bridge CPU) and the poll's wall time. */
export const listingFigures: readonly ListingFigure[] = [
  { id: 'requests', label: 'platform requests', format: (value) => (Number.isFinite(value) ? grouped(value) : '—'), read: (samples) => median(samples.requests) },
  { id: 'response-bytes', label: 'response bytes', format: formatBytes, read: (samples) => median(samples.responseBytes) },
  { id: 'cpu', label: 'bridge CPU', format: withUnit('ms'), read: (samples) => median(samples.cpuMs) },
  { id: 'wall', label: 'wall time', format: withUnit('ms'), read: (samples) => median(samples.wallMs) },
];

/** One platform, size and situation: each figure in full and incrementally, with full / incremental. */
export interface ListingRow {
  readonly platform: string;
  readonly vms: number;
  readonly situation: ListingSituation;
  readonly figureId: ListingFigure['id'];
  readonly full: number;
  /** Undefined where the platform lists only in full. */
  readonly incremental: number | undefined;
  /** full / incremental; NaN when either is missing or incremental is 0. */
  readonly ratio: number;
}

/** Every figure of every run, per situation, in print order. */
export function listingRows(runs: readonly ListingKindRun[]): ListingRow[] {
  const rows: ListingRow[] = [];
  for (const run of runs) {
    for (const situation of ['unchanged', 'changed'] as const) {
      for (const figure of listingFigures) {
        const full = figure.read(run.kinds.full[situation]);
        const incremental = run.kinds.incremental ? figure.read(run.kinds.incremental[situation]) : undefined;
        const ratio = incremental !== undefined && Number.isFinite(full) && Number.isFinite(incremental) && incremental > 0 ? full / incremental : Number.NaN;
        rows.push({ platform: run.platform, vms: run.vms, situation, figureId: figure.id, full, incremental, ratio });
      }
    }
  }
  return rows;
}

/** full / incremental as `101×`, `3.4×`; `—` without one. */
export function formatListingRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  return `${ratio >= 100 ? grouped(Math.round(ratio)) : ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}×`;
}

function situationLabel(run: ListingKindRun, situation: ListingSituation): string {
  return situation === 'unchanged' ? 'nothing changed' : `${run.changedPerPoll} changed`;
}

function listedCell(run: ListingKindRun, situation: ListingSituation): string {
  const full = median(run.kinds.full[situation].listed);
  const incremental = run.kinds.incremental ? median(run.kinds.incremental[situation].listed) : undefined;
  const text = (value: number): string => (Number.isFinite(value) ? grouped(value) : '—');
  return incremental === undefined ? `${text(full)} / full only` : `${text(full)} / ${text(incremental)}`;
}

/**
 * The Markdown section of #14's comparison: per platform, size and
 * situation, each cost as `full / incremental = ratio`, where full is the
 * same endpoint at `diff.fullListSeconds: 0`. A platform without incremental
 * listing (EC2) shows its full figures and "full only". Same runs, same text.
 */
export function renderListingKinds(runs: readonly ListingKindRun[]): string[] {
  if (runs.length === 0) return [];
  const lines: string[] = [];
  const cells = (values: readonly string[]): string => `| ${values.join(' | ')} |`;
  lines.push('## Steady poll: full vs incremental listing (#14)', '');
  lines.push(
    'Each cell: listing in full (`diff.fullListSeconds: 0`) / listing incrementally (the default) = full ÷ incremental, medians of the polls measured. ' +
      'Requests: the simulator\'s count; bytes: the platform\'s answers on the wire, through a relay in front of the simulator; CPU: the bridge process, from one poll report to the next; wall: the poll\'s `durationMs`. ' +
      '"changed" polls follow a change of that many VMs through the simulator\'s control API while the bridge was stopped (SIGSTOP) after the poll before.',
    '',
  );
  lines.push(cells(['platform, VMs', 'listing', 'between polls', ...listingFigures.map((figure) => figure.label), 'instances listed']), cells(['---', '---', '---', ...listingFigures.map(() => '---:'), '---:']));
  const rows = listingRows(runs);
  for (const run of runs) {
    for (const situation of ['unchanged', 'changed'] as const) {
      const figureCells = listingFigures.map((figure) => {
        const row = rows.find((candidate) => candidate.platform === run.platform && candidate.vms === run.vms && candidate.situation === situation && candidate.figureId === figure.id);
        if (!row) return '—';
        if (row.incremental === undefined) return `${figure.format(row.full)} / full only`;
        return `${figure.format(row.full)} / ${figure.format(row.incremental)} = ${formatListingRatio(row.ratio)}`;
      });
      lines.push(cells([`${run.platform} ${formatCount(run.vms)}`, run.listing, situationLabel(run, situation), ...figureCells, listedCell(run, situation)]));
    }
  }
  lines.push('');
  return lines;
}
