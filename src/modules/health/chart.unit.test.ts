import JSZip from 'jszip';
import { expect, it } from 'vitest';
import { chartSvg, renderChart } from './chart.js';
import { renderDocx } from './document.js';

/** The PNG's width and height from its IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

it('renders a bar chart to SVG (text escaped) and to a PNG at twice the size', () => {
  const spec = { title: '工单 <b>&</b>', categories: ['电话', '网站'], series: [{ name: '受理', data: [3, 5] }, { name: '办结', data: [2, 4] }] };
  const svg = chartSvg(spec);
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('工单 &lt;b&gt;&amp;&lt;/b&gt;');
  expect(svg).not.toContain('<b>');
  expect(svg).toContain('电话');
  const { png } = renderChart(spec);
  expect(pngSize(png)).toEqual({ width: 1280, height: 600 });
});

it('a .docx section with a chart carries the SVG image and its PNG fallback, referenced from the document', async () => {
  const body = await renderDocx({
    title: '测试报告', subtitle: 'x',
    sections: [{ heading: '一', paragraphs: ['段落'], chart: { title: '巡检结果', categories: ['本次'], stacked: true, series: [{ name: '正常', data: [11] }, { name: '告警', data: [3] }, { name: '故障', data: [1] }] } }],
  });
  const zip = await JSZip.loadAsync(body);
  const media = Object.keys(zip.files).filter((f) => f.startsWith('word/media/'));
  const svg = media.find((f) => f.endsWith('.svg'));
  const png = media.find((f) => f.endsWith('.png'));
  expect(svg && png).toBeTruthy();
  expect(await zip.file(svg!)!.async('string')).toContain('巡检结果');
  expect(pngSize(await zip.file(png!)!.async('nodebuffer')).width).toBe(1280);
  const xml = await zip.file('word/document.xml')!.async('string');
  expect(xml).toContain('<pic:pic');
  expect(xml).toContain('svgBlip');
  const rels = await zip.file('word/_rels/document.xml.rels')!.async('string');
  expect(rels).toContain(svg!.replace('word/', ''));
  expect(rels).toContain(png!.replace('word/', ''));
});
