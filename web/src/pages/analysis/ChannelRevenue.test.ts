// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { analyticsApi, type ChannelRevenue as Reply } from '../../api/analytics';
import { mountUi } from '../../testing/mount';
import ChannelRevenue from './ChannelRevenue.vue';
import type { AnalysisView } from './view';

/* 收费与渠道对账: the query follows the view's day grain and lot/district dimension; fen shown as yuan. */

const VIEW: AnalysisView = { from: '2026-11-20', to: '2026-11-26', grain: 'day', dim: 'lot', district: '320612', category: '', lots: [], compare: '', kpi: 'entries', top: 10 };
const REPLY: Reply = {
  rows: [
    { day: '2026-11-25', lotCode: 'TZ-1', lotName: '通州一号', paidFen: 0, channelPaidFen: 500, channelRefundFen: 100, reconciledFen: 500 },
    { day: '2026-11-26', lotCode: 'TZ-2', lotName: '通州二号', paidFen: null, channelPaidFen: 80000, channelRefundFen: 0, reconciledFen: 0 },
  ],
  totals: { paidFen: 200, channelPaidFen: 80500, channelRefundFen: 100, reconciledFen: 500 },
  asOf: '2026-11-26T02:00:00.000Z',
};
const text = (id: string) => document.querySelector(`[data-testid=${id}] strong`)?.textContent;

describe('ChannelRevenue (收费与渠道对账)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    document.body.innerHTML = '';
  });

  it('asks by day and lot within the filters and shows totals and rows in yuan', async () => {
    const call = vi.spyOn(analyticsApi, 'channelRevenue').mockResolvedValue(REPLY);
    mountUi(ChannelRevenue, { props: { view: VIEW } });
    await flushPromises();
    expect(call).toHaveBeenCalledWith({ from: '2026-11-20', to: '2026-11-26', groupBy: 'day,lot', district: '320612' });
    expect([text('revenue-paid'), text('revenue-channel-paid'), text('revenue-channel-refund'), text('revenue-reconciled')]).toEqual(['2.00', '805.00', '1.00', '5.00']);
    expect(document.querySelector('[data-testid=revenue-reconciled]')?.textContent).toContain('0.6%');
    const cells = [...document.querySelectorAll('[data-testid=revenue-table] .el-table__body tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim()));
    expect(cells).toEqual([
      ['2026-11-25 · 通州一号', '0.00', '5.00', '1.00', '5.00', '0.00'],
      ['2026-11-26 · 通州二号', '—', '800.00', '0.00', '0.00', '800.00'],
    ]);
  });

  it('shows totals only, with a note, for a grain or dimension the channel figures cannot follow', async () => {
    const call = vi.spyOn(analyticsApi, 'channelRevenue').mockResolvedValue({ ...REPLY, rows: [] });
    mountUi(ChannelRevenue, { props: { view: { ...VIEW, grain: 'week', dim: 'category', district: '', category: 'public' } } });
    await flushPromises();
    expect(call).toHaveBeenCalledWith({ from: '2026-11-20', to: '2026-11-26', category: 'public' });
    expect(document.querySelector('[data-testid=analysis-revenue] .el-alert')?.textContent).toContain('仅显示合计');
    expect(document.querySelector('[data-testid=revenue-table]')).toBeNull();
  });
});
