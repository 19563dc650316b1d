import { formatSeeds, formatTable, renderSvg, textWidth, toJson } from './report';
import { simulate } from './simulate';
import type { SimulationReport } from './types';

let report: SimulationReport;
let other: SimulationReport;

beforeAll(async () => {
  report = await simulate({ modules: 5, days: 10, seed: 2 });
  other = await simulate({ modules: 5, days: 10, seed: 3 });
});

describe('formatTable', () => {
  it('prints a week table for each arm, then the calibration summary', () => {
    const text = formatTable(report);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/seed 2, 5 modules, 10 days/);
    const on = lines.indexOf('calibration on');
    const off = lines.indexOf('calibration off');
    expect(on).toBeGreaterThan(0);
    expect(off).toBeGreaterThan(on);
    for (const start of [on, off]) {
      expect(lines[start + 1]).toMatch(/^week\s+days\s+kills\s+FP\s+TP\s+FP auto\s+TP auto \(harm\)\s+FP median down \(min\)\s+max_score$/);
      expect(lines[start + 2]).toMatch(/^1\s+1-7\s/);
      expect(lines[start + 3]).toMatch(/^2\s+8-10\s/);
      expect(lines[start + 4]).toMatch(/^total\s+1-10\s/);
    }
    const total = report.arms[0]?.total;
    expect(lines[on + 4]).toContain(` ${total?.kills} `);
    expect(text).toMatch(/calibration (never moved|moves)/);
  });

  it('prints Medic next to the oracle at the same harm, with the ratio, for both arms', () => {
    const text = formatTable(report);
    for (const a of report.arms) {
      const { realized } = a.oracle;
      const at = text.indexOf(`Medic, ${a.label}`);
      expect(at).toBeGreaterThan(0);
      const block = text.slice(at).split('\n');
      expect(block[0]).toMatch(new RegExp(`^Medic, ${a.label}\\s+${(realized.medic.recovered * 100).toFixed(1)} %\\s+${(realized.medic.harm * 100).toFixed(2)} %$`));
      expect(block[1]).toMatch(new RegExp(`^  oracle at that harm\\s+${(realized.oracle.recovered * 100).toFixed(1)} %`));
      expect(block[2]).toMatch(/^ {2}Medic \/ oracle\s+(\d\.\d{3}|-)$/);
      expect(block[6]).toMatch(new RegExp(`^  blind: oracle at expected harm\\s+${(a.oracle.blind.oracle.recovered * 100).toFixed(1)} %\\s+${(a.oracle.blind.oracle.harm * 100).toFixed(2)} %`));
      expect(block[7]).toMatch(/^ {2}blind: Medic \/ oracle\s+(\d\.\d{3}|-)$/);
    }
    expect(text).toMatch(/^oracle sweep\s+\d+\.\d %\s+\d+\.\d\d %\s+0\.999\s+\d+\.\d %\s+\d+\.\d\d %$/m);
    expect(text).toMatch(/^learnt by the end, from \d+ kills in the history window|^Medic never had labels enough/m);
    expect(text).toMatch(/^oracle calibration: its probabilities add up to [\d.]+ true positives; \d+ were counted$/m);
  });

  it('ends with the targets and whether each holds', () => {
    const lines = formatTable(report).split('\n');
    const start = lines.indexOf('targets:');
    expect(lines.slice(start + 1)).toEqual([
      expect.stringMatching(/^ {2}Medic recovers >= 90 % of the oracle at the same harm: counted (\d\.\d{3}|-) \((holds|missed)\), expected (\d\.\d{3}|-) \((holds|missed)\), counted blind (\d\.\d{3}|-) \((holds|missed)\)$/),
      expect.stringMatching(/^ {2}>= 80 % of FP kills auto-resurrected with harm <= 0\.50 %: .*: (holds|missed); the oracle recovers \d+\.\d % within that harm/),
      expect.stringMatching(/^ {2}calibration on does no more harm than off beyond max_harm_rate: [-+]\d+\.\d\d points \(budget \+0\.50 points\): (holds|missed)$/),
    ]);
  });
});

describe('formatSeeds', () => {
  it('prints one line per seed, then the median, minimum and maximum, and how often the targets held', () => {
    const lines = formatSeeds([report, other]).split('\n');
    expect(lines[0]).toMatch(/seeds 2, 3$/);
    expect(lines[2]).toMatch(/^seed\s+FP auto on\s+harm on\s+FP auto off\s+harm off\s+oracle at harm on\s+Medic\/oracle\s+\(expected\)\s+\(blind\)\s+harm on-off\s+moves$/);
    expect(lines[3]).toMatch(/^2\s/);
    expect(lines[4]).toMatch(/^3\s/);
    expect(lines.slice(5, 8).map((l) => l.split(/\s+/)[0])).toEqual(['median', 'min', 'max']);
    expect(lines[9]).toMatch(/^Medic recovers >= 90 % of the oracle at the same harm in [0-2] of 2 seeds counted \(median ratio \d\.\d{3}\), in [0-2] of 2 expected \(median \d\.\d{3}\), in [0-2] of 2 counted blind \(median \d\.\d{3}\)$/);
    expect(lines[10]).toMatch(/^calibration on does no more harm than off beyond max_harm_rate 0\.50 % in [0-2] of 2 seeds/);
  });
});

describe('toJson', () => {
  it('writes the whole report, or every run of several seeds', () => {
    expect(JSON.parse(toJson(report))).toEqual(report);
    expect(JSON.parse(toJson([report, other]))).toEqual({ runs: [report, other] });
  });
});

describe('renderSvg', () => {
  it('draws the oracle frontier with both arms on it, then both arms per day', () => {
    const svg = renderSvg(report);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const label of ['oracle frontier', 'Medic, calibration on', 'Medic, calibration off', 'FP auto, calibration on', 'FP auto, calibration off']) {
      expect(svg).toContain(`>${label}</text>`);
    }
    expect((svg.match(/<polyline /g) ?? []).length).toBeGreaterThanOrEqual(7);
    expect(svg).not.toMatch(/NaN|undefined/);
  });

  it('plots the ceiling over its whole range, 0 to 0.4, inside its panel', () => {
    const extremes: SimulationReport = {
      ...report,
      arms: report.arms.map((arm) => ({ ...arm, days: arm.days.map((day, i) => ({ ...day, autoApproveMaxScore: i % 2 === 0 ? 0 : 0.4 })) })),
    };
    const svg = renderSvg(extremes);
    const panels = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="none" stroke="#999"\/>/g)];
    const ceilingPanel = panels.at(-1);
    const top = Number(ceilingPanel?.[1]);
    const bottom = top + Number(ceilingPanel?.[2]);
    const ys = [...svg.matchAll(/<polyline points="([^"]+)"/g)].flatMap((m) => (m[1] ?? '').split(' ').map((point) => Number(point.split(',')[1])));
    expect(svg).toContain('>0.00</text>');
    expect(svg).toContain('>0.40</text>');
    expect(ys.length).toBeGreaterThan(0);
    expect(Math.max(...ys)).toBeCloseTo(bottom, 1);
    expect(ys).toContain(top);
  });

  it('keeps every text, legends included, inside the picture', () => {
    const svg = renderSvg(report);
    const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)?.[1]);
    const height = Number(/<svg [^>]*height="(\d+)"/.exec(svg)?.[1]);
    const texts = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"([^>]*)>([^<]*)<\/text>/g)];
    expect(texts.length).toBeGreaterThan(20);
    for (const [, x, y, attributes, content] of texts) {
      const w = textWidth(content ?? '');
      const anchor = /text-anchor="(\w+)"/.exec(attributes ?? '')?.[1] ?? 'start';
      const left = anchor === 'end' ? Number(x) - w : anchor === 'middle' ? Number(x) - w / 2 : Number(x);
      expect(left).toBeGreaterThanOrEqual(0);
      expect(left + w).toBeLessThanOrEqual(width);
      expect(Number(y)).toBeLessThanOrEqual(height);
    }
  });
});
