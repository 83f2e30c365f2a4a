import type { App } from '../../src/platform/http.js';
import { ADMIN_PASSWORD } from './backends.js';

export async function loginToken(app: App, username = 'admin', password = ADMIN_PASSWORD): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
  return res.json().token as string;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Creates a user as admin and returns its token. */
export async function userToken(app: App, adminToken: string, user: { username: string; role: string; districtCode?: string }): Promise<string> {
  const password = 'User-Pass-1';
  const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(adminToken), payload: { ...user, password } });
  if (res.statusCode !== 201) throw new Error(`create ${user.username} failed: ${res.statusCode} ${res.body}`);
  return loginToken(app, user.username, password);
}
