// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mountUi } from '../../testing/mount';
import OfferDialog from './OfferDialog.vue';
import { calendarBlocks, yuanToFen, type OfferBody } from './offer-form';

const input = (id: string) => document.querySelector<HTMLInputElement>(`[data-testid=${id}] input, input[data-testid=${id}]`)!;
async function type(id: string, value: string) {
  const el = input(id);
  el.value = value;
  el.dispatchEvent(new Event('input'));
  await flushPromises();
}
async function click(id: string) {
  document.querySelector<HTMLElement>(`[data-testid=${id}]`)!.click();
  await flushPromises();
}

describe('the offer form (新建共享方案)', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('turns yuan into fen exactly', () => {
    expect(yuanToFen('2')).toBe(200);
    expect(yuanToFen('2.5')).toBe(250);
    expect(yuanToFen('0.07')).toBe(7); // not 7.000000000000001
    expect(yuanToFen('1.15')).toBe(115); // 1.15 * 100 = 114.99999999999999 in floating point
    expect(yuanToFen(' ')).toBeNull();
    expect(yuanToFen('-1')).toBeNaN();
    expect(yuanToFen('1.234')).toBeNaN();
  });

  it('draws a window crossing midnight on both days, Sunday onto Monday', () => {
    expect(calendarBlocks([{ days: [5, 7], start: '18:00', end: '08:00' }, { days: [6], start: '08:00', end: '20:00' }])).toEqual([
      { day: 5, from: 1080, to: 1440, index: 0, continued: false },
      { day: 6, from: 0, to: 480, index: 0, continued: true },
      { day: 7, from: 1080, to: 1440, index: 0, continued: false },
      { day: 1, from: 0, to: 480, index: 0, continued: true },
      { day: 6, from: 480, to: 1200, index: 1, continued: false },
    ]);
    expect(calendarBlocks([{ days: [1], start: '00:00', end: '24:00' }])).toEqual([{ day: 1, from: 0, to: 1440, index: 0, continued: false }]);
  });

  it('sends the price in fen and the windows with their days, the week drawn as typed', async () => {
    const submit = vi.fn<(b: OfferBody) => Promise<void>>().mockResolvedValue();
    const wrapper = mountUi(OfferDialog, { props: { open: true, submit } });
    await flushPromises();
    await type('sharing-offer-lot', ' GOV1 ');
    await type('sharing-offer-name', '夜间与周末共享');
    await type('sharing-offer-price', '2.5');
    // the first window: Mon–Fri 18:00–08:00 by default; take Friday off
    await click('sharing-offer-window-0-day-5');
    await click('sharing-offer-add-window');
    await click('sharing-offer-window-1-day-1');
    await click('sharing-offer-window-1-day-2');
    await click('sharing-offer-window-1-day-3');
    await click('sharing-offer-window-1-day-4');
    await click('sharing-offer-window-1-day-7');
    await click('sharing-offer-window-1-day-6');
    await type('sharing-offer-window-1-start', '08:00');
    await type('sharing-offer-window-1-end', '20:00');
    // Mon–Thu overnight (4 + 4 blocks, Thursday's running into Friday) and Fri, Sat, Sun by day
    expect(document.querySelectorAll('[data-testid=sharing-week-block]')).toHaveLength(4 * 2 + 3);
    expect(document.querySelector('[data-testid=sharing-week-day-5]')!.textContent).toContain('00:00–08:00');
    await click('sharing-offer-save');
    expect(submit).toHaveBeenCalledTimes(1);
    expect(submit.mock.calls[0]![0]).toEqual({
      lotCode: 'GOV1', name: '夜间与周末共享', spaces: 1, priceFenPerHour: 250,
      windows: [{ days: [1, 2, 3, 4], start: '18:00', end: '08:00' }, { days: [5, 6, 7], start: '08:00', end: '20:00' }],
    });
    await vi.waitFor(() => expect(wrapper.emitted('close')).toHaveLength(1));
  });

  it('refuses a bad price or time without sending', async () => {
    const submit = vi.fn<(b: OfferBody) => Promise<void>>().mockResolvedValue();
    mountUi(OfferDialog, { props: { open: true, submit } });
    await flushPromises();
    await type('sharing-offer-lot', 'GOV1');
    await type('sharing-offer-name', '夜间');
    await type('sharing-offer-price', '2.345');
    await click('sharing-offer-save');
    await type('sharing-offer-price', '');
    await type('sharing-offer-window-0-end', '8:00');
    await click('sharing-offer-save');
    expect(submit).not.toHaveBeenCalled();
    await type('sharing-offer-window-0-end', '08:00');
    await click('sharing-offer-save');
    expect(submit.mock.calls[0]![0]).not.toHaveProperty('priceFenPerHour'); // free
  });
});
