import { copyFileSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './support/cli.js';

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('zhibo backup / backup verify / restore (built program, PGlite)', () => {
  let dir: string;
  beforeAll(() => {
    assertBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-backup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('backs up a data directory, verifies it (exit 0), rejects a truncated copy (exit 4), restores once without --force', () => {
    const data = path.join(dir, 'data');
    const file = path.join(dir, 'b.tar');
    expect(runCli(['user', 'add', '--username', 'keeper', '--password', 'Keeper-Pass-1', '--role', 'viewer', '--data-dir', data]).code).toBe(0);
    const backup = runCli(['backup', '--out', file, '--data-dir', data]);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain('backup written');

    const verify = runCli(['backup', 'verify', file]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('matches the manifest');

    const cut = path.join(dir, 'cut.tar');
    copyFileSync(file, cut);
    truncateSync(cut, Math.floor(statSync(file).size * 0.7));
    const bad = runCli(['backup', 'verify', cut]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('truncated');
    noStack(bad.stderr);

    const target = path.join(dir, 'restored');
    const restore = runCli(['restore', file, '--data-dir', target]);
    expect(restore.code).toBe(0);
    const users = JSON.parse(runCli(['user', 'list', '--json', '--data-dir', target]).stdout);
    expect(users.map((u: { username: string }) => u.username)).toContain('keeper');
    const again = runCli(['restore', file, '--data-dir', target]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('--force');
    expect(runCli(['restore', file, '--data-dir', target, '--force']).code).toBe(0);
  }, 300_000);
});
