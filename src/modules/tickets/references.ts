import type { Actor } from '../../platform/auth/permissions.js';
import { ROLE_PERMISSIONS } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { assertDistrictInScope } from '../../platform/scope.js';
import { listUsers } from '../accounts/index.js';
import { listDistricts, lotRefs } from '../registry/index.js';
import { fetchOne } from '../sessions/index.js';
import type { AppContext } from '../../platform/context.js';
import { ticketsContext, type TicketsContext, type TicketsDb } from './repo.js';
import { TERMINAL_STATES } from './vocab.js';

/*
 * What a ticket links to, checked through the owning modules' services. Called before the
 * write's transaction opens (the embedded database has one connection: a read through ctx.db
 * inside a transaction would wait for it).
 */

export interface LinkInput {
  lotCode?: string | null;
  sessionId?: number | null;
  districtCode?: string | null;
}

export interface ResolvedLinks {
  lotCode: string | null;
  sessionId: number | null;
  /** From the lot (or the session's lot) when linked, else as given. */
  districtCode: string | null;
  /** The session's plate, for a ticket that gave none. */
  sessionPlate: string | null;
}

export async function resolveLinks(ctx: TicketsContext, actor: Actor, input: LinkInput): Promise<ResolvedLinks> {
  let lotCode = input.lotCode?.trim() || null;
  let lotDistrict: string | null = null;
  let sessionPlate: string | null = null;
  const sessionId = input.sessionId ?? null;
  if (sessionId !== null) {
    const session = await fetchOne(ctx.db, actor, sessionId);
    if (!session) throw badRequest('UNKNOWN_SESSION', `停车流水 ${sessionId} 不存在 / no parking record ${sessionId}`);
    if (lotCode && lotCode !== session.lot_code) throw badRequest('SESSION_LOT_MISMATCH', `停车流水 ${sessionId} 不属于车场 ${lotCode} / record ${sessionId} is not of lot ${lotCode}`);
    lotCode = session.lot_code;
    sessionPlate = session.plate;
  }
  if (lotCode) {
    const lot = (await lotRefs(ctx, [lotCode])).get(lotCode);
    if (!lot) throw badRequest('UNKNOWN_LOT', `未知车场 / unknown lot ${lotCode.slice(0, 64)}`);
    lotDistrict = lot.districtCode;
  }
  const given = input.districtCode?.trim() || null;
  if (given && lotDistrict && given !== lotDistrict) {
    throw badRequest('DISTRICT_MISMATCH', `车场 ${lotCode} 属于 ${lotDistrict}，与 districtCode ${given} 不符 / lot ${lotCode} is in ${lotDistrict}, not ${given}`);
  }
  const districtCode = lotDistrict ?? given ?? actor.districtCode;
  if (districtCode) {
    assertDistrictInScope(actor, districtCode);
    if (!lotDistrict) {
      const known = await listDistricts(ctx, actor);
      if (!known.some((d) => d.code === districtCode)) throw badRequest('UNKNOWN_DISTRICT', `未知县市区 / unknown district ${districtCode.slice(0, 16)}`);
    }
  }
  return { lotCode, sessionId, districtCode, sessionPlate };
}

/** An assignee is an active user whose role handles tickets (has `ops`). */
export async function checkAssignee(ctx: TicketsContext, username: string): Promise<string> {
  const name = username.trim();
  const user = (await listUsers(ctx)).find((u) => u.username === name);
  if (!user || user.status !== 'active' || !ROLE_PERMISSIONS[user.role].includes('ops')) {
    throw badRequest('UNKNOWN_ASSIGNEE', `处理人须为在用的运维账号 / assignee must be an active user with the ops permission: ${name.slice(0, 64)}`);
  }
  return name;
}

/** Users a ticket can be assigned to, for the console's picker. */
export async function listAssignees(ctx: TicketsContext): Promise<{ username: string; displayName: string | null; role: string }[]> {
  return (await listUsers(ctx))
    .filter((u) => u.status === 'active' && ROLE_PERMISSIONS[u.role].includes('ops'))
    .map((u) => ({ username: u.username, displayName: u.displayName, role: u.role }));
}

export async function checkTeam(db: TicketsDb, code: string): Promise<string> {
  const team = await db.selectFrom('ticket_teams').select(['code', 'enabled']).where('code', '=', code.trim()).executeTakeFirst();
  if (!team || !team.enabled) throw badRequest('UNKNOWN_TEAM', `未知或已停用的处理组 / unknown or disabled team: ${code.slice(0, 32)}`);
  return team.code;
}

/**
 * The parking records that work orders still under way point at (any state but closed or
 * cancelled): the photo retention job keeps their snapshots while the dispute lasts
 * (docs/decisions/0036-photo-store.md).
 */
export async function openTicketSessionIds(anyCtx: AppContext): Promise<number[]> {
  const ctx = ticketsContext(anyCtx);
  const rows = await ctx.db
    .selectFrom('tickets')
    .select('session_id')
    .distinct()
    .where('session_id', 'is not', null)
    .where('state', 'not in', [...TERMINAL_STATES])
    .execute();
  return rows.map((r) => Number(r.session_id));
}
