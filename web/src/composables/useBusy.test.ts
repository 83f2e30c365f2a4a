// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { ref } from 'vue';
import { deferred } from '../testing/mount';
import { busyWhile, useBusy } from './useBusy';
import { attempt } from './notify';

describe('busy flags', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('busyWhile holds the flag while the task runs, and gives its answer', async () => {
    const saving = ref(false);
    const d = deferred<number>();
    const run = busyWhile(saving, () => d.promise);
    expect(saving.value).toBe(true);
    d.resolve(7);
    expect(await run).toBe(7);
    expect(saving.value).toBe(false);
  });

  it('busyWhile shows a failure, drops the flag and answers undefined', async () => {
    const saving = ref(false);
    expect(await busyWhile(saving, async () => Promise.reject(new Error('保存失败')))).toBeUndefined();
    expect(saving.value).toBe(false);
    expect(document.body.textContent).toContain('保存失败');
  });

  it('useBusy names the action running', async () => {
    const { busy, run } = useBusy<'xlsx' | 'docx'>();
    const d = deferred<void>();
    const p = run('docx', () => d.promise);
    expect(busy.value).toBe('docx');
    d.resolve();
    await p;
    expect(busy.value).toBeNull();
  });

  it('attempt ends quietly when a question is cancelled, and shows other failures', async () => {
    expect(await attempt(async () => Promise.reject('cancel'))).toBe(false);
    expect(document.body.textContent).toBe('');
    expect(await attempt(async () => Promise.reject(new Error('无权操作')))).toBe(false);
    expect(document.body.textContent).toContain('无权操作');
    expect(await attempt(async () => undefined)).toBe(true);
  });
});
