import type { AppContext } from '../../platform/context.js';
import { openSecrets } from './channels.js';
import { notificationsContext } from './repo.js';

/**
 * The https endpoints the enabled WeCom / DingTalk channels post to, for the inspection's
 * certificate check (docs/巡检与报告.md §4): host and port only — the webhook URL's path and query
 * carry the robot's key and never leave this module. An e-mail channel with `secure` SMTP is listed
 * too (implicit TLS on its port).
 */
export async function tlsEndpoints(root: AppContext): Promise<{ channel: string; host: string; port: number }[]> {
  const ctx = notificationsContext(root);
  const rows = await ctx.db.selectFrom('notification_channels').select(['name', 'type', 'settings', 'secrets_sealed']).where('enabled', '=', true).orderBy('id').execute();
  const out: { channel: string; host: string; port: number }[] = [];
  for (const r of rows) {
    const settings = typeof r.settings === 'string' ? JSON.parse(r.settings) : r.settings;
    if (r.type === 'email') {
      if (settings.secure && settings.host) out.push({ channel: r.name, host: settings.host, port: settings.port ?? 465 });
      continue;
    }
    let url: URL;
    try {
      url = new URL(openSecrets(ctx, r).webhookUrl ?? '');
    } catch {
      continue;
    }
    if (url.protocol === 'https:') out.push({ channel: r.name, host: url.hostname, port: Number(url.port || 443) });
  }
  return out;
}
