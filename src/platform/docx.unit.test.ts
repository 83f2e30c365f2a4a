import { expect, it } from 'vitest';
import { docxText, unzip } from '../../test/support/unzip.js';
import { COLOR, heading, none, note, para, reportDocx, SIZE, table } from './docx.js';

/** The <w:style> of a style id in styles.xml. */
const style = (styles: string, id: string) => styles.match(new RegExp(`<w:style [^>]*w:styleId="${id}".*?</w:style>`, 's'))?.[0] ?? '';

it('a report built with the helper parses back with the house fonts and sizes, the title first and page numbers in the footer', async () => {
  const body = await reportDocx({
    title: '测试报告',
    subtitle: '统计期间 2026-11-01 至 2026-11-30（北京时间）',
    documentTitle: '测试报告（2026年11月）',
    sections: [
      { children: [heading('一、概况'), para('本月共 3 项。'), heading('（一）明细', 2), none()] },
      {
        landscape: true,
        children: [
          table(['编号', '名称', '数量'], [['A-1', '第一行\n第二行', 12], ['A-2', '', 3]], { fill: (r) => (r === 1 ? COLOR.alertFill : undefined), emphasis: (r, c) => r === 0 && c === 2 }),
          note('口径说明'),
        ],
      },
    ],
  });
  const files = unzip(body);
  const xml = files.get('word/document.xml')!.toString('utf8');
  const lines = docxText(xml).split('\n');
  expect(lines.slice(0, 5)).toEqual(['测试报告', '统计期间 2026-11-01 至 2026-11-30（北京时间）', '一、概况', '本月共 3 项。', '（一）明细']);
  expect(lines).toContain('（无）');
  // One cell line a paragraph; an empty cell still holds one.
  expect(lines.slice(lines.indexOf('编号'), lines.indexOf('口径说明'))).toEqual(['编号', '名称', '数量', 'A-1', '第一行', '第二行', '12', 'A-2', ' ', '3']);
  expect(xml).toMatch(/<w:pStyle w:val="Title"\/>.*?测试报告/s);

  const styles = files.get('word/styles.xml')!.toString('utf8');
  const defaults = styles.match(/<w:docDefaults>.*?<\/w:docDefaults>/s)![0];
  expect(defaults).toContain('w:eastAsia="宋体"');
  expect(defaults).toContain('w:ascii="Times New Roman"');
  expect(defaults).toContain(`<w:sz w:val="${SIZE.body}"/>`);
  expect(defaults).toMatch(/<w:lang [^>]*w:eastAsia="zh-CN"/);
  for (const [id, size] of [['Title', SIZE.title], ['Heading1', SIZE.heading1], ['Heading2', SIZE.heading2]] as const) {
    const s = style(styles, id);
    expect(s, id).toContain('w:eastAsia="黑体"');
    expect(s, id).toContain(`<w:sz w:val="${size}"/>`);
    expect(s, id).toContain('<w:b/>');
    expect(s, id).toContain('<w:color w:val="000000"/>');
  }

  // The table: bordered, header repeated and shaded, the alert row filled, the emphasis bold red, numbers right.
  expect(xml).toContain('<w:tblHeader/>');
  expect(xml).toMatch(/<w:tblBorders><w:top w:val="single" w:color="000000" w:sz="4"\/>/);
  expect(xml).toContain(`w:fill="${COLOR.headerFill}"`);
  expect(xml).toContain(`w:fill="${COLOR.alertFill}"`);
  expect(xml).toMatch(new RegExp(`<w:b/>.*?<w:color w:val="${COLOR.red}"/>.*?<w:t xml:space="preserve">12</w:t>`, 's'));
  expect(xml).toMatch(/<w:jc w:val="right"\/><\/w:pPr><w:r><w:rPr>.*?<\/w:rPr><w:t xml:space="preserve">12</);
  // Two sections: portrait A4 with 2 cm margins, then landscape with narrow ones; each with the page-number footer.
  const sects = [...xml.matchAll(/<w:sectPr>.*?<\/w:sectPr>/gs)].map((m) => m[0]);
  expect(sects).toHaveLength(2);
  expect(sects[0]).toMatch(/<w:pgSz w:w="11906" w:h="16838"/);
  expect(sects[0]).toContain('w:top="1134"');
  expect(sects[1]).toContain('w:orient="landscape"');
  expect(sects[1]).toContain('w:left="720"');
  for (const s of sects) expect(s).toContain('<w:footerReference w:type="default"');
  const footers = [...files.keys()].filter((k) => /^word\/footer\d+\.xml$/.test(k)).map((k) => files.get(k)!.toString('utf8'));
  expect(footers.length).toBeGreaterThan(0);
  for (const f of footers) {
    expect(f).toContain('<w:instrText xml:space="preserve">PAGE</w:instrText>');
    expect(docxText(f)).toBe('—  —');
  }
  expect(files.get('docProps/core.xml')!.toString('utf8')).toContain('<dc:title>测试报告（2026年11月）</dc:title>');
});
