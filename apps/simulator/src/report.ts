import { CALIBRATION_LIMITS } from '@medic/domain';
import type { FrontierPoint } from './frontier';
import type { ArmReport, CalibrationRun, PeriodRow, SimulationReport } from './types';

const COLUMNS = ['week', 'days', 'kills', 'FP', 'TP', 'FP auto', 'TP auto (harm)', 'FP median down (min)', 'max_score'] as const;
/** Medic must recover at least this share of what the oracle recovers at the same harm. */
export const RATIO_TARGET = 0.9;
/** The default run's target point: this share of false positives recovered within the harm budget. */
export const RECOVERY_TARGET = 0.8;

/** The weekly table of both arms, the calibration runs that moved the ceiling, Medic next to the oracle, and the targets. */
export function formatTable(report: SimulationReport): string {
  const lines = [
    heading(report),
    'FP/TP: kills that were false/true positives (hidden truth); auto: resurrected by Medic on its own; harm: TP auto; max_score: auto_approve_max_score at the end of the week.',
  ];
  for (const arm of report.arms) {
    lines.push('', arm.label, ...alignRows([[...COLUMNS], ...arm.weeks.map((w) => cells(String(w.period), w)), cells('total', arm.total)]));
  }
  const calibrated = report.arms.find((arm) => arm.calibration);
  if (calibrated) lines.push('', ...calibrationLines(calibrated), learnedLine(calibrated));
  lines.push('', ...oracleLines(report), '', ...targetLines(report));
  return lines.join('\n');
}

/** One line per seed (both arms, the oracle at Medic's harm, the ratio), then the median, minimum and maximum of each column. */
export function formatSeeds(reports: readonly SimulationReport[]): string {
  const first = reports[0];
  if (!first) return 'no runs';
  const header = ['seed', 'FP auto on', 'harm on', 'FP auto off', 'harm off', 'oracle at harm on', 'Medic/oracle', '(expected)', '(blind)', 'harm on-off', 'moves'];
  const figures = reports.map((r) => {
    const on = arm(r, true);
    const off = arm(r, false);
    return [
      r.parameters.seed,
      on.oracle.realized.medic.recovered,
      on.oracle.realized.medic.harm,
      off.oracle.realized.medic.recovered,
      off.oracle.realized.medic.harm,
      on.oracle.realized.oracle.recovered,
      on.oracle.realized.ratio ?? Number.NaN,
      on.oracle.expected.ratio ?? Number.NaN,
      on.oracle.blind.ratio ?? Number.NaN,
      on.oracle.realized.medic.harm - off.oracle.realized.medic.harm,
      on.calibrations.filter((c) => c.direction !== 'none').length,
    ];
  });
  const show = (row: readonly number[]): string[] => [
    String(row[0]),
    percent(row[1] ?? null),
    percent(row[2] ?? null, 2),
    percent(row[3] ?? null),
    percent(row[4] ?? null, 2),
    percent(row[5] ?? null),
    ratio(row[6] ?? Number.NaN),
    ratio(row[7] ?? Number.NaN),
    ratio(row[8] ?? Number.NaN),
    points(row[9] ?? 0),
    String(row[10]),
  ];
  const column = (i: number) => figures.map((f) => f[i] ?? Number.NaN).filter((v) => !Number.isNaN(v));
  const summary = (label: string, pick: (values: number[]) => number) => {
    const row = header.map((_, i) => (i === 0 ? Number.NaN : pick(column(i))));
    return [label, ...show(row).slice(1)];
  };
  const ratios = column(6);
  const harmDifferences = column(9);
  return [
    `${heading(first)}; seeds ${reports.map((r) => r.parameters.seed).join(', ')}`,
    'FP auto / harm: shares of false / true positive kills Medic resurrected on its own; oracle: its recovered share at the harm of Medic with calibration on.',
    ...alignRows([header, ...figures.map(show), summary('median', median), summary('min', (v) => Math.min(...v)), summary('max', (v) => Math.max(...v))]),
    '',
    `Medic recovers >= ${RATIO_TARGET * 100} % of the oracle at the same harm in ${ratios.filter((r) => r >= RATIO_TARGET).length} of ${reports.length} seeds counted ` +
      `(median ratio ${ratio(median(ratios))}), in ${column(7).filter((r) => r >= RATIO_TARGET).length} of ${reports.length} expected (median ${ratio(median(column(7)))}), ` +
      `in ${column(8).filter((r) => r >= RATIO_TARGET).length} of ${reports.length} counted blind (median ${ratio(median(column(8)))})`,
    `calibration on does no more harm than off beyond max_harm_rate ${percent(first.policy.maxHarmRate, 2)} in ` +
      `${harmDifferences.filter((d) => d <= first.policy.maxHarmRate + 1e-12).length} of ${reports.length} seeds (largest difference ${points(Math.max(...harmDifferences))})`,
  ].join('\n');
}

/** The whole report as JSON. */
export function toJson(report: SimulationReport | readonly SimulationReport[]): string {
  return `${JSON.stringify(Array.isArray(report) ? { runs: report } : report, null, 2)}\n`;
}

function heading(report: SimulationReport): string {
  const p = report.parameters;
  return (
    `Medic simulation: seed ${p.seed}, ${p.modules} modules, ${p.days} days, ~${p.killsPerDay} kills/day, fleet true-positive rate ${p.truePositiveRate}, ` +
    `confidence noise ${p.confidenceNoise}, auto-approve ${p.autoApprove ? 'on' : 'off'}, operator reviews after ~${p.operatorDelayMinutes} min`
  );
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
  const last = arm.calibrations[arm.calibrations.length - 1];
  const lastRun = last
    ? `last run: ${last.labelled ?? 0} labelled kills since day ${last.evidenceDay}, ${last.successes} of ${last.samples} auto-approvals among them held; predicted harm at ${last.nextMaxScore.toFixed(2)} ` +
      `${predicted(last)} against max_harm_rate ${percent(last.maxHarmRate, 2)}`
    : 'no run';
  if (moves.length === 0) return [`calibration never moved the ceiling (${lastRun})`];
  return [
    'calibration moves:',
    ...moves.map(
      (c) =>
        `  day ${c.day}: ${c.direction} ${c.previousMaxScore.toFixed(2)} -> ${c.nextMaxScore.toFixed(2)} ` +
        `(${c.labelled ?? 0} labelled since day ${c.evidenceDay}; ${c.successes} of ${c.samples} auto-approvals held, Wilson ${(c.wilsonLower ?? 0).toFixed(3)}-${(c.wilsonUpper ?? 1).toFixed(3)}; ` +
        `predicted harm ${predicted(c)})`,
    ),
    `  (${lastRun})`,
  ];
}

/** What Medic had learnt about the signals by the end of the arm. */
function learnedLine(arm: ArmReport): string {
  const l = arm.learned;
  if (!l) return 'Medic never had labels enough to learn the signals: the configured weighted mean decided throughout';
  return (
    `learnt by the end, from ${l.kills} kills in the history window (${l.truePositiveLabels} true- and ${l.falsePositiveLabels} false-positive labels): ` +
    `quiet share ${percent(l.quietShare, 1)} (${percent(l.quietShareInterval.lower, 1)}–${percent(l.quietShareInterval.upper, 1)}), modules shrunk towards the fleet by ${l.modulePriorLabels.toFixed(1)} labels`
  );
}

/** A calibration run's predicted harm at its resulting ceiling: point (interval). */
function predicted(c: CalibrationRun): string {
  return c.harmPoint === null ? 'unknown (no learnt model)' : `${percent(c.harmPoint, 2)} (${percent(c.harmLower, 2)}–${percent(c.harmUpper, 2)})`;
}

/** Medic's point next to the oracle's frontier on the same kills, the ratio, and the oracle's threshold sweep. */
function oracleLines(report: SimulationReport): string[] {
  const rows: string[][] = [['', 'FP auto', 'TP auto (harm)', 'oracle: P(FP) >=', 'expected FP auto', 'expected harm']];
  for (const a of report.arms) {
    const { realized, expected, blind } = a.oracle;
    rows.push(
      [`Medic, ${a.label}`, percent(realized.medic.recovered), percent(realized.medic.harm, 2), ''],
      ['  oracle at that harm', percent(realized.oracle.recovered), percent(realized.oracle.harm, 2), realized.oracle.threshold.toFixed(4)],
      ['  Medic / oracle', ratio(realized.ratio), '', ''],
      ['  expected: Medic', percent(expected.medic.recovered), percent(expected.medic.harm, 2), ''],
      ['  expected: oracle at that harm', percent(expected.oracle.recovered), percent(expected.oracle.harm, 2), expected.oracle.threshold.toFixed(4)],
      ['  expected: Medic / oracle', ratio(expected.ratio), '', ''],
      ['  blind: oracle at expected harm', percent(blind.oracle.recovered), percent(blind.oracle.harm, 2), blind.oracle.threshold.toFixed(4)],
      ['  blind: Medic / oracle', ratio(blind.ratio), '', ''],
    );
  }
  const on = arm(report, true).oracle;
  rows.push(['oracle within max_harm_rate', percent(on.oracleAtBudget.recovered), percent(on.oracleAtBudget.harm, 2), on.oracleAtBudget.threshold.toFixed(4)]);
  for (const [i, point] of on.sweep.entries()) {
    const expected = on.sweepExpected[i];
    rows.push([`oracle sweep`, percent(point.recovered), percent(point.harm, 2), String(point.threshold), percent(expected?.recovered ?? null), percent(expected?.harm ?? null, 2)]);
  }
  return [
    'oracle: sees the kills Medic saw, their signals and every label Medic held, knows the generative model, approves by P(false positive);',
    'frontier drawn on the calibration-on kills (sweep and budget rows); "expected" counts each kill by the oracle\'s probability, so it carries no luck;',
    '"blind" counts the oracle at the threshold where its expected harm is Medic\'s (chosen without the truth), not at its luckiest point within Medic\'s counted harm',
    ...alignRows(rows),
    `oracle calibration: its probabilities add up to ${on.truePositives.expected} true positives; ${on.truePositives.counted} were counted`,
  ];
}

function targetLines(report: SimulationReport): string[] {
  const on = arm(report, true);
  const off = arm(report, false);
  const { realized, expected, blind } = on.oracle;
  const budget = report.policy.maxHarmRate;
  const atBudget = on.oracle.oracleAtBudget;
  const pointHeld = realized.medic.recovered >= RECOVERY_TARGET && realized.medic.harm <= budget;
  const harmDifference = realized.medic.harm - off.oracle.realized.medic.harm;
  return [
    'targets:',
    `  Medic recovers >= ${RATIO_TARGET * 100} % of the oracle at the same harm: counted ${ratio(realized.ratio)} ${verdict((realized.ratio ?? 0) >= RATIO_TARGET)}, ` +
      `expected ${ratio(expected.ratio)} ${verdict((expected.ratio ?? 0) >= RATIO_TARGET)}, counted blind ${ratio(blind.ratio)} ${verdict((blind.ratio ?? 0) >= RATIO_TARGET)}`,
    `  >= ${RECOVERY_TARGET * 100} % of FP kills auto-resurrected with harm <= ${percent(budget, 2)}: ${percent(realized.medic.recovered)} with ${percent(realized.medic.harm, 2)}: ` +
      `${pointHeld ? 'holds' : 'missed'}; the oracle recovers ${percent(atBudget.recovered)} within that harm` +
      `${atBudget.recovered < RECOVERY_TARGET ? ', so the point is beyond its frontier too' : ''}`,
    `  calibration on does no more harm than off beyond max_harm_rate: ${points(harmDifference)} (budget ${points(budget)}): ` +
      `${harmDifference <= budget + 1e-12 ? 'holds' : 'missed'}`,
  ];
}

function verdict(holds: boolean): string {
  return holds ? '(holds)' : '(missed)';
}

function arm(report: SimulationReport, calibration: boolean): ArmReport {
  const found = report.arms.find((a) => a.calibration === calibration);
  if (!found) throw new Error(`the report has no arm with calibration ${calibration ? 'on' : 'off'}`);
  return found;
}

function percent(share: number | null, decimals = 1): string {
  return share === null || Number.isNaN(share) ? '-' : `${(share * 100).toFixed(decimals)} %`;
}

function ratio(value: number | null): string {
  return value === null || Number.isNaN(value) ? '-' : value.toFixed(3);
}

/** A difference of shares in percentage points, signed. */
function points(difference: number): string {
  return `${difference >= 0 ? '+' : ''}${(difference * 100).toFixed(2)} points`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Left-aligns the first column, right-aligns the others. */
function alignRows(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd());
}

const WIDTH = 760;
const PANEL = 220;
const MARGIN = { left: 56, right: 24, top: 52, gap: 60, bottom: 44 };
const FONT_SIZE = 11;
/** A generous width per character of 11 px sans-serif, so a legend box always holds its text. */
const CHAR_WIDTH = 6.6;
const ARM_COLOURS: Record<ArmReport['label'], string> = { 'calibration on': '#1f77b4', 'calibration off': '#d62728' };
const ORACLE_COLOUR = '#333333';

interface LegendEntry {
  readonly label: string;
  readonly colour: string;
  readonly dash?: string;
  /** The arm's marker instead of a line. */
  readonly arm?: ArmReport;
}

function marker(x: number, y: number, a: ArmReport): string {
  const colour = ARM_COLOURS[a.label];
  return a.calibration
    ? `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.5" fill="${colour}"/>`
    : `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="6.5" fill="none" stroke="${colour}" stroke-width="2"/>`;
}

/**
 * An SVG chart: the oracle's frontier (FP recovered against harm) with both arms' points on it, then per simulated day the
 * shares of FP and TP kills auto-resurrected over the trailing 7 days, and auto_approve_max_score. Every legend sits inside its panel.
 */
export function renderSvg(report: SimulationReport): string {
  const days = report.parameters.days;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const panelTop = (i: number) => MARGIN.top + i * (PANEL + MARGIN.gap);
  const height = panelTop(3) - MARGIN.gap + MARGIN.bottom;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="${FONT_SIZE}">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="20" font-size="13">Medic simulation, seed ${report.parameters.seed}: the oracle's frontier, then per simulated day</text>`,
  ];

  // Panel 1: the frontier.
  const on = arm(report, true);
  const arms = report.arms;
  const maxHarm = niceCeiling(Math.max(0.02, ...arms.map((a) => a.oracle.realized.medic.harm * 1.5)));
  const fx = (harm: number) => MARGIN.left + (Math.min(harm, maxHarm) / maxHarm) * plotWidth;
  const top0 = panelTop(0);
  const fy = (share: number) => top0 + PANEL * (1 - share);
  parts.push(
    ...frame('FP kills recovered against harm (TP kills auto-resurrected), on the calibration-on kills', top0, plotWidth, [0, 0.25, 0.5, 0.75, 1].map((v) => [fy(v), `${v * 100} %`])),
    ...[0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${fx(f * maxHarm).toFixed(1)}" y="${top0 + PANEL + 14}" text-anchor="middle">${(f * maxHarm * 100).toFixed(2)} %</text>`),
    `<text x="${MARGIN.left + plotWidth / 2}" y="${top0 + PANEL + 30}" text-anchor="middle">harm</text>`,
    polyline(frontierSteps(on.oracle.curve).map((f) => [fx(f.harm), fy(f.recovered)]), ORACLE_COLOUR, ''),
    `<line x1="${fx(report.policy.maxHarmRate).toFixed(1)}" y1="${top0}" x2="${fx(report.policy.maxHarmRate).toFixed(1)}" y2="${top0 + PANEL}" stroke="#999" stroke-dasharray="2 3"/>`,
  );
  // The arms often share a point: calibration on is a dot, off a ring around it, so both stay visible.
  for (const a of arms) {
    const m = a.oracle.realized.medic;
    parts.push(marker(fx(m.harm), fy(m.recovered), a));
  }
  parts.push(
    ...legend(
      [
        { label: 'oracle frontier', colour: ORACLE_COLOUR },
        { label: `max_harm_rate ${percent(report.policy.maxHarmRate, 1)}`, colour: '#999', dash: '2 3' },
        ...arms.map((a) => ({ label: `Medic, ${a.label}`, colour: ARM_COLOURS[a.label], arm: a })),
      ],
      MARGIN.left + plotWidth,
      top0 + PANEL,
      'bottom-right',
    ),
  );

  // Panels 2 and 3: per day.
  const x = (day: number) => MARGIN.left + (days <= 1 ? 0 : ((day - 1) / (days - 1)) * plotWidth);
  const top1 = panelTop(1);
  const top2 = panelTop(2);
  const shareY = (v: number) => top1 + PANEL * (1 - v);
  // The ceiling's whole range, as calibration may move it.
  const { min: low, max: high } = CALIBRATION_LIMITS;
  const scoreY = (v: number) => top2 + PANEL * (1 - (v - low) / (high - low));
  parts.push(
    ...frame('share of kills auto-resurrected, trailing 7 days', top1, plotWidth, [0, 0.25, 0.5, 0.75, 1].map((v) => [shareY(v), `${v * 100} %`])),
    ...frame('auto_approve_max_score', top2, plotWidth, [0, 0.25, 0.5, 0.75, 1].map((t) => low + t * (high - low)).map((v) => [scoreY(v), v.toFixed(2)])),
  );
  for (const panelTopY of [top1, top2]) {
    for (const day of dayTicks(days)) parts.push(`<text x="${x(day).toFixed(1)}" y="${panelTopY + PANEL + 14}" text-anchor="middle">${day}</text>`);
  }
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${top2 + PANEL + 30}" text-anchor="middle">day</text>`);
  const dayLegend: LegendEntry[] = [];
  // Calibration off underneath, wide and pale, so where the arms agree both stay visible.
  for (const a of [...arms].sort((p, q) => Number(p.calibration) - Number(q.calibration))) {
    const colour = ARM_COLOURS[a.label];
    const width = a.calibration ? 1.5 : 4;
    const fp = trailing(a.days, (d) => [d.falsePositivesAutoResurrected, d.falsePositiveKills]);
    const tp = trailing(a.days, (d) => [d.truePositivesAutoResurrected, d.truePositiveKills]);
    parts.push(
      polyline(fp.map((v, i) => (v === null ? null : [x(i + 1), shareY(v)])), colour, '', width),
      polyline(tp.map((v, i) => (v === null ? null : [x(i + 1), shareY(v)])), colour, '4 3', width),
      polyline(a.days.map((d) => [x(d.period), scoreY(d.autoApproveMaxScore)]), colour, '', width),
    );
  }
  for (const a of arms) {
    const colour = ARM_COLOURS[a.label];
    dayLegend.push({ label: `FP auto, ${a.label}`, colour }, { label: `TP auto (harm), ${a.label}`, colour, dash: '4 3' });
  }
  parts.push(...legend(dayLegend, MARGIN.left + plotWidth, top1, 'top-right'));
  parts.push(...legend(arms.map((a) => ({ label: a.label, colour: ARM_COLOURS[a.label] })), MARGIN.left + plotWidth, top2, 'top-right'));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;

  function frame(title: string, y0: number, width: number, ticks: ReadonlyArray<readonly [number, string]>): string[] {
    return [
      `<text x="${MARGIN.left}" y="${y0 - 8}">${title}</text>`,
      `<rect x="${MARGIN.left}" y="${y0}" width="${width}" height="${PANEL}" fill="none" stroke="#999"/>`,
      ...ticks.map(
        ([y, label]) =>
          `<line x1="${MARGIN.left}" y1="${y.toFixed(1)}" x2="${MARGIN.left + width}" y2="${y.toFixed(1)}" stroke="#eee"/><text x="${MARGIN.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${label}</text>`,
      ),
    ];
  }
}

/** Estimated width of a text in the chart's font, generously, for laying out legends. */
export function textWidth(text: string): number {
  return text.length * CHAR_WIDTH;
}

/** A legend in a white box inside a panel, anchored at one of its corners (x, y is that corner of the plot area). */
function legend(entries: readonly LegendEntry[], x: number, y: number, corner: 'top-right' | 'bottom-right'): string[] {
  const pad = 6;
  const row = 16;
  const swatch = 20;
  const width = pad * 2 + swatch + 6 + Math.max(...entries.map((e) => textWidth(e.label)));
  const height = pad * 2 + row * entries.length - 4;
  const left = x - width - 4;
  const top = corner === 'top-right' ? y + 4 : y - height - 4;
  const parts = [`<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${height}" fill="white" fill-opacity="0.9" stroke="#ccc"/>`];
  for (const [i, e] of entries.entries()) {
    const cy = top + pad + 6 + i * row;
    parts.push(
      e.arm
        ? marker(left + pad + swatch / 2, cy, e.arm)
        : `<line x1="${(left + pad).toFixed(1)}" y1="${cy.toFixed(1)}" x2="${(left + pad + swatch).toFixed(1)}" y2="${cy.toFixed(1)}" stroke="${e.colour}" stroke-width="2"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}/>`,
      `<text x="${(left + pad + swatch + 6).toFixed(1)}" y="${(cy + 4).toFixed(1)}">${e.label}</text>`,
    );
  }
  return parts;
}

/** The frontier as a staircase: harm rises only when a true positive is approved. */
function frontierSteps(curve: readonly FrontierPoint[]): FrontierPoint[] {
  const steps: FrontierPoint[] = [];
  for (const point of curve) {
    const previous = steps[steps.length - 1];
    if (previous && point.harm !== previous.harm) steps.push({ ...point, recovered: previous.recovered });
    steps.push(point);
  }
  return steps;
}

/** A round upper bound for an axis: 2, 5 or 10 times a power of ten. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].map((m) => m * power).find((v) => v >= value) ?? 10 * power) as number;
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
function polyline(points: ReadonlyArray<readonly [number, number] | null>, colour: string, dash: string, width = 1.5): string {
  const segments: string[][] = [[]];
  for (const point of points) {
    if (point === null) segments.push([]);
    else segments[segments.length - 1]?.push(`${point[0].toFixed(1)},${point[1].toFixed(1)}`);
  }
  return segments
    .filter((s) => s.length > 0)
    .map((s) => `<polyline points="${s.join(' ')}" fill="none" stroke="${colour}" stroke-width="${width}"${width > 2 ? ' stroke-opacity="0.45"' : ''}${dash ? ` stroke-dasharray="${dash}"` : ''}/>`)
    .join('\n');
}

function dayTicks(days: number): number[] {
  const step = Math.max(1, Math.ceil(days / 10));
  const ticks = [];
  for (let day = 1; day <= days; day += step) ticks.push(day);
  return ticks;
}

