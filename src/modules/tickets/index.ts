/*
 * Work orders (工单) — the module's public entry. The incident ledger links incidents to
 * tickets with getTicketRef; the overview counts open and overdue tickets through filteredQuery;
 * a public (H5) page would create tickets and record the citizen's answer with createTicket and
 * recordCitizenAnswer; a system migration carries legacy tickets over with importTicket.
 */
export { ticketsRoutes } from './routes.js';
export { createTicket, getTicket, getTicketRef, updateTicket, type TicketRef, type TicketDetail, type CreateResult } from './tickets.js';
export { importTicket, IMPORTED_TICKET_STATES, type ImportedTicket, type ImportedTicketState } from './import.js';
export { transitionTicket, recordCitizenAnswer, type TransitionInput } from './transitions.js';
export { filteredQuery, listTickets, type TicketQuery } from './list.js';
export { ticketKpis, type KpiReport } from './kpis.js';
export { addComment } from './comments.js';
export { mergeTicket } from './merge.js';
export { deliverCallbacks } from './callbacks.js';
export { openTicketSessionIds } from './references.js';
export { allowedTransitions, isSupervisor, TRANSITIONS } from './state-machine.js';
export type { TicketView } from './repo.js';
export * from './vocab.js';
export type { TicketsTables } from './tables.js';
