import { ElMessage } from 'element-plus';
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { onUnauthorized } from './api/api';
import type { Permission } from './api/types';
import { i18n } from './i18n';
import AppLayout from './layout/AppLayout.vue';
import { PLACEHOLDER_MODULES } from './layout/menu';
import { onIdle, useAuth } from './stores/auth';

declare module 'vue-router' {
  interface RouteMeta {
    /** Pages without an account (the login page). */
    public?: boolean;
    permission?: Permission;
    /** Key of the placeholder module (under construction). */
    module?: string;
  }
}

const Placeholder = () => import('./pages/placeholder/PlaceholderPage.vue');

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./pages/login/LoginPage.vue'), meta: { public: true } },
  { path: '/h5/complaint', name: 'h5-complaint', component: () => import('./pages/tickets/CitizenComplaintPage.vue'), meta: { public: true } },
  { path: '/h5/', name: 'h5-public-home', component: () => import('./pages/public/PublicHomePage.vue'), meta: { public: true } },
  { path: '/h5/me', name: 'h5-me', component: () => import('./pages/public/MyParkingPage.vue'), meta: { public: true } },
  { path: '/h5/lots/:code', name: 'h5-public-lot', component: () => import('./pages/public/PublicLotPage.vue'), meta: { public: true } },
  { path: '/h5/sharing', name: 'h5-sharing', component: () => import('./pages/sharing/H5SharingPage.vue'), meta: { public: true } },
  { path: '/h5/sharing/b/:id', name: 'h5-sharing-booking', component: () => import('./pages/sharing/H5BookingPage.vue'), meta: { public: true } },
  { path: '/h5/lookup', name: 'h5-lookup', component: () => import('./pages/tickets/CitizenLookupPage.vue'), meta: { public: true } },
  { path: '/h5/t/:token', name: 'h5-status', component: () => import('./pages/tickets/CitizenStatusPage.vue'), meta: { public: true } },
  // The wall screen (大屏模式): the overview alone on a 1920×1080 stage, signed in like the console.
  { path: '/screen', name: 'screen', component: () => import('./pages/overview/ScreenPage.vue'), meta: { module: 'overview' } },
  {
    path: '/',
    component: AppLayout,
    children: [
      { path: '', redirect: '/overview' },
      { path: 'overview', name: 'overview', component: () => import('./pages/overview/OverviewPage.vue'), meta: { module: 'overview' } },
      { path: 'registry/lots', name: 'lots', component: () => import('./pages/registry/LotsPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'registry/lots/new', name: 'lot-new', component: () => import('./pages/registry/LotEditPage.vue'), meta: { permission: 'registry:write' } },
      { path: 'registry/lots/:code', name: 'lot', component: () => import('./pages/registry/LotEditPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'registry/sources', name: 'sources', component: () => import('./pages/registry/SourcesPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'registry/operators', name: 'operators', component: () => import('./pages/registry/OperatorsPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'registry/districts', name: 'districts', component: () => import('./pages/registry/DistrictsPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'registry/import', name: 'import', component: () => import('./pages/registry/ImportPage.vue'), meta: { permission: 'registry:write' } },
      { path: 'ingest/import', name: 'event-import', component: () => import('./pages/ingest/EventImportPage.vue'), meta: { permission: 'ops' } },
      { path: 'ingest/quarantine', name: 'quarantine', component: () => import('./pages/ingest/QuarantinePage.vue'), meta: { permission: 'ops' } },
      { path: 'sessions', name: 'sessions', component: () => import('./pages/records/RecordsPage.vue') },
      { path: 'tickets', name: 'tickets', component: () => import('./pages/tickets/TicketsPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'tickets/clients', name: 'ticket-clients', component: () => import('./pages/tickets/ChannelClientsPage.vue'), meta: { permission: 'sources:secrets' } },
      { path: 'tickets/:id(\\d+)', name: 'ticket', component: () => import('./pages/tickets/TicketDetailPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'monitoring', name: 'monitoring', component: () => import('./pages/monitoring/MonitoringPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'sharing', name: 'sharing', component: () => import('./pages/sharing/SharingPage.vue') },
      { path: 'incidents', name: 'incidents', component: () => import('./pages/incidents/IncidentsPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'incidents/:id', name: 'incident', component: () => import('./pages/incidents/IncidentDetailPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'analysis', name: 'analysis', component: () => import('./pages/analysis/AnalysisPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'quality', name: 'quality', component: () => import('./pages/quality/QualityPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'public-service', name: 'public-service', component: () => import('./pages/public-service/PublicServicePage.vue'), meta: { permission: 'registry:read' } },
      { path: 'arrears', name: 'arrears', component: () => import('./pages/arrears/ArrearsPage.vue'), meta: { permission: 'payments:read' } },
      { path: 'payments', name: 'payments', component: () => import('./pages/payments/PaymentsPage.vue'), meta: { permission: 'payments:read' } },
      { path: 'themes', name: 'themes', component: () => import('./pages/themes/ThemesPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'themes/:code', name: 'theme', component: () => import('./pages/themes/ThemeDetailPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'onboarding', name: 'onboarding', component: () => import('./pages/onboarding/OnboardingPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'inspections', name: 'inspections', component: () => import('./pages/inspections/InspectionsPage.vue'), meta: { permission: 'registry:read' } },
      { path: 'security', name: 'security', component: () => import('./pages/security/SecurityPage.vue'), meta: { permission: 'ops' } },
      ...PLACEHOLDER_MODULES.map((m) => ({ path: m.path.slice(1), name: m.key, component: Placeholder, meta: { module: m.key } })),
      { path: 'account/security', name: 'account-security', component: () => import('./pages/account/AccountSecurityPage.vue') },
      { path: 'help', name: 'help', component: () => import('./pages/help/HelpPage.vue') },
      { path: 'system/users', name: 'users', component: () => import('./pages/system/UsersPage.vue'), meta: { permission: 'users:manage' } },
      { path: 'system/audit', name: 'audit', component: () => import('./pages/system/AuditPage.vue'), meta: { permission: 'audit:read' } },
      { path: 'system/channels', name: 'channels', component: () => import('./pages/notifications/ChannelsPage.vue'), meta: { permission: 'ops' } },
      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue') },
    ],
  },
];

export const router = createRouter({ history: createWebHistory('/'), routes });

router.beforeEach(async (to) => {
  const auth = useAuth();
  if (to.meta.public) return true;
  if (!(await auth.loadMe())) {
    return { name: 'login', query: to.fullPath !== '/' && to.fullPath !== '/overview' ? { redirect: to.fullPath } : {} };
  }
  // An expired password or a second factor the role must enrol: 账号安全 (and 帮助) only, as the API allows.
  if (auth.user.value?.restriction && to.name !== 'account-security' && to.name !== 'help') return { name: 'account-security' };
  // A shared-parking owner account uses the 共享停车 page (and 帮助) only (the API refuses the rest).
  if (auth.user.value?.role === 'share_owner' && to.name !== 'sharing' && to.name !== 'help' && to.name !== 'account-security') return { name: 'sharing' };
  if (!auth.can(to.meta.permission)) {
    ElMessage.warning(i18n.global.t('errors.forbidden'));
    return { name: 'overview' };
  }
  return true;
});

// Idle past the server's minutes: signed out by the store; back to the login page, then back here.
onIdle(() => {
  const current = router.currentRoute.value;
  if (current.meta.public) return;
  ElMessage.warning(i18n.global.t('login.idle'));
  void router.push({ name: 'login', query: { redirect: current.fullPath } });
});

// A 401 on any call (token expired or revoked): back to the login page, then back here.
onUnauthorized(() => {
  useAuth().forget();
  const current = router.currentRoute.value;
  if (current.meta.public) return;
  ElMessage.warning(i18n.global.t('login.expired'));
  void router.push({ name: 'login', query: { redirect: current.fullPath } });
});
