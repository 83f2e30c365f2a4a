// Tag colours and option lists shared by the registry pages.
import type { ImportRowStatus, LotStatus } from '../../api/types';

export type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger';

export const lotStatusTag: Record<LotStatus, TagType> = { active: 'success', suspended: 'warning' };

export const importStatusTag: Record<ImportRowStatus, TagType> = {
  created: 'success',
  updated: 'primary',
  unchanged: 'info',
  rejected: 'danger',
};

export function activeTag(status: string): TagType {
  return status === 'active' ? 'success' : 'info';
}
