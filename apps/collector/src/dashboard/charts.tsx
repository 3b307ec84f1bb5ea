import type { FC } from 'hono/jsx';
import { TableScroll } from './layout.js';

export interface ChartPoint {
  label: string;
  value: number;
}

/** Rounds a chart's maximum up to 1, 2, 2.5 or 5 times a power of ten, so the axis reads well. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

const LEFT = 58;
const BOTTOM = 22;
const TOP = 8;

/**
 * A column chart of a series over time, drawn as inline SVG. Screen readers get a summary in
 * aria-label, and every figure is also in the table under "Show the numbers".
 */
export const ColumnChart: FC<{
  title: string;
  total: string;
  points: ChartPoint[];
  formatValue: (value: number) => string;
  formatAxis?: ((value: number) => string) | undefined;
  metric: string;
  /** Comparison of the total with an earlier period, shown under it as `<metric>-change`. */
  change?: string | undefined;
  /** Width of the drawing in SVG units; text is 12 units high, so a wider drawing shows smaller text. */
  width?: number;
  height?: number;
}> = ({ title, total, points, formatValue, formatAxis = formatValue, metric, change, width: WIDTH = 420, height: HEIGHT = 170 }) => {
  const max = niceCeiling(Math.max(0, ...points.map((point) => point.value)));
  const plotWidth = WIDTH - LEFT - 8;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  // Half of a small whole-number maximum would round to a label already shown, such as "1" for 0.5.
  const middle = formatAxis(max / 2);
  const ticks = middle === formatAxis(0) || middle === formatAxis(max) ? [0, 1] : [0, 0.5, 1];
  const slot = plotWidth / Math.max(1, points.length);
  const barWidth = Math.max(1, slot * 0.78);
  const y = (value: number) => TOP + plotHeight - (Math.max(0, value) / max) * plotHeight;
  const highest = points.reduce<ChartPoint | undefined>((best, point) => (!best || point.value > best.value ? point : best), undefined);
  const summary =
    points.length === 0
      ? `${title}: no data`
      : `${title}, ${points.length} periods from ${points[0]!.label} to ${points[points.length - 1]!.label}. Total ${total}. Highest ${formatValue(highest!.value)} in ${highest!.label}.`;
  const labelled = labelIndexes(points.length);

  return (
    <figure class="chart">
      <figcaption>
        {title}
        <div class="total" data-metric={metric}>
          {total}
        </div>
        {change ? (
          <div class="change" data-metric={`${metric}-change`}>
            {change}
          </div>
        ) : null}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
        {ticks.map((share) => (
          <g>
            <line class="axis" x1={LEFT} x2={WIDTH - 8} y1={y(max * share)} y2={y(max * share)} stroke-dasharray={share === 0 ? undefined : '3 4'} />
            <text x={LEFT - 6} y={y(max * share) + 4} text-anchor="end" font-size="12">
              {formatAxis(max * share)}
            </text>
          </g>
        ))}
        {points.map((point, index) => (
          <rect class="bar" x={LEFT + index * slot + (slot - barWidth) / 2} y={y(point.value)} width={barWidth} height={Math.max(0, TOP + plotHeight - y(point.value))}>
            <title>
              {point.label}: {formatValue(point.value)}
            </title>
          </rect>
        ))}
        {labelled.map((index) => (
          <text x={LEFT + index * slot + slot / 2} y={HEIGHT - 6} text-anchor={textAnchor(index, points.length)} font-size="12">
            {points[index]!.label}
          </text>
        ))}
      </svg>
    </figure>
  );
};

/** Picks the bars whose labels fit under the chart: the first, the last and up to three between. */
function labelIndexes(count: number): number[] {
  if (count <= 6) return [...Array(count).keys()];
  const picks = new Set([0, count - 1]);
  for (let part = 1; part < 4; part++) picks.add(Math.round(((count - 1) * part) / 4));
  return [...picks].sort((a, b) => a - b);
}

function textAnchor(index: number, count: number): string {
  if (count > 6 && index === 0) return 'start';
  if (count > 6 && index === count - 1) return 'end';
  return 'middle';
}

export interface BarRow {
  label: string;
  /** Length of the bar relative to the others. */
  value: number;
  /** The figures shown beside the bar, one cell each. */
  cells: string[];
  href?: string | undefined;
}

/**
 * Draws a table with a horizontal bar in each row, for funnels and shares. The bars are decoration
 * (aria-hidden): the numbers are in the cells. On a narrow screen the bars, and the columns of
 * cells listed in `secondary` (0 for the first cell), are left out.
 */
export const BarTable: FC<{ caption: string; headers: string[]; rows: BarRow[]; metric?: string | undefined; secondary?: number[] }> = ({
  caption,
  headers,
  rows,
  metric,
  secondary = [],
}) => {
  const max = Math.max(0, ...rows.map((row) => row.value));
  const cellClass = (index: number) => (secondary.includes(index) ? 'num secondary' : 'num');
  return (
    <TableScroll label={caption}>
      <table data-table={metric}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{headers[0]}</th>
            <td class="bar-cell" />
            {headers.slice(1).map((header, index) => (
              <th scope="col" class={cellClass(index)}>
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr>
              <th scope="row">{row.href ? <a href={row.href}>{row.label}</a> : row.label}</th>
              <td class="bar-cell">
                <svg viewBox="0 0 120 14" width="120" height="14" aria-hidden="true" focusable="false">
                  <rect x="0" y="1" width="120" height="12" fill="#eef1f5" />
                  <rect class="bar" x="0" y="1" width={max > 0 ? (row.value / max) * 120 : 0} height="12" />
                </svg>
              </td>
              {row.cells.map((cell, index) => (
                <td class={cellClass(index)}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
};
