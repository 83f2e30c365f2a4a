// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mountUi } from '../../testing/mount';
import AnnouncementDialog from './AnnouncementDialog.vue';
import type { Announcement, AnnouncementBody } from './public-service-api';

const DISTRICTS = [{ value: '320602', label: '崇川区' }, { value: '320612', label: '通州区' }];
const input = (id: string) => document.querySelector<HTMLInputElement>(`[data-testid=${id}] input, input[data-testid=${id}], [data-testid=${id}] textarea, textarea[data-testid=${id}]`)!;
async function type(id: string, value: string) {
  const el = input(id);
  el.value = value;
  el.dispatchEvent(new Event('input'));
  await flushPromises();
}
const save = async () => {
  document.querySelector<HTMLButtonElement>('[data-testid=announcement-save]')!.click();
  await flushPromises();
};

const EXISTING: Announcement = {
  id: 7, kind: 'closure', title: '崇川路封闭施工', body: '请绕行', districtCode: '320602',
  startsAt: '2026-11-25T00:00:00.000Z', endsAt: null, state: 'active', updatedAt: '2026-11-25T00:00:00.000Z', updatedBy: 'admin',
};

describe('AnnouncementDialog (公告)', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('edits an announcement: its fields prefilled in Shanghai time, the body sent without an empty end', async () => {
    const submit = vi.fn<(b: AnnouncementBody) => Promise<void>>().mockResolvedValue();
    const wrapper = mountUi(AnnouncementDialog, { props: { open: true, announcement: EXISTING, districts: DISTRICTS, submit }, global: { stubs: { transition: false } } });
    await flushPromises();
    expect(document.querySelector('[data-testid=announcement-dialog] .el-dialog__title')?.textContent).toBe('修改公告');
    expect(input('announcement-title').value).toBe('崇川路封闭施工');
    expect(input('announcement-starts').value).toBe('2026-11-25 08:00:00'); // 00:00 UTC is 08:00 in Shanghai
    await type('announcement-title', '  崇川路封闭施工（延期）  ');
    await save();
    expect(submit).toHaveBeenCalledTimes(1);
    expect(submit.mock.calls[0]![0]).toEqual({ kind: 'closure', title: '崇川路封闭施工（延期）', body: '请绕行', districtCode: '320602', startsAt: '2026-11-25 08:00:00' });
    await vi.waitFor(() => expect(wrapper.emitted('close')).toHaveLength(1));
  });

  // (Element Plus form validation does not run under happy-dom — a bare ElForm validates an empty
  // required field as valid there — so the required title is checked in the browser test.)
  it('publishes a city-wide one by default, starting now, open-ended', async () => {
    const submit = vi.fn<(b: AnnouncementBody) => Promise<void>>().mockResolvedValue();
    mountUi(AnnouncementDialog, { props: { open: true, announcement: null, districts: DISTRICTS, submit } });
    await flushPromises();
    expect(document.querySelector('[data-testid=announcement-dialog] .el-dialog__title')?.textContent).toBe('发布公告');
    await type('announcement-title', '元旦假期停车提示');
    await type('announcement-body', '建议公共交通出行');
    await save();
    expect(submit).toHaveBeenCalledTimes(1);
    const body = submit.mock.calls[0]![0];
    expect(body).toMatchObject({ kind: 'notice', title: '元旦假期停车提示', body: '建议公共交通出行' });
    expect(body).not.toHaveProperty('districtCode'); // whole city
    expect(body).not.toHaveProperty('endsAt');
    expect(body.startsAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('offers a district user only the own district, chosen already', async () => {
    const submit = vi.fn<(b: AnnouncementBody) => Promise<void>>().mockResolvedValue();
    mountUi(AnnouncementDialog, { props: { open: true, announcement: null, districts: DISTRICTS, ownDistrict: '320612', submit } });
    await flushPromises();
    await type('announcement-title', '通州区停车场维修');
    await save();
    expect(submit.mock.calls[0]![0].districtCode).toBe('320612');
  });

  it('keeps the dialog open when saving fails', async () => {
    const submit = vi.fn<(b: AnnouncementBody) => Promise<void>>().mockRejectedValue(new Error('INVALID_RANGE'));
    const wrapper = mountUi(AnnouncementDialog, { props: { open: true, announcement: EXISTING, districts: DISTRICTS, submit } });
    await flushPromises();
    await save();
    expect(submit).toHaveBeenCalledTimes(1);
    expect(wrapper.emitted('close')).toBeUndefined();
  });
});
