import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';

describe('monitoring settings', () => {
  it('default to a 120-minute threshold, hourly reminders and 3 outages for a diagnosis mark', () => {
    expect(loadConfig({})).toMatchObject({ lateThresholdMinutes: 120, alertRemindMinutes: 60, problemSourceOutages: 3 });
    expect(loadConfig({ ZHIBO_ALERT_REMIND_MINUTES: '30', ZHIBO_PROBLEM_SOURCE_OUTAGES: '5' })).toMatchObject({ alertRemindMinutes: 30, problemSourceOutages: 5 });
  });

  it.each([
    [{ ZHIBO_ALERT_REMIND_MINUTES: '0' }, 'ZHIBO_ALERT_REMIND_MINUTES'],
    [{ ZHIBO_ALERT_REMIND_MINUTES: 'hourly' }, 'ZHIBO_ALERT_REMIND_MINUTES'],
    [{ ZHIBO_PROBLEM_SOURCE_OUTAGES: '0' }, 'ZHIBO_PROBLEM_SOURCE_OUTAGES'],
    [{ ZHIBO_LATE_THRESHOLD_MINUTES: '4' }, 'ZHIBO_LATE_THRESHOLD_MINUTES'],
  ])('names the bad setting in %o', (env, setting) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(setting);
  });
});
