// The left menu, in the order the city's module list gives. `path` starting with /api/ opens in a new tab.
import type { Permission } from '../api/types';

export interface MenuItem {
  key: string; // i18n key under `menu.`
  path: string;
  permission?: Permission;
  children?: MenuItem[];
}

/** Modules still to be built: one placeholder page each (key also names the `placeholder.` text). */
export const PLACEHOLDER_MODULES: MenuItem[] = [
  { key: 'analysis', path: '/analysis' },
  { key: 'publicService', path: '/public-service' },
  { key: 'sharing', path: '/sharing' },
  { key: 'themes', path: '/themes' },
  { key: 'sessions', path: '/sessions' },
  { key: 'monitoring', path: '/monitoring' },
  { key: 'onboarding', path: '/onboarding' },
  { key: 'tickets', path: '/tickets' },
  { key: 'incidents', path: '/incidents' },
  { key: 'security', path: '/security' },
  { key: 'inspections', path: '/inspections' },
];

export const MENU: MenuItem[] = [
  { key: 'overview', path: '/overview' },
  {
    key: 'resources',
    path: '/registry',
    children: [
      { key: 'lots', path: '/registry/lots', permission: 'registry:read' },
      { key: 'sources', path: '/registry/sources', permission: 'registry:read' },
      { key: 'operators', path: '/registry/operators', permission: 'registry:read' },
      { key: 'districts', path: '/registry/districts', permission: 'registry:read' },
      { key: 'import', path: '/registry/import', permission: 'registry:write' },
    ],
  },
  ...PLACEHOLDER_MODULES,
  {
    key: 'system',
    path: '/system',
    children: [
      { key: 'users', path: '/system/users', permission: 'users:manage' },
      { key: 'audit', path: '/system/audit', permission: 'audit:read' },
      { key: 'apiDocs', path: '/api/docs' },
    ],
  },
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
