-- Security operations (安全运维): the vulnerability register with its fix-plan deadline on the
-- working-day calendar, and the plan deadlines of medium and low findings. Owned by
-- modules/security (docs/security-operations.md).

CREATE TABLE security_vulnerabilities (
  id                  bigserial PRIMARY KEY,
  title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  severity            text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
  state               text NOT NULL DEFAULT 'found'
                        CHECK (state IN ('found', 'plan_submitted', 'fixing', 'fixed', 'verified', 'accepted_risk', 'false_positive')),
  source              text,
  component           text,
  description         text,
  found_at            timestamptz NOT NULL,
  -- Working days the plan deadline was computed with (5 for critical/high; configured otherwise).
  plan_working_days   integer NOT NULL CHECK (plan_working_days BETWEEN 1 AND 250),
  fix_plan_due_at     timestamptz NOT NULL,
  fix_plan_warn_at    timestamptz NOT NULL,
  plan_text           text,
  planned_fix_date    date,
  plan_submitted_at   timestamptz,
  fixing_at           timestamptz,
  fixed_at            timestamptz,
  verified_at         timestamptz,
  verification        text,
  risk_reason         text,
  risk_approver       text,
  risk_expires_at     timestamptz,
  false_positive_reason text,
  closed_at           timestamptz,
  -- The 80 % warning and the breach notice are raised once each (job security.check).
  warned_at           timestamptz,
  breached_at         timestamptz,
  incident_ref        text,
  change_ref          text,
  created_by          text NOT NULL,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL
);

CREATE INDEX security_vulnerabilities_open_due ON security_vulnerabilities (fix_plan_due_at) WHERE state = 'found';
CREATE INDEX security_vulnerabilities_found ON security_vulnerabilities (found_at);

-- Every step of a finding's lifecycle (the audit log holds the same, chained).
CREATE TABLE security_vulnerability_events (
  id                bigserial PRIMARY KEY,
  vulnerability_id  bigint NOT NULL REFERENCES security_vulnerabilities (id) ON DELETE CASCADE,
  at                timestamptz NOT NULL,
  actor             text NOT NULL,
  from_state        text,
  to_state          text NOT NULL,
  note              text
);

CREATE INDEX security_vulnerability_events_vuln ON security_vulnerability_events (vulnerability_id, id);

-- Working days to a fix plan for medium and low findings (critical and high are fixed at 5).
CREATE TABLE security_plan_deadlines (
  severity      text PRIMARY KEY CHECK (severity IN ('medium', 'low')),
  working_days  integer NOT NULL CHECK (working_days BETWEEN 1 AND 250),
  updated_by    text NOT NULL,
  updated_at    timestamptz NOT NULL
);

-- Quarterly permission review (权限审查): one campaign per Shanghai quarter; every account as it
-- stood when the campaign opened, its findings and the decision taken. Frozen at sign-off.
CREATE TABLE security_reviews (
  id             bigserial PRIMARY KEY,
  quarter        text NOT NULL UNIQUE CHECK (quarter ~ '^\d{4}Q[1-4]$'),
  opened_at      timestamptz NOT NULL,
  opened_by      text NOT NULL,
  signed_off_at  timestamptz,
  signed_off_by  text,
  sign_off_note  text
);

CREATE TABLE security_review_items (
  id                bigserial PRIMARY KEY,
  review_id         bigint NOT NULL REFERENCES security_reviews (id) ON DELETE CASCADE,
  username          text NOT NULL,
  display_name      text,
  role              text NOT NULL,
  district_code     text,
  status            text NOT NULL,
  created_at        timestamptz NOT NULL,
  last_login_at     timestamptz,
  last_activity_at  timestamptz,
  findings          text[] NOT NULL DEFAULT '{}',
  decision          text CHECK (decision IN ('keep', 'change_role', 'restrict_district', 'disable')),
  decision_note     text,
  decision_after    jsonb,
  decided_by        text,
  decided_at        timestamptz,
  UNIQUE (review_id, username)
);
