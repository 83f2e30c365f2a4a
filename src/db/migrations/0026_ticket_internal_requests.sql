-- Internal service requests (issue 20 §5): the tickets module takes a channel `internal` with
-- its own categories 电话咨询 phone_consult, 远程协助 remote_assist, 现场指导 onsite_guidance
-- (src/modules/tickets/vocab.ts). Channel clients keep the citizens' channels only
-- (ticket_channel_clients is unchanged). The pairing (internal ⇔ internal category) is checked
-- here too, so no path can store a citizen's category on an internal request or the reverse.
ALTER TABLE tickets DROP CONSTRAINT tickets_channel_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_channel_check
  CHECK (channel IN ('hotline_12345', 'wechat', 'alipay', 'phone', 'web', 'onsite', 'internal'));

ALTER TABLE tickets DROP CONSTRAINT tickets_category_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_category_check
  CHECK (category IN ('fee_dispute', 'wrong_charge', 'plate_misread', 'payment_failure', 'refund',
    'lot_info_wrong', 'availability_wrong', 'facility_fault', 'service_attitude', 'suggestion', 'other',
    'phone_consult', 'remote_assist', 'onsite_guidance'));

ALTER TABLE tickets ADD CONSTRAINT tickets_internal_category_check
  CHECK ((channel = 'internal') = (category IN ('phone_consult', 'remote_assist', 'onsite_guidance')));
