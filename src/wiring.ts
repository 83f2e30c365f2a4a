import { arrearsPaidListener, arrearsRefundListener } from './modules/arrears/index.js';
import { onOrderPaid, onOrderRefunded } from './modules/payments/index.js';
import { onGateFacts } from './modules/sessions/index.js';
import { sharingGateListener } from './modules/sharing/index.js';
import type { RootContext } from './schema.js';

/**
 * Listeners between modules, wired once at the root (the runtime for the CLI, the app for the
 * server and tests): shared parking hears the gate through the sessions module's entry.
 */
export function wireListeners(ctx: RootContext): void {
  onGateFacts('sharing', sharingGateListener, (name, err) => ctx.log.error({ err, listener: name }, 'gate listener failed; its changes were rolled back, the batch committed'));
  onOrderPaid('arrears', arrearsPaidListener, (kind, err) => ctx.log.error({ err, kind }, 'order-paid listener failed; its changes were rolled back, the payment is recorded'));
  onOrderRefunded('arrears', arrearsRefundListener, (kind, err) => ctx.log.error({ err, kind }, 'order listener failed; its changes were rolled back, the notification is recorded'));
}
