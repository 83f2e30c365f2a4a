// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import PageHeader from '../../components/PageHeader.vue';
import { mountUi } from '../../testing/mount';
import HelpPage from './HelpPage.vue';
import { filterManual, HELP_CHAPTERS, helpAnchor, MANUAL, parseManual, renderMarkdown } from './manual';

const SAMPLE = `# 手册

- 目录

---

## 第 1 章 登录与账号

登录页输入用户名与密码。

### 1.1 修改密码

点击右上角用户名，选择“修改密码”。

## 第 9 章 工单管理

### 9.1 受理

工单由 12345 热线转入。

### 9.2 导出台账

点击“导出台账”下载 Excel。

\`\`\`
## 不是标题（代码块里）
\`\`\`

---

## 附录 A SLA 计时规则

工作日以国务院调休为准。
`;

function router() {
  const Empty = defineComponent({ render: () => h('div') });
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/help', name: 'help', component: Empty },
      { path: '/tickets', name: 'tickets', component: Empty },
      { path: '/nowhere', name: 'nowhere', component: Empty },
    ],
  });
}

describe('the manual', () => {
  it('is cut into chapters (## headings) with anchors, and sections (### headings); fenced code is not a heading', () => {
    const chapters = parseManual(SAMPLE);
    expect(chapters.map((c) => [c.id, c.title, c.name])).toEqual([
      ['ch-1', '第 1 章 登录与账号', '登录与账号'],
      ['ch-9', '第 9 章 工单管理', '工单管理'],
      ['appendix-a', '附录 A SLA 计时规则', 'SLA 计时规则'],
    ]);
    expect(chapters[1]!.sections.map((s) => [s.id, s.title])).toEqual([['ch-9-1', '9.1 受理'], ['ch-9-2', '9.2 导出台账']]);
    expect(chapters[1]!.sections[1]!.markdown).toContain('## 不是标题');
    expect(chapters[1]!.sections[1]!.markdown.endsWith('```')).toBe(true); // the closing rule is dropped
  });

  it('search keeps a chapter whose title matches whole, else only the matching sections', () => {
    const chapters = parseManual(SAMPLE);
    expect(filterManual(chapters, '  ')).toBe(chapters);
    const byTitle = filterManual(chapters, '工单');
    expect(byTitle.map((c) => c.id)).toEqual(['ch-9']);
    expect(byTitle[0]!.sections).toHaveLength(2);
    const byText = filterManual(chapters, 'excel');
    expect(byText.map((c) => c.id)).toEqual(['ch-9']);
    expect(byText[0]!.sections.map((s) => s.id)).toEqual(['ch-9-2']);
    expect(filterManual(chapters, '调休').map((c) => [c.id, c.intro, c.sections.length])).toEqual([['appendix-a', '工作日以国务院调休为准。', 0]]);
    expect(filterManual(chapters, '无此内容')).toEqual([]);
  });

  it('renders markdown with raw HTML escaped and no javascript: links', () => {
    expect(renderMarkdown('[点我](javascript:alert(1))')).not.toContain('href');
    expect(renderMarkdown('**粗体** <script>alert(1)</script>')).toBe('<p><strong>粗体</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
  });

  it('the real manual has a chapter for every page the help map names', () => {
    expect(MANUAL.length).toBeGreaterThanOrEqual(21);
    for (const route of Object.keys(HELP_CHAPTERS)) expect(helpAnchor(route), route).toMatch(/^ch-\d+$/);
    expect(helpAnchor('tickets')).toBe(MANUAL.find((c) => c.name.startsWith('工单管理'))!.id);
    expect(helpAnchor('nowhere')).toBeUndefined();
  });
});

describe('HelpPage', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('lists the chapters, and the search box filters chapters and sections', async () => {
    const r = router();
    await r.push('/help');
    const w = mountUi(HelpPage, { props: { chapters: parseManual(SAMPLE) }, router: r });
    expect(w.findAll('[data-testid=help-toc] a').map((a) => [a.text(), a.attributes('href')])).toEqual([
      ['第 1 章 登录与账号', '#ch-1'],
      ['第 9 章 工单管理', '#ch-9'],
      ['附录 A SLA 计时规则', '#appendix-a'],
    ]);
    expect(w.find('#ch-9-2 h3').text()).toBe('9.2 导出台账');

    await w.find('input[data-testid=help-search]').setValue('导出');
    await nextTick();
    expect(w.findAll('[data-testid=help-chapter] > h2').map((e) => e.text())).toEqual(['第 9 章 工单管理']);
    expect(w.findAll('[data-testid=help-section] h3').map((e) => e.text())).toEqual(['9.2 导出台账']);
    expect(w.findAll('[data-testid=help-toc] a').map((a) => a.text())).toEqual(['第 9 章 工单管理']);

    await w.find('input[data-testid=help-search]').setValue('无此内容');
    await nextTick();
    expect(w.findAll('[data-testid=help-chapter]')).toHaveLength(0);
    expect(w.text()).toContain('没有找到匹配的章节');
  });

  it('a page header links to its chapter, and none without a chapter or a router', async () => {
    const r = router();
    await r.push('/tickets');
    const header = mountUi(PageHeader, { props: { title: '工单管理' }, router: r });
    const link = header.find('[data-testid=page-help]');
    expect(link.text()).toBe('帮助');
    const anchor = helpAnchor('tickets')!;
    expect(link.attributes('href')).toBe(`/help#${anchor}`);
    await link.trigger('click');
    await r.isReady();
    await flushPromises();
    expect(r.currentRoute.value.fullPath).toBe(`/help#${anchor}`);

    await r.push('/nowhere');
    const none = mountUi(PageHeader, { props: { title: '其他' }, router: r });
    expect(none.find('[data-testid=page-help]').exists()).toBe(false);
    expect(mountUi(PageHeader, { props: { title: '无路由' } }).find('[data-testid=page-help]').exists()).toBe(false);
  });
});
