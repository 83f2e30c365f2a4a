import { formatShanghai } from '../../platform/time.js';
import type { Severity } from './tables.js';

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

export function renderNotice(notice: RenderableNotice, publicUrl: string | null | undefined): RenderedMessage {
  const label = SEVERITY_LABEL[notice.severity];
  const at = formatShanghai(notice.createdAt);
  const href = absoluteLink(notice.link, publicUrl);
  const where = notice.districtCode ? `县市区 ${notice.districtCode}` : '全市';
  // "智泊" in every message: DingTalk robots secured by keyword only pass messages containing it.
  const meta = `智泊 · ${at}（北京时间） · ${where} · ${notice.kind}`;
  const body = notice.body.trim();

  const text = [
    `【${label}】${notice.title}`,
    '',
    body,
    '',
    href ? `查看详情 / open: ${href}` : notice.link ? `控制台路径 / console path: ${notice.link}` : null,
    meta,
    '',
    '—— 智泊 · 南通市智慧停车平台（系统自动发送，请勿回复）',
  ].filter((line) => line !== null).join('\n');

  const linkLine = href ? `[查看详情](${href})` : notice.link ? `控制台路径：${notice.link}` : '';
  const wecomHead = `**<font color="${WECOM_COLOR[notice.severity]}">【${label}】</font>${notice.title}**\n`;
  const wecomTail = `\n${linkLine ? `${linkLine}\n` : ''}> <font color="comment">${meta}</font>`;
  const wecom = wecomHead + truncateBytes(body, WECOM_MAX_BYTES - Buffer.byteLength(wecomHead + wecomTail)) + wecomTail;

  // DingTalk markdown needs a blank line (or two trailing spaces) for a line break.
  const dingHead = `#### 【${label}】${notice.title}\n\n`;
  const dingTail = `\n\n${linkLine ? `${linkLine}\n\n` : ''}> ${meta}`;
  const dingBody = body.split('\n').join('\n\n');
  const dingtalk = dingHead + truncateBytes(dingBody, DINGTALK_MAX_BYTES - Buffer.byteLength(dingHead + dingTail)) + dingTail;

  return { subject: `[智泊][${label}] ${notice.title}`, text, wecom, dingtalk };
}
