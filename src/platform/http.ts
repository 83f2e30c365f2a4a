import type { FastifyInstance, FastifyReply, FastifyRequest, RawServerDefault, FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Type, type TSchema } from 'typebox';
import { forbidden, unauthorized } from './errors.js';
import { can, type Actor, type Permission } from './auth/permissions.js';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    tokenId: number | null;
  }
  interface FastifyContextConfig {
    /** Route needs no account (health, login, signed ingest, citizen pages). */
    public?: boolean;
  }
}

/** The signed-in actor of a request; the auth hook has already refused anonymous calls. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw unauthorized();
  return req.actor;
}

/** preHandler that refuses (403) a signed-in user without the permission. */
export function requirePermission(permission: Permission) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    if (!can(actorOf(req), permission)) throw forbidden(`需要权限 ${permission} / requires permission ${permission}`);
  };
}

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }) },
  { $id: 'ErrorBody', description: '错误 / error' },
);

/** Standard error responses for a route's schema, referencing the shared ErrorBody. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of statuses) out[s] = Type.Ref('ErrorBody');
  return out;
}

/**
 * A value or null. Null comes first on purpose: with ajv's type coercion, a null tried against
 * the string branch first would be coerced to "" and accepted as a string.
 */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

export const Paged = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), total: Type.Integer() });
