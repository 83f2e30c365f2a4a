import { describe, expect, it } from 'vitest';
import { ACTION_NAMES } from './audit-labels';

// The server's sources as text (Vite's glob import): every audit action written as a literal.
const sources = import.meta.glob(['../../../../src/**/*.ts', '!../../../../src/**/*.test.ts'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

describe('审计日志 action names', () => {
  it('names every action the server writes, in Chinese (a clerk reads the log, issue 15 §4)', () => {
    const actions = new Set<string>();
    for (const text of Object.values(sources)) for (const m of text.matchAll(/action: '([a-z_]+\.[a-z_.]+)'/g)) actions.add(m[1]!);
    expect(actions.size).toBeGreaterThan(100);
    expect([...actions].filter((a) => !ACTION_NAMES[a]).sort()).toEqual([]);
    for (const a of actions) expect(ACTION_NAMES[a]!.zh).toMatch(/[\u4e00-\u9fff]/);
  });
});
