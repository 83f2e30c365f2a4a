// The user manual (docs/用户手册.md) inside the console: the file is bundled as text at build time
// (Vite `?raw`) and cut into chapters (## headings) and sections (### headings), each with an
// anchor, for the 帮助 page and the 帮助 link of every page's header (docs/decisions/0018).
import MarkdownIt from 'markdown-it';
import source from '../../../../docs/用户手册.md?raw';

export interface ManualSection {
  id: string;
  title: string;
  /** The section's markdown, its heading excluded. */
  markdown: string;
}

export interface ManualChapter {
  id: string;
  /** The heading as written, e.g. 第 9 章 工单管理. */
  title: string;
  /** The heading without its number, e.g. 工单管理 (what the page map names). */
  name: string;
  /** Text between the chapter heading and its first section. */
  intro: string;
  sections: ManualSection[];
}

/** The chapter's anchor: ch-9 for 第 9 章, appendix-a for 附录 A, else its position. */
function chapterId(title: string, index: number): string {
  const chapter = /^第\s*(\d+)\s*章/.exec(title);
  if (chapter) return `ch-${chapter[1]}`;
  const appendix = /^附录\s*([A-Za-z])/.exec(title);
  if (appendix) return `appendix-${appendix[1]!.toLowerCase()}`;
  return `part-${index + 1}`;
}

function chapterName(title: string): string {
  return title.replace(/^第\s*\d+\s*章\s*/, '').replace(/^附录\s*[A-Za-z]\s*/, '').trim();
}

/** Cuts a manual into chapters and sections; text before the first ## heading is left out (its table of contents). */
export function parseManual(text: string): ManualChapter[] {
  const chapters: ManualChapter[] = [];
  let chapter: ManualChapter | undefined;
  let section: ManualSection | undefined;
  let lines: string[] = [];
  let fence = false;
  const flush = () => {
    const body = lines.join('\n').replace(/\n+-{3,}\s*$/, '').trim();
    if (section) section.markdown = body;
    else if (chapter) chapter.intro = body;
    lines = [];
  };
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const h2 = !fence && /^##\s+(.+?)\s*$/.exec(line);
    const h3 = !fence && /^###\s+(.+?)\s*$/.exec(line);
    if (h2) {
      flush();
      const title = h2[1]!;
      chapter = { id: chapterId(title, chapters.length), title, name: chapterName(title), intro: '', sections: [] };
      chapters.push(chapter);
      section = undefined;
    } else if (h3 && chapter) {
      flush();
      section = { id: `${chapter.id}-${chapter.sections.length + 1}`, title: h3[1]!, markdown: '' };
      chapter.sections.push(section);
    } else if (chapter) {
      lines.push(line);
    }
  }
  flush();
  return chapters;
}

/**
 * The chapters a search keeps: all for an empty query; a chapter whose title matches whole;
 * otherwise only its sections (and intro) whose title or text contain the query (case-insensitive).
 */
export function filterManual(chapters: ManualChapter[], query: string): ManualChapter[] {
  const q = query.trim().toLowerCase();
  if (!q) return chapters;
  const has = (s: string) => s.toLowerCase().includes(q);
  const out: ManualChapter[] = [];
  for (const c of chapters) {
    if (has(c.title)) {
      out.push(c);
      continue;
    }
    const sections = c.sections.filter((s) => has(s.title) || has(s.markdown));
    const intro = has(c.intro) ? c.intro : '';
    if (sections.length > 0 || intro) out.push({ ...c, intro, sections });
  }
  return out;
}

// Raw HTML in the manual is not rendered (html: false): the text is shown, never run.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

export function renderMarkdown(text: string): string {
  return md.render(text);
}

export const MANUAL: ManualChapter[] = parseManual(source);

/** The console's route names → the manual chapter (its heading without the number). */
export const HELP_CHAPTERS: Record<string, string> = {
  login: '登录与账号',
  overview: '全局概览',
  lots: '数据资源',
  lot: '数据资源',
  'lot-new': '数据资源',
  sources: '数据资源',
  operators: '数据资源',
  districts: '数据资源',
  import: '数据资源',
  'event-import': '数据接入',
  quarantine: '数据接入',
  sessions: '停车流水',
  tickets: '工单管理',
  ticket: '工单管理',
  'ticket-clients': '工单管理',
  monitoring: '数据同步监控',
  incidents: '系统事件台账',
  incident: '系统事件台账',
  onboarding: '县市区接入',
  analysis: '数据分析',
  quality: '数据清洗',
  'public-service': '公众服务',
  inspections: '巡检与报告',
  payments: '支付通道与对账',
  arrears: '欠费追缴',
  security: '安全运维',
  sharing: '共享停车',
  themes: '市域专题',
  theme: '市域专题',
  users: '系统管理',
  audit: '系统管理',
  channels: '通知',
  'account-security': '登录安全与等保',
};

/** The anchor of the chapter that documents a route, if any. */
export function helpAnchor(routeName: unknown, chapters: ManualChapter[] = MANUAL): string | undefined {
  if (typeof routeName !== 'string') return undefined;
  const name = HELP_CHAPTERS[routeName];
  return name ? chapters.find((c) => c.name.split(/[（(]/)[0]!.trim() === name)?.id : undefined;
}
