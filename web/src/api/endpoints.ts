// Typed helpers per API route, so pages do not spell URLs; every type comes from the OpenAPI
// document through client.ts.
import { api, type Query } from './api';
import { apiGet, apiPatch, apiPost, type BodyOf, type QueryOf } from './client';

export const authApi = {
  login: (body: BodyOf<'authLogin'>) => apiPost('/api/v1/auth/login', { body }),
  captcha: () => apiGet('/api/v1/auth/captcha'),
  totpStatus: () => apiGet('/api/v1/auth/totp'),
  totpSetup: () => apiPost('/api/v1/auth/totp/setup'),
  totpEnable: (code: string) => apiPost('/api/v1/auth/totp/enable', { body: { code } }),
  totpDisable: (password: string, code: string) => apiPost('/api/v1/auth/totp/disable', { body: { password, code } }),
  logout: () => apiPost('/api/v1/auth/logout'),
  me: () => apiGet('/api/v1/auth/me'),
  changePassword: (oldPassword: string, newPassword: string) => apiPost('/api/v1/auth/password', { body: { oldPassword, newPassword } }),
};

export const usersApi = {
  list: () => apiGet('/api/v1/users'),
  create: (body: BodyOf<'usersCreate'>) => apiPost('/api/v1/users', { body }),
  disable: (username: string) => apiPost('/api/v1/users/{username}/disable', { path: { username } }),
  enable: (username: string) => apiPost('/api/v1/users/{username}/enable', { path: { username } }),
  resetPassword: (username: string, password: string) => apiPost('/api/v1/users/{username}/reset-password', { path: { username }, body: { password } }),
  update: (username: string, body: BodyOf<'usersUpdate'>) => apiPatch('/api/v1/users/{username}', { path: { username }, body }),
  totpReset: (username: string) => apiPost('/api/v1/users/{username}/totp-reset', { path: { username } }),
};

export const registryApi = {
  districts: () => apiGet('/api/v1/districts'),
  operators: () => apiGet('/api/v1/operators'),
  createOperator: (body: BodyOf<'registryOperatorsCreate'>) => apiPost('/api/v1/operators', { body }),
  updateOperator: (id: number, body: BodyOf<'registryOperatorsUpdate'>) => apiPatch('/api/v1/operators/{id}', { path: { id }, body }),
  sources: () => apiGet('/api/v1/sources'),
  createSource: (body: BodyOf<'registrySourcesCreate'>) => apiPost('/api/v1/sources', { body }),
  rotateSecret: (code: string) => apiPost('/api/v1/sources/{code}/rotate-secret', { path: { code } }),
  updateSource: (code: string, body: BodyOf<'registrySourcesUpdate'>) => apiPatch('/api/v1/sources/{code}', { path: { code }, body }),
  lots: (query: QueryOf<'registryLotsList'>) => apiGet('/api/v1/lots', { query }),
  lot: (code: string) => apiGet('/api/v1/lots/{code}', { path: { code } }),
  createLot: (body: BodyOf<'registryLotsCreate'>) => apiPost('/api/v1/lots', { body }),
  updateLot: (code: string, body: BodyOf<'registryLotsUpdate'>) => apiPatch('/api/v1/lots/{code}', { path: { code }, body }),
  exportLots: (query: QueryOf<'registryLotsExport'>) => api.download('/api/v1/lots/export', 'lots.xlsx', query as Query),
  berths: (code: string) => apiGet('/api/v1/lots/{code}/berths', { path: { code } }),
  addBerth: (code: string, berthCode: string) => apiPost('/api/v1/lots/{code}/berths', { path: { code }, body: { code: berthCode } }),
  importTemplate: () => api.download('/api/v1/lots/import/template', 'lots-import-template.xlsx'),
  importLots: (file: File, dryRun: boolean) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return apiPost('/api/v1/lots/import', { query: { dryRun }, body: form });
  },
};

export const auditApi = {
  list: (query: QueryOf<'auditList'>) => apiGet('/api/v1/audit', { query }),
  verify: () => apiPost('/api/v1/audit/verify'),
  exportXlsx: (query: QueryOf<'auditExport'>) => api.download('/api/v1/audit/export', 'audit-log.xlsx', query as Query),
};
