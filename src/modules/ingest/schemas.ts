import { Type } from 'typebox';

const Time = Type.String({ description: 'ISO 8601, or YYYY-MM-DD HH:mm:ss (Shanghai time when no offset)' });
const common = { eventId: Type.String({ maxLength: 128 }), occurredAt: Time };
const photoUrl = Type.Optional(Type.String({
  maxLength: 512,
  description: '抓拍：photo:<sha256>（POST /api/v1/ingest/photos 的返回）或 https 地址 / snapshot: photo:<sha256> as the photo upload answered, or an https URL (docs/接入规范.md §6.7)',
}));

export const EventSchema = Type.Union([
  Type.Object({ type: Type.Literal('entry'), ...common, lotCode: Type.String(), plate: Type.String(), plateColor: Type.Optional(Type.String()), berthCode: Type.Optional(Type.String()), photoUrl }),
  Type.Object({
    type: Type.Literal('exit'), ...common, lotCode: Type.String(), plate: Type.String(),
    entryEventId: Type.Optional(Type.String()), enteredAt: Type.Optional(Time),
    receivableFen: Type.Optional(Type.Integer({ minimum: 0 })), paidFen: Type.Optional(Type.Integer({ minimum: 0 })), payChannel: Type.Optional(Type.String()), photoUrl,
  }),
  Type.Object({ type: Type.Literal('status'), ...common, lotCode: Type.String(), totalSpaces: Type.Integer(), freeSpaces: Type.Integer() }),
  Type.Object({ type: Type.Literal('heartbeat'), ...common }),
  Type.Object({
    type: Type.Literal('payment'), ...common, lotCode: Type.String(), plate: Type.Optional(Type.String()),
    orderNo: Type.String(), amountFen: Type.Integer({ minimum: 0 }), channel: Type.String(), paidAt: Time,
  }),
]);

export const EventsBody = Type.Object({ events: Type.Array(EventSchema, { maxItems: 1000 }) });

export const EventResultSchema = Type.Object({
  eventId: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('rejected')]),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

export const IngestReply = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  results: Type.Array(EventResultSchema),
});
