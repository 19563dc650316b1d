import type { ArmReport, PeriodRow, SimulationReport } from './types';

const COLUMNS = ['week', 'days', 'kills', 'FP', 'TP', 'FP auto', 'TP auto (harm)', 'FP median down (min)', 'max_score'] as const;

/** The weekly table of both arms, one after the other, then the calibration runs that moved the ceiling. */
export function formatTable(report: SimulationReport): string {
  const p = report.parameters;
  const lines = [
    `Medic simulation: seed ${p.seed}, ${p.modules} modules, ${p.days} days, ~${p.killsPerDay} kills/day, fleet true-positive rate ${p.truePositiveRate}, ` +
      `auto-approve ${p.autoApprove ? 'on' : 'off'}, operator reviews after ~${p.operatorDelayMinutes} min`,
    'FP/TP: kills that were false/true positives (hidden truth); auto: resurrected by Medic on its own; harm: TP auto; max_score: auto_approve_max_score at the end of the week.',
  ];
  for (const arm of report.arms) {
    lines.push('', arm.label, ...alignRows([[...COLUMNS], ...arm.weeks.map((w) => cells(String(w.period), w)), cells('total', arm.total)]));
  }
  const calibrated = report.arms.find((arm) => arm.calibration);
  if (calibrated) lines.push('', ...calibrationLines(calibrated));
  return lines.join('\n');
}

/** The whole report as JSON. */
export function toJson(report: SimulationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function cells(label: string, row: PeriodRow): string[] {
  return [
    label,
    row.firstDay === row.lastDay ? String(row.firstDay) : `${row.firstDay}-${row.lastDay}`,
    String(row.kills),
    String(row.falsePositiveKills),
    String(row.truePositiveKills),
    percent(row.falsePositiveAutoShare),
    percent(row.truePositiveAutoShare),
    row.medianFalsePositiveDowntimeMinutes === null ? '-' : row.medianFalsePositiveDowntimeMinutes.toFixed(1),
    row.autoApproveMaxScore.toFixed(2),
  ];
}

function calibrationLines(arm: ArmReport): string[] {
  const moves = arm.calibrations.filter((c) => c.direction !== 'none');
  if (moves.length === 0) {
    const last = arm.calibrations[arm.calibrations.length - 1];
    return [`calibration never moved the ceiling${last ? ` (last run: ${last.successes} of ${last.samples} labelled auto-approvals held)` : ''}`];
  }
  return [
    'calibration moves:',
    ...moves.map(
      (c) =>
        `  day ${c.day}: ${c.direction} ${c.previousMaxScore.toFixed(2)} -> ${c.nextMaxScore.toFixed(2)} ` +
        `(${c.successes} of ${c.samples} held, Wilson ${(c.wilsonLower ?? 0).toFixed(3)}-${(c.wilsonUpper ?? 1).toFixed(3)})`,
    ),
  ];
}

function percent(share: number | null): string {
  return share === null ? '-' : `${(share * 100).toFixed(1)} %`;
}

/** Left-aligns the first column, right-aligns the others. */
function alignRows(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '));
}

const WIDTH = 760;
const PANEL = 220;
const MARGIN = { left: 56, right: 150, top: 36, gap: 56, bottom: 40 };
const ARM_COLOURS: Record<ArmReport['label'], string> = { 'calibration on': '#1f77b4', 'calibration off': '#d62728' };

/** An SVG chart per simulated day, for both arms: the shares of FP and TP kills auto-resurrected over the trailing 7 days, and auto_approve_max_score. */
export function renderSvg(report: SimulationReport): string {
  const days = report.parameters.days;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const x = (day: number) => MARGIN.left + (days <= 1 ? 0 : ((day - 1) / (days - 1)) * plotWidth);
  const top = MARGIN.top;
  const bottom = top + PANEL + MARGIN.gap;
  const height = bottom + PANEL + MARGIN.bottom;
  const shareY = (v: number) => top + PANEL * (1 - v);
  const scoreY = (v: number) => bottom + PANEL * (1 - (v - 0.1) / 0.3);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="16" font-size="13">Medic simulation, seed ${report.parameters.seed}: per simulated day</text>`,
    ...axes('share of kills auto-resurrected, trailing 7 days', top, [0, 0.25, 0.5, 0.75, 1].map((v) => [shareY(v), `${v * 100} %`])),
    ...axes('auto_approve_max_score', bottom, [0.1, 0.2, 0.3, 0.4].map((v) => [scoreY(v), v.toFixed(2)])),
  ];
  for (const day of dayTicks(days)) {
    parts.push(`<text x="${x(day).toFixed(1)}" y="${bottom + PANEL + 16}" text-anchor="middle">${day}</text>`);
  }
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${bottom + PANEL + 32}" text-anchor="middle">day</text>`);
  let legend = top;
  for (const arm of report.arms) {
    const colour = ARM_COLOURS[arm.label];
    const fp = trailing(arm.days, (d) => [d.falsePositivesAutoResurrected, d.falsePositiveKills]);
    const tp = trailing(arm.days, (d) => [d.truePositivesAutoResurrected, d.truePositiveKills]);
    parts.push(
      polyline(fp.map((v, i) => (v === null ? null : [x(i + 1), shareY(v)])), colour, ''),
      polyline(tp.map((v, i) => (v === null ? null : [x(i + 1), shareY(v)])), colour, '4 3'),
      polyline(arm.days.map((d) => [x(d.period), scoreY(d.autoApproveMaxScore)]), colour, ''),
    );
    const lx = MARGIN.left + plotWidth + 12;
    parts.push(
      `<line x1="${lx}" y1="${legend}" x2="${lx + 20}" y2="${legend}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${lx + 26}" y="${legend + 4}">FP auto, ${arm.label}</text>`,
      `<line x1="${lx}" y1="${legend + 16}" x2="${lx + 20}" y2="${legend + 16}" stroke="${colour}" stroke-width="2" stroke-dasharray="4 3"/>`,
      `<text x="${lx + 26}" y="${legend + 20}">TP auto (harm)</text>`,
    );
    legend += 40;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;

  function axes(title: string, y0: number, ticks: ReadonlyArray<readonly [number, string]>): string[] {
    return [
      `<text x="${MARGIN.left}" y="${y0 - 8}">${title}</text>`,
      `<rect x="${MARGIN.left}" y="${y0}" width="${plotWidth}" height="${PANEL}" fill="none" stroke="#999"/>`,
      ...ticks.map(
        ([y, label]) =>
          `<line x1="${MARGIN.left}" y1="${y.toFixed(1)}" x2="${MARGIN.left + plotWidth}" y2="${y.toFixed(1)}" stroke="#eee"/><text x="${MARGIN.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${label}</text>`,
      ),
    ];
  }
}

/** Per day, the share part/whole summed over that day and the 6 before it; null when the whole is 0. */
function trailing(days: readonly PeriodRow[], counts: (day: PeriodRow) => readonly [number, number]): Array<number | null> {
  return days.map((_, i) => {
    const window = days.slice(Math.max(0, i - 6), i + 1).map(counts);
    const whole = window.reduce((sum, [, w]) => sum + w, 0);
    return whole === 0 ? null : window.reduce((sum, [p]) => sum + p, 0) / whole;
  });
}

/** Polyline segments through the points, broken where a point is missing. */
function polyline(points: ReadonlyArray<readonly [number, number] | null>, colour: string, dash: string): string {
  const segments: string[][] = [[]];
  for (const point of points) {
    if (point === null) segments.push([]);
    else segments[segments.length - 1]?.push(`${point[0].toFixed(1)},${point[1].toFixed(1)}`);
  }
  return segments
    .filter((s) => s.length > 0)
    .map((s) => `<polyline points="${s.join(' ')}" fill="none" stroke="${colour}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`)
    .join('\n');
}

function dayTicks(days: number): number[] {
  const step = Math.max(1, Math.ceil(days / 10));
  const ticks = [];
  for (let day = 1; day <= days; day += step) ticks.push(day);
  return ticks;
}
