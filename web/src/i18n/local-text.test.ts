import { describe, expect, it } from 'vitest';
import { localText } from './local-text';

describe('localText', () => {
  it('takes the half of the console language from a "中文 / English" message, and leaves others whole', () => {
    expect(localText('文件过大 / file too large', 'zh-CN')).toBe('文件过大');
    expect(localText('文件过大 / file too large', 'en')).toBe('file too large');
    expect(localText('缺少必填项「总泊位」 / totalSpaces is required', 'zh-CN')).toBe('缺少必填项「总泊位」');
    // A list inside the Chinese ("a / b") is not the language cut.
    expect(localText('级别：info 通知 / warning 警告 / critical 严重', 'zh-CN')).toBe('级别：info 通知 / warning 警告 / critical 严重');
    expect(localText('请求过于频繁', 'en')).toBe('请求过于频繁');
    expect(localText('HTTP 500 / error', 'zh-CN')).toBe('HTTP 500 / error');
  });
});
