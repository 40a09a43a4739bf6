-- One account per e-mail address whatever its capital letters: `Ana@north.example` and
-- `ana@north.example` are one person. The address stays stored as typed (it is shown and mailed
-- to as such); sign-in and every check for a taken address compare LOWER(email), and this
-- index makes that comparison unique and fast. It refuses to build while two accounts differ
-- only in case: docs/deployment.md says what to do before upgrading. SQLite's LOWER folds the
-- letters A to Z only; PostgreSQL's folds other letters too.
CREATE UNIQUE INDEX users_email_lower ON users (LOWER(email));
