// Tag colours and option lists shared by the registry pages.
import type { Schemas } from '../../api/client';

export type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger';

export const lotStatusTag: Record<Schemas['Lot']['status'], TagType> = { active: 'success', suspended: 'warning' };

export const importStatusTag: Record<Schemas['LotImportResult']['rows'][number]['status'], TagType> = {
  created: 'success',
  updated: 'primary',
  unchanged: 'info',
  rejected: 'danger',
};

export function activeTag(status: string): TagType {
  return status === 'active' ? 'success' : 'info';
}
