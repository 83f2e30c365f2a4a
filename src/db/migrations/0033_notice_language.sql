-- Notices per recipient language (issue 15 §4): a notice's `title` and `body` are Chinese; a
-- module may give an English version too (`title_en`, `body_en`, null when it has none). Each
-- external channel says which language its recipients read (`language`, Chinese by default); the
-- console shows the language of the signed-in user's interface.
ALTER TABLE notifications ADD COLUMN title_en text, ADD COLUMN body_en text;
ALTER TABLE notification_channels ADD COLUMN language text NOT NULL DEFAULT 'zh-CN' CHECK (language IN ('zh-CN', 'en'));
