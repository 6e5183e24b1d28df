import { formatCount, type FigureRow } from './figures.js';

/** One panel of the chart: a figure's ratio to its floor per platform and size, and its goal line. */
export interface ChartPanel {
  readonly figureId: string;
  readonly title: string;
  /** Where the goal line is drawn, as a ratio to the floor. */
  readonly goalRatio: number;
}

/** The panels of `bench/results/latest.svg`: the ratio goals of #12. */
export const chartPanels: readonly ChartPanel[] = [
  { figureId: 'steady-wall', title: 'steady poll / fetch floor (goal ≤ 1.3×)', goalRatio: 1.3 },
  { figureId: 'storm-rate', title: 'storm events/s / JetStream floor (goal ≥ 0.8×)', goalRatio: 0.8 },
  { figureId: 'first-poll-rate', title: 'first poll events/s / JetStream floor (goal ≥ 0.8×)', goalRatio: 0.8 },
];

const panelWidth = 420;
const panelHeight = 260;
const plotTop = 40;
const plotBottom = 220;
const plotLeft = 50;
const plotRight = 405;
const colours: Readonly<Record<FigureRow['verdict'], string>> = { met: '#2f8f46', 'not met': '#c0392b', reference: '#7f8c8d', 'no figure': '#bdc3c7' };

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fixed = (value: number): string => value.toFixed(1);

function panel(definition: ChartPanel, rows: readonly FigureRow[], offsetX: number): string[] {
  const mine = rows.filter((row) => row.figureId === definition.figureId);
  const platforms = [...new Set(mine.map((row) => row.platform))];
  const sizes = [...new Set(mine.map((row) => row.vms))].sort((a, b) => a - b);
  const finite = mine.map((row) => row.ratio).filter(Number.isFinite);
  const top = Math.max(definition.goalRatio, ...finite) * 1.15;
  const y = (ratio: number): number => plotBottom - (ratio / top) * (plotBottom - plotTop);
  const parts: string[] = [`<g transform="translate(${offsetX},0)">`, `<text x="${panelWidth / 2}" y="20" text-anchor="middle" font-size="13">${escape(definition.title)}</text>`];
  parts.push(`<line x1="${plotLeft}" y1="${plotBottom}" x2="${plotRight}" y2="${plotBottom}" stroke="#333"/>`, `<line x1="${plotLeft}" y1="${plotTop}" x2="${plotLeft}" y2="${plotBottom}" stroke="#333"/>`);
  for (const tick of [0, top / 2, top]) parts.push(`<text x="${plotLeft - 5}" y="${fixed(y(tick) + 4)}" text-anchor="end" font-size="10">${tick.toFixed(1)}×</text>`);
  const groupWidth = platforms.length > 0 ? (plotRight - plotLeft) / platforms.length : 0;
  const barWidth = sizes.length > 0 ? Math.min(36, (groupWidth - 16) / sizes.length) : 0;
  platforms.forEach((platform, groupIndex) => {
    const groupLeft = plotLeft + groupIndex * groupWidth + (groupWidth - barWidth * sizes.length) / 2;
    parts.push(`<text x="${fixed(plotLeft + (groupIndex + 0.5) * groupWidth)}" y="${plotBottom + 30}" text-anchor="middle" font-size="12">${escape(platform)}</text>`);
    sizes.forEach((size, sizeIndex) => {
      const row = mine.find((candidate) => candidate.platform === platform && candidate.vms === size);
      const x = groupLeft + sizeIndex * barWidth;
      parts.push(`<text x="${fixed(x + barWidth / 2)}" y="${plotBottom + 13}" text-anchor="middle" font-size="9">${formatCount(size)}</text>`);
      if (!row || !Number.isFinite(row.ratio)) {
        parts.push(`<text x="${fixed(x + barWidth / 2)}" y="${plotBottom - 4}" text-anchor="middle" font-size="9">n/a</text>`);
        return;
      }
      const barTop = y(row.ratio);
      parts.push(`<rect x="${fixed(x + 2)}" y="${fixed(barTop)}" width="${fixed(barWidth - 4)}" height="${fixed(plotBottom - barTop)}" fill="${colours[row.verdict]}"/>`);
      parts.push(`<text x="${fixed(x + barWidth / 2)}" y="${fixed(barTop - 3)}" text-anchor="middle" font-size="9">${row.ratio.toFixed(2)}</text>`);
    });
  });
  const goalY = fixed(y(definition.goalRatio));
  parts.push(`<line x1="${plotLeft}" y1="${goalY}" x2="${plotRight}" y2="${goalY}" stroke="#1f4e79" stroke-dasharray="6 4"/>`, `<text x="${plotRight}" y="${Number(goalY) - 4}" text-anchor="end" font-size="10" fill="#1f4e79">goal ${definition.goalRatio}×</text>`);
  parts.push('</g>');
  return parts;
}

/**
 * A hand-written SVG of the ratio panels: bars of bridge / floor per
 * platform and size (green met, red not met, grey no figure), the goal as a
 * dashed line. Deterministic: fixed geometry, numbers at fixed precision.
 */
export function renderChart(rows: readonly FigureRow[], caption: string): string {
  const width = panelWidth * chartPanels.length;
  const height = panelHeight + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...chartPanels.flatMap((definition, index) => panel(definition, rows, index * panelWidth)),
    `<text x="10" y="${height - 10}" font-size="11" fill="#555">${escape(caption)}</text>`,
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}
