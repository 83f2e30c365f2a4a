import { describe, expect, it } from 'vitest';
import { memberPoints, memberTooltipHtml } from './scatter';

const member = (code: string, name: string, lng: number | null, lat: number | null) => ({ code, name, districtCode: '320602', category: 'hospital', totalSpaces: 100, lng, lat, via: 'lot' });
const live = (code: string, occupancy: number | null) => ({ code, name: code, totalSpaces: 100, availability: occupancy === null ? 'stale' : 'live', freeSpaces: occupancy === null ? null : 100 - occupancy * 100, occupancy, updatedAt: null, saturatedMinutesToday: 0 });

describe('theme members on the scatter', () => {
  it('joins members with coordinates to their live occupancy and leaves out those without', () => {
    const points = memberPoints([member('A', '甲', 120.86, 32.01), member('B', '乙', null, null), member('C', '丙', 120.87, 32.02)], [live('A', 0.95), live('C', null)]);
    expect(points.map((p) => [p.code, p.occupancy, p.availability])).toEqual([['A', 0.95, 'live'], ['C', null, 'stale']]);
  });

  it('escapes every value in the tooltip HTML', () => {
    const [p] = memberPoints([member('X<1>', '<img src=x onerror="alert(1)">&\'', 120.86, 32.01)], [live('X<1>', 0.5)]);
    const html = memberTooltipHtml(p!, (k) => (k.endsWith('.occupancy') ? '<b>占用率</b>' : k));
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;');
    expect(html).toContain('X&lt;1&gt;');
    expect(html).toContain('&lt;b&gt;占用率&lt;/b&gt;：50.0%');
    expect(html.match(/<b>/g)).toHaveLength(1); // only the name's own bold
  });
});
