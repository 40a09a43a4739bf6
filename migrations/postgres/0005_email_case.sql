-- One account per e-mail address whatever its capital letters; mirrors
-- migrations/sqlite/0005_email_case.sql. The address stays stored as typed; sign-in and every
-- check for a taken address compare LOWER(email), which this index makes unique and fast. It
-- refuses to build while two accounts differ only in case: docs/deployment.md says what to do
-- before upgrading.
CREATE UNIQUE INDEX users_email_lower ON users (LOWER(email));
