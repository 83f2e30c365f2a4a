import { describe, expect, it } from 'vitest';
import { checkDingtalkSignature } from '../../../test/support/notification-receivers.js';
import { maskUrl } from './channel-input.js';
import { absoluteLink, renderNotice, truncateBytes, WECOM_MAX_BYTES } from './render.js';
import { dingtalkUrl } from './senders.js';

const notice = {
  kind: 'monitoring.alert.opened',
  severity: 'critical' as const,
  title: '数据中断',
  body: '停车场 P001 已 3 小时无数据',
  link: '/monitoring?alert=1',
  districtCode: '320602',
  createdAt: new Date('2026-11-25T02:00:00Z'),
};

describe('notification rendering', () => {
  it('cuts text by UTF-8 bytes without splitting a character', () => {
    expect(truncateBytes('abc', 3)).toBe('abc');
    const cut = truncateBytes('停'.repeat(10), 10); // 3 bytes each, '…' is 3
    expect(cut).toBe('停停…');
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(10);
  });

  it('keeps WeCom content within 4096 bytes however long the body', () => {
    const m = renderNotice({ ...notice, body: '长'.repeat(5000) }, null);
    expect(Buffer.byteLength(m.wecom)).toBeLessThanOrEqual(WECOM_MAX_BYTES);
    expect(m.wecom).toContain('> <font color="comment">智泊 · 2026-11-25 10:00:00（北京时间） · 县市区 320602 · monitoring.alert.opened</font>');
  });

  it('links to the console only when its public address is known', () => {
    expect(absoluteLink('/monitoring?alert=1', 'https://zhibo.example.cn')).toBe('https://zhibo.example.cn/monitoring?alert=1');
    expect(absoluteLink('/monitoring?alert=1', null)).toBeNull();
    const m = renderNotice(notice, null);
    expect(m.text).toContain('控制台路径：/monitoring?alert=1');
    expect(m.subject).toBe('[智泊][严重] 数据中断');
  });

  it('speaks the channel language in its own words, and labels a recovery 已恢复 whatever its severity', () => {
    const zh = renderNotice(notice, null);
    expect(zh.text).not.toMatch(/ \/ [A-Za-z]/); // no "中文 / English" halves
    expect(zh.text).toContain('—— 智泊 · 南通市智慧停车平台（系统自动发送，请勿回复）');
    const en = renderNotice({ ...notice, title: 'Data outage', body: 'Lot P001: no data for 3 h' }, 'https://zhibo.example.cn', 'en');
    expect(en.subject).toBe('[智泊][Critical] Data outage');
    expect(en.text).toContain('Open: https://zhibo.example.cn/monitoring?alert=1');
    expect(en.text).toContain('2026-11-25 10:00:00 (Beijing time) · district 320602');
    expect(en.text).not.toMatch(/北京时间|查看详情|控制台路径|请勿回复/);
    const recovered = renderNotice({ ...notice, kind: 'monitoring.alert.resolved', title: '【已恢复】P001 数据已恢复' }, null);
    expect(recovered.subject).toBe('[智泊][已恢复] 【已恢复】P001 数据已恢复');
    expect(recovered.wecom).toContain('<font color="info">【已恢复】</font>');
    expect(recovered.text).not.toContain('严重');
  });

  it('signs DingTalk requests as DingTalk checks them, and only with a secret', () => {
    const now = new Date('2026-11-25T02:00:00Z');
    const url = dingtalkUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', 'SEC123', now);
    const rawQuery = url.split('?')[1]!;
    expect(rawQuery).toMatch(/^access_token=abc&timestamp=1795572000000&sign=[A-Za-z0-9%]+$/);
    expect(checkDingtalkSignature(rawQuery, 'SEC123', now).errcode).toBe(0);
    expect(checkDingtalkSignature(rawQuery, 'SEC124', now).errcode).toBe(310000);
    expect(checkDingtalkSignature(rawQuery, 'SEC123', new Date(now.getTime() + 3_600_001)).errmsg).toBe('invalid timestamp');
    expect(dingtalkUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', null, now)).toBe('https://oapi.dingtalk.com/robot/send?access_token=abc');
  });

  it('masks webhook keys, keeping only the last four characters of long ones', () => {
    expect(maskUrl('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa')).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****5aaa');
    expect(maskUrl('https://user:pw@example.cn/hook?token=short')).toBe('https://example.cn/hook?token=****');
  });
});
