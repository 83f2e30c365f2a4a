// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mountUi } from '../../testing/mount';
import { ledgerQuery } from './arrears-api';
import DecideDialog from './DecideDialog.vue';

/* The 欠费追缴 page's pieces without a server: the ledger filters as the API's query, and the approval dialog's call. */

describe('the ledger filters as the API query', () => {
  it('turns the amounts typed in yuan into fen, exactly, and leaves out what is not money', () => {
    expect(ledgerQuery({ minYuan: '10', maxYuan: '50.5', level: 'enforcement', districtCode: '320602', order: 'oldest' }))
      .toEqual({ level: 'enforcement', districtCode: '320602', minFen: 1000, maxFen: 5050, minDays: undefined, sort: 'oldest' });
    expect(ledgerQuery({ minYuan: '1.15' }).minFen).toBe(115); // not 114.99999999999999
    expect(ledgerQuery({ minYuan: 'abc', maxYuan: '0', minDays: '30' })).toMatchObject({ minFen: undefined, maxFen: undefined, minDays: 30 });
    expect(ledgerQuery({ minDays: '-3', order: 'nonsense' })).toMatchObject({ minDays: undefined, sort: undefined });
  });
});

describe('DecideDialog (审批核销)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.innerHTML = '';
  });

  it('shows the request in yuan and sends the decision with its note; tells the page when done', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ id: 7, status: 'approved' }), { headers: { 'content-type': 'application/json' } }));
    vi.stubGlobal('fetch', fetch);
    const wrapper = mountUi(DecideDialog, { props: { request: { id: 7, amountFen: 1500, reason: '车辆已报废', requestedBy: 'admin' }, approve: true } });
    await flushPromises();
    const dialog = document.querySelector<HTMLElement>('[data-testid=arrears-decide-dialog]')!;
    expect(dialog.textContent).toContain('批准核销');
    expect(dialog.textContent).toContain('¥15.00');
    expect(dialog.textContent).toContain('车辆已报废');
    const note = document.querySelector<HTMLTextAreaElement>('[data-testid=arrears-decide-note] textarea, textarea[data-testid=arrears-decide-note]')!;
    note.value = ' 情况属实 ';
    note.dispatchEvent(new Event('input'));
    document.querySelector<HTMLElement>('[data-testid=arrears-decide-submit]')!.click();
    await flushPromises();
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/arrears/writeoffs/7/decision');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({ approve: true, note: '情况属实' });
    expect(wrapper.emitted('done')).toHaveLength(1);
  });

  it('rejects with no note: the note is left out', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ id: 8, status: 'rejected' })));
    vi.stubGlobal('fetch', fetch);
    const wrapper = mountUi(DecideDialog, { props: { request: { id: 8, amountFen: 200, reason: '数据错误', requestedBy: 'u1' }, approve: false } });
    await flushPromises();
    expect(document.querySelector('[data-testid=arrears-decide-dialog]')!.textContent).toContain('驳回核销');
    document.querySelector<HTMLElement>('[data-testid=arrears-decide-submit]')!.click();
    await flushPromises();
    expect(JSON.parse((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body as string)).toEqual({ approve: false });
    expect(wrapper.emitted('done')).toHaveLength(1);
  });
});
