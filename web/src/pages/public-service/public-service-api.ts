// 公众服务 console (/public-service): the staff routes under /api/v1/public-admin
// (docs/公众服务接口.md), typed by the OpenAPI document (web/src/api/client.ts).
import { api, type Query } from '../../api/api';
import { apiDelete, apiGet, apiPost, apiPut, type BodyOf, type ItemOf, type QueryOf, type ResponseOf, type Schemas } from '../../api/client';

export type Usage = ResponseOf<'publicAdminUsage'>;
export type UsageQuery = Omit<QueryOf<'publicAdminUsage'>, 'format'>;
export type Announcement = Schemas['PublicStaffAnnouncement'];
export type AnnouncementBody = BodyOf<'publicAdminAnnouncementsCreate'>;
export type SignGroup = ItemOf<'publicAdminSignGroupsList'>;
export type LotSettings = ResponseOf<'publicAdminLotSettingsGet'>;

export const ANNOUNCEMENT_KINDS = ['notice', 'closure', 'holiday', 'new_lot'] as const;

export const publicServiceApi = {
  usage: (query: UsageQuery) => apiGet('/api/v1/public-admin/usage', { query }),
  usageXlsx: (query: UsageQuery) => api.download('/api/v1/public-admin/usage', `public-usage-${query.from ?? ''}-${query.to ?? ''}.xlsx`, { ...(query as Query), format: 'xlsx' }),
  announcements: () => apiGet('/api/v1/public-admin/announcements'),
  createAnnouncement: (body: AnnouncementBody) => apiPost('/api/v1/public-admin/announcements', { body }),
  updateAnnouncement: (id: number, body: AnnouncementBody) => apiPut('/api/v1/public-admin/announcements/{id}', { path: { id }, body }),
  deleteAnnouncement: (id: number) => apiDelete('/api/v1/public-admin/announcements/{id}', { path: { id } }),
  signGroups: () => apiGet('/api/v1/public-admin/sign-groups'),
  createSignGroup: (body: BodyOf<'publicAdminSignGroupsCreate'>) => apiPost('/api/v1/public-admin/sign-groups', { body }),
  updateSignGroup: (code: string, body: BodyOf<'publicAdminSignGroupsUpdate'>) => apiPut('/api/v1/public-admin/sign-groups/{code}', { path: { code }, body }),
  deleteSignGroup: (code: string) => apiDelete('/api/v1/public-admin/sign-groups/{code}', { path: { code } }),
  lotSettings: (code: string) => apiGet('/api/v1/public-admin/lots/{code}/settings', { path: { code } }),
  setLotSettings: (code: string, body: BodyOf<'publicAdminLotSettingsSet'>) => apiPut('/api/v1/public-admin/lots/{code}/settings', { path: { code }, body }),
};
