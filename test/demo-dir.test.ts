import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDemoDir, DEMO_MARKER, demoSettings, DemoUsageError, resetDemoDir } from '../src/cli/demo.js';
import { DataDirBusyError, lockDataDir } from '../src/db/data-dir-lock.js';

/* `zhibo demo --reset` deletes a demo's directory and nothing else (issue 15). */

describe('demo data directory', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'zhibo-demo-dir-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dir = (name: string, files: Record<string, string> = {}) => {
    const d = path.join(root, name);
    mkdirSync(d, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(path.join(d, f), text);
    return d;
  };

  it('uses a missing, empty or demo directory, and refuses anyone else\'s data', () => {
    expect(() => checkDemoDir(path.join(root, 'missing'))).not.toThrow();
    expect(() => checkDemoDir(dir('empty'))).not.toThrow();
    expect(() => checkDemoDir(dir('demo', { [DEMO_MARKER]: '{"kind":"zhibo-demo"}' }))).not.toThrow();
    const prod = dir('prod', { 'platform.key': 'k' });
    expect(() => checkDemoDir(prod)).toThrow(DemoUsageError);
    expect(() => resetDemoDir(prod)).toThrow(/not a demo data directory/);
    expect(existsSync(path.join(prod, 'platform.key'))).toBe(true);
  });

  it('--reset deletes a demo directory, unless a server holds it', () => {
    const d = dir('demo2', { [DEMO_MARKER]: '{"kind":"zhibo-demo"}', 'platform.key': 'k' });
    // Held by another live process (pid 1 always is).
    writeFileSync(path.join(d, 'zhibo.lock'), JSON.stringify({ pid: 1 }));
    expect(() => resetDemoDir(d)).toThrow(DataDirBusyError);
    rmSync(path.join(d, 'zhibo.lock'));
    lockDataDir(d)();
    expect(resetDemoDir(d)).toBe(true);
    expect(existsSync(d)).toBe(false);
    expect(resetDemoDir(d)).toBe(false);
  });

  it('checks its flags', () => {
    expect(demoSettings({ lots: '300', days: '30', scale: '0.03', seed: '2026', simulate: true })).toEqual({ lots: 300, days: 30, scale: 0.03, seed: 2026 });
    expect(() => demoSettings({ lots: '0', days: '30', scale: '0.03', seed: '2026', simulate: true })).toThrow(/--lots/);
    expect(() => demoSettings({ lots: '10', days: '30', scale: '2', seed: '2026', simulate: true })).toThrow(/--scale/);
  });
});
