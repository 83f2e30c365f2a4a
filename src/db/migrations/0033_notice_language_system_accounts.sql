-- Notices per recipient language (issue 15 §4): a notice's `title` and `body` are Chinese; a
-- module may give an English version too (`title_en`, `body_en`, null when it has none). Each
-- external channel says which language its recipients read (`language`, Chinese by default); the
-- console shows the language of the signed-in user's interface.
ALTER TABLE notifications ADD COLUMN title_en text, ADD COLUMN body_en text;
ALTER TABLE notification_channels ADD COLUMN language text NOT NULL DEFAULT 'zh-CN' CHECK (language IN ('zh-CN', 'en'));

-- The platform's own programs (the demo's simulator) act through the API under a system account:
-- `system` accounts get tokens from the platform itself, never by signing in, and what they do is
-- audited with the role `system` (the audit log tells them apart from people).
ALTER TABLE users ADD COLUMN system boolean NOT NULL DEFAULT false;
