// 共享停车 API (/api/v1/sharing…) as the console uses it; answers typed by the OpenAPI document.
import { api, type Query } from '../../api/api';
import { apiGet, apiPost, type BodyOf, type QueryOf } from '../../api/client';

export const OFFER_STATUSES = ['draft', 'submitted', 'approved', 'paused', 'ended'] as const;
export const BOOKING_STATUSES = ['booked', 'entered', 'completed', 'cancelled', 'cancelled_by_owner', 'no_show'] as const;
export type OfferAction = 'submit' | 'approve' | 'pause' | 'end';

export const sharingApi = {
  offers: (status: string) => apiGet('/api/v1/sharing/offers', { query: (status ? { status } : {}) as QueryOf<'sharingListOffers'> }),
  offerAction: (id: number, action: OfferAction) => {
    const path = { id };
    switch (action) {
      case 'submit': return apiPost('/api/v1/sharing/offers/{id}/submit', { path });
      case 'approve': return apiPost('/api/v1/sharing/offers/{id}/approve', { path });
      case 'pause': return apiPost('/api/v1/sharing/offers/{id}/pause', { path });
      case 'end': return apiPost('/api/v1/sharing/offers/{id}/end', { path });
    }
  },
  bookings: (filters: Record<string, string>, limit: number, offset: number) =>
    apiGet('/api/v1/sharing/bookings', { query: { ...(filters as QueryOf<'sharingListBookings'>), limit: String(limit), offset: String(offset) } as unknown as QueryOf<'sharingListBookings'> }),
  cancelBooking: (id: number) => apiPost('/api/v1/sharing/bookings/{id}/cancel', { path: { id } }),
  kpis: (month: string, groupBy: 'owner' | 'district' | 'offer') => apiGet('/api/v1/sharing/kpis', { query: { month, groupBy } }),
  owners: () => apiGet('/api/v1/sharing/owners'),
  createOwner: (body: BodyOf<'sharingCreateOwner'>) => apiPost('/api/v1/sharing/owners', { body }),
  createOffer: (body: BodyOf<'sharingCreateOffer'>) => apiPost('/api/v1/sharing/offers', { body }),
  confirmStatement: (month: string, ownerCode: string) => apiPost('/api/v1/sharing/statements/confirm', { body: { month, ownerCode } }),
  statement: (month: string, ownerCode: string) => api.download('/api/v1/sharing/statements', `sharing-statement-${ownerCode}-${month}.xlsx`, { month, ownerCode } as Query),
};
