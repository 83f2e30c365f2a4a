import { formatShanghai } from '../../platform/time.js';
import type { NoticeLanguage, Severity } from './tables.js';

/** A notice as the channels show it. */
export interface RenderableNotice {
  kind: string;
  severity: Severity;
  title: string;
  body: string;
  link: string | null;
  districtCode: string | null;
  createdAt: Date;
}

export interface RenderedMessage {
  /** E-mail subject and DingTalk's conversation-list title. */
  subject: string;
  /** E-mail body (plain text). */
  text: string;
  /** WeCom markdown `content` (≤ 4096 UTF-8 bytes). */
  wecom: string;
  /** DingTalk markdown `text`. */
  dingtalk: string;
}

export const SEVERITY_LABEL: Record<Severity, string> = { info: '通知', warning: '警告', critical: '严重' };

/** The fixed words of a message, per channel language (the notice's own text is chosen by the caller). */
const WORDS: Record<NoticeLanguage, { severity: Record<Severity, string>; resolved: string; open: string; path: string; at: (t: string) => string; where: (d: string | null) => string; footer: string; colon: string }> = {
  'zh-CN': {
    severity: SEVERITY_LABEL,
    resolved: '已恢复',
    open: '查看详情',
    path: '控制台路径',
    at: (t) => `${t}（北京时间）`,
    where: (d) => (d ? `县市区 ${d}` : '全市'),
    footer: '—— 智泊 · 南通市智慧停车平台（系统自动发送，请勿回复）',
    colon: '：',
  },
  en: {
    severity: { info: 'Notice', warning: 'Warning', critical: 'Critical' },
    resolved: 'Resolved',
    open: 'Open',
    path: 'Console path',
    at: (t) => `${t} (Beijing time)`,
    where: (d) => (d ? `district ${d}` : 'city-wide'),
    footer: '—— 智泊 Zhibo · Nantong smart parking platform (sent automatically, do not reply)',
    colon: ': ',
  },
};

/**
 * A recovery (kind ending in `.resolved` or `.recovered`) keeps its alert's severity so that the
 * channels that carried the alert carry it too, but is labelled as a recovery, never 严重.
 */
export const isRecoveryKind = (kind: string): boolean => /\.(resolved|recovered)$/.test(kind);
const WECOM_COLOR: Record<Severity, string> = { info: 'info', warning: 'warning', critical: 'warning' };

/** WeCom refuses markdown content above 4096 bytes; DingTalk has a similar, less documented limit. */
export const WECOM_MAX_BYTES = 4096;
export const DINGTALK_MAX_BYTES = 5000;

/** Cuts text to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = '…';
  let budget = maxBytes - Buffer.byteLength(ellipsis);
  let out = '';
  for (const ch of text) {
    budget -= Buffer.byteLength(ch);
    if (budget < 0) break;
    out += ch;
  }
  return out + ellipsis;
}

/** The link as a full address when the console's public address is known. */
export function absoluteLink(link: string | null, publicUrl: string | null | undefined): string | null {
  if (!link) return null;
  if (/^https?:\/\//.test(link)) return link;
  return publicUrl ? `${publicUrl}${link.startsWith('/') ? '' : '/'}${link}` : null;
}

/** The message for a channel reading `language`; `notice` already carries that language's title and body. */
export function renderNotice(notice: RenderableNotice, publicUrl: string | null | undefined, language: NoticeLanguage = 'zh-CN'): RenderedMessage {
  const words = WORDS[language];
  const label = isRecoveryKind(notice.kind) ? words.resolved : words.severity[notice.severity];
  const color = isRecoveryKind(notice.kind) ? 'info' : WECOM_COLOR[notice.severity];
  const href = absoluteLink(notice.link, publicUrl);
  // "智泊" in every message: DingTalk robots secured by keyword only pass messages containing it.
  const meta = `智泊 · ${words.at(formatShanghai(notice.createdAt))} · ${words.where(notice.districtCode)} · ${notice.kind}`;
  const body = notice.body.trim();

  const text = [
    `【${label}】${notice.title}`,
    '',
    body,
    '',
    href ? `${words.open}${words.colon}${href}` : notice.link ? `${words.path}${words.colon}${notice.link}` : null,
    meta,
    '',
    words.footer,
  ].filter((line) => line !== null).join('\n');

  const linkLine = href ? `[${words.open}](${href})` : notice.link ? `${words.path}${words.colon}${notice.link}` : '';
  const wecomHead = `**<font color="${color}">【${label}】</font>${notice.title}**\n`;
  const wecomTail = `\n${linkLine ? `${linkLine}\n` : ''}> <font color="comment">${meta}</font>`;
  const wecom = wecomHead + truncateBytes(body, WECOM_MAX_BYTES - Buffer.byteLength(wecomHead + wecomTail)) + wecomTail;

  // DingTalk markdown needs a blank line (or two trailing spaces) for a line break.
  const dingHead = `#### 【${label}】${notice.title}\n\n`;
  const dingTail = `\n\n${linkLine ? `${linkLine}\n\n` : ''}> ${meta}`;
  const dingBody = body.split('\n').join('\n\n');
  const dingtalk = dingHead + truncateBytes(dingBody, DINGTALK_MAX_BYTES - Buffer.byteLength(dingHead + dingTail)) + dingTail;

  return { subject: `[智泊][${label}] ${notice.title}`, text, wecom, dingtalk };
}
