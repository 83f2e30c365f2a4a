import { describe, expect, it } from 'vitest';
import { actorFor, systemActor } from '../../platform/auth/permissions.js';
import { AppError } from '../../platform/errors.js';
import { maskName, maskPhone, normalizePhone } from './personal-data.js';
import { checkTransition, isAllowed, TRANSITIONS, transitionsFor } from './state-machine.js';
import { TICKET_STATES, type TicketState } from './vocab.js';

const user = (role: 'admin' | 'bureau' | 'district' | 'ops' | 'viewer') => actorFor({ id: 1, username: role, role, district_code: role === 'district' ? '320602' : null }, null);

function error(fn: () => void): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

const LEGAL: [TicketState, TicketState][] = [
  ['new', 'assigned'], ['new', 'cancelled'],
  ['assigned', 'assigned'], ['assigned', 'in_progress'], ['assigned', 'cancelled'],
  ['in_progress', 'assigned'], ['in_progress', 'waiting_citizen'], ['in_progress', 'resolved'], ['in_progress', 'cancelled'],
  ['waiting_citizen', 'in_progress'], ['waiting_citizen', 'cancelled'],
  ['resolved', 'feedback_given'],
  ['feedback_given', 'confirmed'], ['feedback_given', 'reopened'],
  ['confirmed', 'closed'], ['confirmed', 'reopened'],
  ['reopened', 'assigned'], ['reopened', 'in_progress'], ['reopened', 'cancelled'],
];

describe('ticket state machine', () => {
  it('allows exactly the documented transitions, all 100 pairs checked', () => {
    const legal = new Set(LEGAL.map(([a, b]) => `${a}>${b}`));
    for (const from of TICKET_STATES) {
      for (const to of TICKET_STATES) expect(isAllowed(from, to), `${from} → ${to}`).toBe(legal.has(`${from}>${to}`));
    }
    expect(Object.values(TRANSITIONS).flat()).toHaveLength(LEGAL.length);
  });

  it('refuses an illegal transition with 409 ILLEGAL_TRANSITION naming the allowed targets', () => {
    const e = error(() => checkTransition(user('ops'), 'new', 'resolved', { hasAssignee: false }));
    expect(e.status).toBe(409);
    expect(e.code).toBe('ILLEGAL_TRANSITION');
    expect(e.details).toEqual({ from: 'new', to: 'resolved', allowed: ['assigned', 'cancelled'] });
    expect(error(() => checkTransition(user('admin'), 'closed', 'reopened', { hasAssignee: true })).details).toMatchObject({ allowed: [] });
  });

  it('lets only supervisors cancel, and only with a reason', () => {
    expect(error(() => checkTransition(user('ops'), 'new', 'cancelled', { reason: 'spam', hasAssignee: false })).code).toBe('SUPERVISOR_REQUIRED');
    expect(error(() => checkTransition(user('bureau'), 'new', 'cancelled', { reason: '  ', hasAssignee: false })).code).toBe('REASON_REQUIRED');
    expect(() => checkTransition(user('bureau'), 'new', 'cancelled', { reason: '重复来电', hasAssignee: false })).not.toThrow();
    expect(() => checkTransition(user('admin'), 'waiting_citizen', 'cancelled', { reason: '市民撤诉', hasAssignee: true })).not.toThrow();
    expect(() => checkTransition(systemActor(), 'reopened', 'cancelled', { reason: 'x', hasAssignee: true })).not.toThrow();
    // Cancelling after the result exists is not a cancellation but a closure.
    expect(error(() => checkTransition(user('admin'), 'resolved', 'cancelled', { reason: 'x', hasAssignee: true })).code).toBe('ILLEGAL_TRANSITION');
  });

  it('leaves handling to ops and requires someone to assign to', () => {
    expect(error(() => checkTransition(user('bureau'), 'assigned', 'in_progress', { hasAssignee: true })).status).toBe(403);
    expect(error(() => checkTransition(user('viewer'), 'new', 'assigned', { assignee: 'ops1', hasAssignee: false })).status).toBe(403);
    expect(error(() => checkTransition(user('ops'), 'new', 'assigned', { hasAssignee: false })).code).toBe('ASSIGNEE_REQUIRED');
    expect(() => checkTransition(user('ops'), 'new', 'assigned', { team: 'billing', hasAssignee: false })).not.toThrow();
  });

  it('offers each role the buttons it may press', () => {
    expect(transitionsFor(user('ops'), 'in_progress')).toEqual(['assigned', 'waiting_citizen', 'resolved']);
    expect(transitionsFor(user('bureau'), 'in_progress')).toEqual(['cancelled']);
    expect(transitionsFor(user('admin'), 'new')).toEqual(['assigned', 'cancelled']);
    expect(transitionsFor(user('viewer'), 'new')).toEqual([]);
  });
});

describe('ticket personal data', () => {
  it('masks phones and names', () => {
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskPhone('0513-85123456')).toBe('051******3456');
    expect(maskPhone('12345')).toBe('***45');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳小明')).toBe('欧***');
  });

  it('normalises phone numbers and refuses what is not one', () => {
    expect(normalizePhone(' 138 1234 1234 ')).toBe('13812341234');
    expect(normalizePhone('＋8613812341234')).toBe('+8613812341234');
    expect(() => normalizePhone('call me')).toThrow(AppError);
  });
});
