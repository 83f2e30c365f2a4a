import { describe, expect, it } from 'vitest';
import { urlOf } from './client';

describe('urlOf', () => {
  it('fills path parameters, encoded, and appends the query without empty values', () => {
    expect(urlOf('/api/v1/lots/{code}/berths/{berthCode}', { path: { code: 'A/1 号', berthCode: 7 } })).toBe('/api/v1/lots/A%2F1%20%E5%8F%B7/berths/7');
    expect(urlOf('/api/v1/tickets', { query: { state: 'new', q: '', limit: 20, open: true, cursor: undefined } })).toBe('/api/v1/tickets?state=new&limit=20&open=true');
  });

  it('refuses a path parameter left out', () => {
    expect(() => urlOf('/api/v1/tickets/{id}', {})).toThrow('path parameter id missing');
  });
});
