import { formatTable, renderSvg, toJson } from './report';
import { simulate } from './simulate';
import type { SimulationReport } from './types';

let report: SimulationReport;

beforeAll(async () => {
  report = await simulate({ modules: 5, days: 10, seed: 2 });
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
});

describe('toJson', () => {
  it('writes the whole report', () => {
    expect(JSON.parse(toJson(report))).toEqual(report);
  });
});

describe('renderSvg', () => {
  it('draws both arms on one chart', () => {
    const svg = renderSvg(report);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('FP auto, calibration on');
    expect(svg).toContain('FP auto, calibration off');
    expect((svg.match(/<polyline /g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(svg).not.toMatch(/NaN|undefined/);
  });
});
