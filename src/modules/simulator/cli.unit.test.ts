import { describe, expect, it } from 'vitest';
import { simulateOptions, UsageError, type SimulateFlags } from '../../cli/simulate.js';

const flags = (o: Partial<SimulateFlags> = {}): SimulateFlags => ({
  url: 'http://127.0.0.1:8080', username: 'admin', lots: '50', speed: '60', seed: '2026', faults: 'default', concurrency: '4', progress: true, ...o,
});

describe('zhibo simulate flags', () => {
  it('turns flags into runner options, the password from the environment when not given', () => {
    expect(simulateOptions(flags({ backfill: '7', lots: '80', seed: '9', faults: 'heavy' }), { ZHIBO_ADMIN_PASSWORD: 'pw' })).toMatchObject({
      url: 'http://127.0.0.1:8080', username: 'admin', password: 'pw', lots: 80, seed: 9, faults: 'heavy', backfillDays: 7, speed: 60,
    });
    expect(simulateOptions(flags({ password: 'x', backfill: '0.5', duration: '10' }), {})).toMatchObject({ password: 'x', backfillDays: 0.5, durationMinutes: 10 });
  });

  it.each([
    [{}, /password/],
    [{ password: 'x', faults: 'mild' }, /--faults/],
    [{ password: 'x', lots: '0' }, /--lots/],
    [{ password: 'x', lots: '2.5' }, /--lots/],
    [{ password: 'x', speed: '0.5' }, /--speed/],
    [{ password: 'x', backfill: 'week' }, /--backfill/],
    [{ password: 'x', seed: 'abc' }, /--seed/],
  ] as const)('refuses %o', (o, message) => {
    expect(() => simulateOptions(flags(o), {})).toThrow(UsageError);
    expect(() => simulateOptions(flags(o), {})).toThrow(message);
  });
});
