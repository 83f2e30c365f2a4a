import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { requireHandler } from './tickets.js';
import type { TicketsContext } from './repo.js';

/* Handling teams (处理组): a short code list kept by ops. A team is disabled, never deleted (tickets name it). */

export interface TeamView {
  code: string;
  name: string;
  enabled: boolean;
}

export async function listTeams(ctx: TicketsContext): Promise<TeamView[]> {
  const rows = await ctx.db.selectFrom('ticket_teams').select(['code', 'name', 'enabled']).orderBy('code').execute();
  return rows.map((r) => ({ code: r.code, name: r.name, enabled: r.enabled }));
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !name.trim() || name.trim().length > 100) throw badRequest('INVALID_NAME', '名称须为 1–100 个字符 / name: 1–100 characters');
  return name.trim();
}

export async function createTeam(ctx: TicketsContext, actor: Actor, input: { code: string; name: string }): Promise<TeamView> {
  requireHandler(actor);
  if (!/^[a-z][a-z0-9_]{1,31}$/.test(input.code)) throw badRequest('INVALID_CODE', '编码须为 2–32 位小写字母、数字或下划线，字母开头 / code: 2–32 of a-z, 0-9, _, starting with a letter');
  const name = checkName(input.name);
  return ctx.db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('ticket_teams').select('code').where('code', '=', input.code).executeTakeFirst();
    if (exists) throw conflict('DUPLICATE', `处理组已存在 / team ${input.code} already exists`);
    const now = ctx.clock.now();
    await trx.insertInto('ticket_teams').values({ code: input.code, name, created_at: now, updated_at: now }).execute();
    await audit(ctx, trx, actor, { action: 'ticket_team.create', targetType: 'ticket_team', targetId: input.code, detail: { name } });
    return { code: input.code, name, enabled: true };
  });
}

export async function updateTeam(ctx: TicketsContext, actor: Actor, code: string, patch: { name?: string; enabled?: boolean }): Promise<TeamView> {
  requireHandler(actor);
  const name = patch.name === undefined ? undefined : checkName(patch.name);
  return ctx.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('ticket_teams').select(['code', 'name', 'enabled']).where('code', '=', code).forUpdate().executeTakeFirst();
    if (!before) throw notFound(`处理组 ${code}`);
    const after = await trx.updateTable('ticket_teams').set({ name, enabled: patch.enabled, updated_at: ctx.clock.now() }).where('code', '=', code)
      .returning(['code', 'name', 'enabled']).executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'ticket_team.update', targetType: 'ticket_team', targetId: code, detail: { before, after } });
    return after;
  });
}
