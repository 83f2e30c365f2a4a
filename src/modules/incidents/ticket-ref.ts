import type { Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { getTicketRef } from '../tickets/index.js';
import type { IncidentsContext } from './repo.js';

/** What the ledger uses of a work order, through the tickets module's own read (scoped: 404 across districts). */
export interface TicketRefView {
  id: string;
  number: string;
  title: string;
  description: string | null;
  channel: string | null;
  category: string;
  districtCode: string | null;
  lotCode: string | null;
  createdAt: Date;
}

export async function readTicketRef(ctx: IncidentsContext, actor: Actor, id: string): Promise<TicketRefView> {
  if (!/^\d{1,15}$/.test(id)) throw badRequest('INVALID_ID', `工单编号须为数字 / ticket id must be a number: '${id}'`);
  const t = await getTicketRef(ctx, actor, Number(id));
  return {
    id: String(t.id),
    number: t.no,
    title: t.title,
    description: null,
    channel: t.channel,
    category: t.category,
    districtCode: t.districtCode,
    lotCode: t.lotCode,
    createdAt: new Date(t.createdAt),
  };
}

/** Platform modules a complaint of this category points at. */
const CATEGORY_MODULES: Record<string, string[]> = {
  fee_dispute: ['payments'],
  wrong_charge: ['payments'],
  payment_failure: ['payments'],
  refund: ['payments'],
  plate_misread: ['ingest', 'sessions'],
  lot_info_wrong: ['registry', 'public'],
  availability_wrong: ['public', 'ingest'],
  facility_fault: [],
  service_attitude: [],
  suggestion: [],
  other: [],
};

export const ticketModules = (category: string): string[] => CATEGORY_MODULES[category] ?? [];
