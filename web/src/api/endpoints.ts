// Typed helpers per API route, so pages do not spell URLs.
import { api, type Query } from './api';
import type {
  AuditPage, AuditVerify, Berth, DataSource, District, ImportResult, Items, LoginReply, Lot, LotFilters, LotInput,
  NewSource, Operator, OperatorInput, Page, Role, SourcePatch, SourceSecret, User,
} from './types';

const seg = encodeURIComponent;

export const authApi = {
  login: (username: string, password: string) => api.post<LoginReply>('/api/v1/auth/login', { username, password }),
  logout: () => api.post('/api/v1/auth/logout'),
  me: () => api.get<User>('/api/v1/auth/me'),
  changePassword: (oldPassword: string, newPassword: string) => api.post('/api/v1/auth/password', { oldPassword, newPassword }),
};

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  districtCode?: string | null;
  displayName?: string | null;
}

export const usersApi = {
  list: () => api.get<Items<User>>('/api/v1/users'),
  create: (body: NewUser) => api.post<User>('/api/v1/users', body),
  disable: (username: string) => api.post<User>(`/api/v1/users/${seg(username)}/disable`),
  enable: (username: string) => api.post<User>(`/api/v1/users/${seg(username)}/enable`),
  resetPassword: (username: string, password: string) => api.post<User>(`/api/v1/users/${seg(username)}/reset-password`, { password }),
};

export const registryApi = {
  districts: () => api.get<Items<District>>('/api/v1/districts'),
  operators: () => api.get<Items<Operator>>('/api/v1/operators'),
  createOperator: (body: Partial<OperatorInput>) => api.post<Operator>('/api/v1/operators', body),
  updateOperator: (id: number, body: Partial<OperatorInput>) => api.patch<Operator>(`/api/v1/operators/${id}`, body),
  sources: () => api.get<Items<DataSource>>('/api/v1/sources'),
  createSource: (body: NewSource) => api.post<DataSource & SourceSecret>('/api/v1/sources', body),
  rotateSecret: (code: string) => api.post<SourceSecret>(`/api/v1/sources/${seg(code)}/rotate-secret`),
  updateSource: (code: string, body: SourcePatch) => api.patch<DataSource>(`/api/v1/sources/${seg(code)}`, body),
  lots: (filters: LotFilters & { limit?: number; offset?: number }) => api.get<Page<Lot>>('/api/v1/lots', filters as Query),
  lot: (code: string) => api.get<Lot>(`/api/v1/lots/${seg(code)}`),
  createLot: (body: LotInput) => api.post<Lot>('/api/v1/lots', body),
  updateLot: (code: string, body: Partial<LotInput>) => api.patch<Lot>(`/api/v1/lots/${seg(code)}`, body),
  exportLots: (filters: LotFilters) => api.download('/api/v1/lots/export', 'lots.xlsx', filters as Query),
  berths: (code: string) => api.get<Items<Berth>>(`/api/v1/lots/${seg(code)}/berths`),
  addBerth: (code: string, berthCode: string) => api.post<Berth>(`/api/v1/lots/${seg(code)}/berths`, { code: berthCode }),
  importTemplate: () => api.download('/api/v1/lots/import/template', 'lots-import-template.xlsx'),
  importLots: (file: File, dryRun: boolean) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return api.upload<ImportResult>('/api/v1/lots/import', form, { dryRun });
  },
};

export const auditApi = {
  list: (query: { actor?: string; action?: string; cursor?: string | null }) => api.get<AuditPage>('/api/v1/audit', query),
  verify: () => api.post<AuditVerify>('/api/v1/audit/verify'),
};
