-- Scanner imports into the vulnerability register (docs/security-operations.md, "Importing
-- scanner findings"): a finding from a scanner carries a fingerprint (sha256 of the scanner kind,
-- the rule and the component) so that the next import of the same finding updates it instead of
-- recording it twice, and the last import that still reported it.
ALTER TABLE security_vulnerabilities ADD COLUMN fingerprint text;
ALTER TABLE security_vulnerabilities ADD COLUMN last_seen_at timestamptz;
CREATE UNIQUE INDEX security_vulnerabilities_fingerprint ON security_vulnerabilities (fingerprint) WHERE fingerprint IS NOT NULL;
