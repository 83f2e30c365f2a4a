import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH, districtGapChart } from './sync-chart.js';
import type { SyncDistrictRow } from './sync-report.js';

const row = (districtCode: string, districtName: string, gapMinutes: number, abnormalLots: number): SyncDistrictRow => ({
  districtCode, districtName, lots: 2, reportingLots: 2, abnormalLots, records: 10, gapCount: 1, gapMinutes, lateDeliveries: 0, states: { ok: 2, late: 0, never: 0, paused: 0 },
});

describe('districtGapChart', () => {
  const chart = districtGapChart([row('320602', '崇川区', 1200, 2), row('320612', '通州区', 0, 0), row('320614', '海门区', 300, 0)]);

  it('draws an SVG bar chart with the districts, their values and abnormal counts', () => {
    expect(chart.svg.startsWith('<svg')).toBe(true);
    expect(chart.svg).toContain(`width="${CHART_WIDTH}" height="${CHART_HEIGHT}"`);
    for (const t of ['各县市区数据断档时长（分钟）', '崇川区', '通州区', '海门区', '异常 2 个', '>1200<', '>300<']) expect(chart.svg).toContain(t);
    // Well-formed attributes (Word refuses an SVG it cannot parse): no quote inside a quoted value.
    expect(chart.svg).not.toMatch(/\s[\w:-]+="[^"]*"[^\s/>]/);
  });

  it('draws the same bars as a PNG fallback', () => {
    const png = chart.png;
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    const idatLength = png.readUInt32BE(33);
    expect(png.toString('ascii', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect(raw.length).toBe((CHART_WIDTH * 3 + 1) * CHART_HEIGHT);
    const pixel = (x: number, y: number) => raw.readUIntBE(y * (CHART_WIDTH * 3 + 1) + 1 + x * 3, 3);
    const slot = (CHART_WIDTH - 24 - 64) / 3;
    const mid = (i: number) => Math.round(64 + slot * i + slot / 2);
    const bottom = CHART_HEIGHT - 56 - 2;
    expect(pixel(mid(0), bottom)).toBe(0xd9534f); // abnormal district: red, full height
    expect(pixel(mid(0), 50)).toBe(0xd9534f);
    expect(pixel(mid(1), bottom)).toBe(0xffffff); // no gap minutes: no bar
    expect(pixel(mid(2), bottom)).toBe(0x5470c6); // a quarter of the height, blue
    expect(pixel(mid(2), 150)).toBe(0xffffff);
  });
});
