/*
 * What other modules may use of work orders (工单). The incident ledger links incidents to
 * tickets with getTicketRef; a public (H5) page would create tickets and record the citizen's
 * answer with createTicket and recordCitizenAnswer.
 */
export { createTicket, getTicket, getTicketRef, updateTicket, type TicketRef, type TicketDetail, type CreateResult } from './tickets.js';
export { transitionTicket, recordCitizenAnswer, type TransitionInput } from './transitions.js';
export { listTickets, type TicketQuery } from './list.js';
export { ticketKpis, type KpiReport } from './kpis.js';
export { addComment } from './comments.js';
export { mergeTicket } from './merge.js';
export { deliverCallbacks } from './callbacks.js';
export { allowedTransitions, isSupervisor, TRANSITIONS } from './state-machine.js';
export type { TicketView } from './repo.js';
export * from './vocab.js';
