// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/api';
import { mountUi } from '../../testing/mount';
import SessionPhotos from './SessionPhotos.vue';

const photo = vi.fn<(id: number, which: 'entry' | 'exit') => Promise<Blob>>();
vi.mock('./records-api', () => ({ sessionsApi: { photo: (id: number, which: 'entry' | 'exit') => photo(id, which) } }));

describe('SessionPhotos', () => {
  beforeEach(() => {
    photo.mockReset();
    let n = 0;
    URL.createObjectURL = vi.fn(() => `blob:test/${++n}`);
    URL.revokeObjectURL = vi.fn();
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows a stored snapshot as a blob thumbnail and an external one as a link, fetching only the stored one', async () => {
    photo.mockResolvedValue(new Blob([new Uint8Array([0x89, 0x50])], { type: 'image/png' }));
    const w = mountUi(SessionPhotos, {
      props: { sessionId: 7, entry: { kind: 'stored', url: '/api/v1/sessions/7/photos/entry' }, exit: { kind: 'external', url: 'https://cam.example.cn/o.jpg' } },
    });
    await flushPromises();
    expect(photo.mock.calls).toEqual([[7, 'entry']]);
    expect(w.find('[data-testid=session-photo-entry] img').attributes('src')).toBe('blob:test/1');
    const link = w.find('[data-testid=session-photo-external]');
    expect([link.attributes('href'), link.attributes('target'), link.attributes('rel')]).toEqual(['https://cam.example.cn/o.jpg', '_blank', 'noopener noreferrer']);
    w.unmount();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:test/1');
  });

  it('says so when the user may not see snapshots, and fetches nothing', async () => {
    const w = mountUi(SessionPhotos, { props: { sessionId: 7, entry: { kind: 'stored', url: null }, exit: null } });
    await flushPromises();
    expect(photo).not.toHaveBeenCalled();
    expect(w.find('[data-testid=session-photo-no-access]').text()).toBe('抓拍可看清车牌，查看需“完整车牌”权限');
    expect(w.find('[data-testid=session-photo-exit]').text()).toContain('未上传');
  });

  it('tells a snapshot deleted by retention from one that failed to load', async () => {
    photo.mockImplementation(async (_id, which) => {
      throw which === 'entry' ? new ApiError(404, 'PHOTO_GONE', 'gone') : new ApiError(0, 'NETWORK_ERROR', 'x');
    });
    const w = mountUi(SessionPhotos, {
      props: { sessionId: 9, entry: { kind: 'stored', url: '/api/v1/sessions/9/photos/entry' }, exit: { kind: 'stored', url: '/api/v1/sessions/9/photos/exit' } },
    });
    await flushPromises();
    expect(w.find('[data-testid=session-photo-entry]').text()).toContain('已过保存期限删除');
    expect(w.find('[data-testid=session-photo-exit]').text()).toContain('抓拍加载失败');
  });
});
