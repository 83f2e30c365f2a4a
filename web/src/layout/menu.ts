// The left menu, in the order the city's module list gives. `path` starting with /api/ opens in a new tab.
import type { Permission } from '../api/types';

export interface MenuItem {
  key: string; // i18n key under `menu.`
  path: string;
  permission?: Permission;
  children?: MenuItem[];
}

/** The city's modules in menu order; `placeholder` ones are still to be built (one placeholder page each). */
const MODULES: (MenuItem & { placeholder?: true })[] = [
  { key: 'analysis', path: '/analysis', permission: 'registry:read' },
  { key: 'quality', path: '/quality', permission: 'registry:read' },
  { key: 'publicService', path: '/public-service', permission: 'registry:read' },
  // No permission: owners (share_owner) see it too; the API scopes what each user sees.
  { key: 'sharing', path: '/sharing' },
  { key: 'payments', path: '/payments', permission: 'payments:read' },
  // 欠费追缴 next to the payment channels its citizens pay through (docs/用户手册.md 第 24 章).
  { key: 'arrears', path: '/arrears', permission: 'payments:read' },
  { key: 'themes', path: '/themes', permission: 'registry:read' },
  { key: 'sessions', path: '/sessions', permission: 'registry:read' },
  { key: 'monitoring', path: '/monitoring', permission: 'registry:read' },
  { key: 'onboarding', path: '/onboarding', permission: 'registry:read' },
  { key: 'tickets', path: '/tickets', permission: 'registry:read' },
  { key: 'incidents', path: '/incidents', permission: 'registry:read' },
  { key: 'security', path: '/security', permission: 'ops' },
  { key: 'inspections', path: '/inspections', permission: 'registry:read' },
];
const menuItem = ({ placeholder: _placeholder, ...item }: MenuItem & { placeholder?: true }): MenuItem => item;

/** Modules still to be built: one placeholder page each (key also names the `placeholder.` text). */
export const PLACEHOLDER_MODULES: MenuItem[] = MODULES.filter((m) => m.placeholder).map(menuItem);

export const MENU: MenuItem[] = [
  // registry:read: every staff role; not a shared-parking owner account (share_owner).
  { key: 'overview', path: '/overview', permission: 'registry:read' },
  {
    key: 'resources',
    path: '/registry',
    children: [
      { key: 'lots', path: '/registry/lots', permission: 'registry:read' },
      { key: 'sources', path: '/registry/sources', permission: 'registry:read' },
      { key: 'operators', path: '/registry/operators', permission: 'registry:read' },
      { key: 'districts', path: '/registry/districts', permission: 'registry:read' },
      { key: 'import', path: '/registry/import', permission: 'registry:write' },
      { key: 'eventImport', path: '/ingest/import', permission: 'ops' },
      { key: 'quarantine', path: '/ingest/quarantine', permission: 'ops' },
    ],
  },
  // Built modules in the main flow; those still to be built under one 建设中 entry after them
  // (issue 15 §4), and no entry at all while there are none (today every module is built).
  ...MODULES.filter((m) => !m.placeholder).map(menuItem),
  ...(PLACEHOLDER_MODULES.length ? [{ key: 'underConstruction', path: '/under-construction', children: PLACEHOLDER_MODULES }] : []),
  {
    key: 'system',
    path: '/system',
    children: [
      { key: 'users', path: '/system/users', permission: 'users:manage' },
      { key: 'audit', path: '/system/audit', permission: 'audit:read' },
      { key: 'channels', path: '/system/channels', permission: 'ops' },
      { key: 'apiDocs', path: '/api/docs' },
    ],
  },
  // The user manual: every signed-in user.
  { key: 'help', path: '/help' },
];

/** The menu as the user may see it: items without permission dropped, then empty groups. */
export function visibleMenu(can: (p: Permission | undefined) => boolean): MenuItem[] {
  const out: MenuItem[] = [];
  for (const item of MENU) {
    if (!can(item.permission)) continue;
    if (!item.children) {
      out.push(item);
      continue;
    }
    const children = item.children.filter((c) => can(c.permission));
    if (children.length > 0) out.push({ ...item, children });
  }
  return out;
}
