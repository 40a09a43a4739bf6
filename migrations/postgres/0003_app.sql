-- The matching web app on PostgreSQL; mirrors migrations/sqlite/0003_app.sql column for column.
-- Browser sessions, licences, child and family profiles, expressions of interest ("links"),
-- messages, notifications and the activity trail.
--
-- All of this is platform data the server reads to do its job; none of it is sealed and none
-- of it is a key. Sealed documents stay in `documents`. Ids are TEXT UUIDs, times BIGINT
-- seconds since the epoch, yes/no flags BIGINT 0/1, so the same queries run on PostgreSQL.

-- The name a person gives at registration, shown to colleagues; NULL for older accounts.
ALTER TABLE users ADD COLUMN display_name TEXT;
-- Last successful login in the browser or the API, for the dormant-account rule.
ALTER TABLE users ADD COLUMN last_login_at BIGINT;

-- Browser sessions. The cookie holds a random secret; only its SHA-256 is stored, so a copy
-- of the database cannot be used to act as anyone. The CSRF token is derived from the cookie
-- secret, so it is not stored either.
CREATE TABLE web_sessions (
    session_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    -- Refused after this time even while in use.
    expires_at BIGINT NOT NULL,
    -- Refused when idle since longer than the idle limit.
    last_seen_at BIGINT NOT NULL,
    -- Set by logout or when the account is removed.
    revoked_at BIGINT
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);

-- Failed logins, for throttling per account and per client address. Both are stored as
-- SHA-256 of their text so the table is not a list of addresses and e-mail addresses.
CREATE TABLE login_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- 'account' or 'address'.
    scope TEXT NOT NULL,
    subject_hash TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures(scope, subject_hash, at);

-- An organisation's licence and its matching rules, kept by the platform admin.
CREATE TABLE org_settings (
    org_id TEXT PRIMARY KEY REFERENCES orgs(id),
    -- 1 while the licence is active; an inactive or expired licence hides the organisation
    -- from other organisations' searches.
    licence_active BIGINT NOT NULL,
    -- Last day of the licence, YYYY-MM-DD.
    licence_expires_on TEXT NOT NULL,
    -- How many links one of its families may have open at once.
    open_link_cap BIGINT NOT NULL,
    -- 1 when its adopters and foster carers may edit their own family profile.
    families_edit_own BIGINT NOT NULL,
    -- Area the organisation works in, offered as the default region of its profiles.
    region TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A child profile: one child, or a sibling group profiled together (rows in `children`).
CREATE TABLE child_profiles (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    -- The child's social worker, who chooses who may see the profile.
    social_worker TEXT NOT NULL REFERENCES users(id),
    -- The case file of the child, if one is kept in the vault.
    case_id TEXT REFERENCES cases(id),
    -- placement_order, interim_care_order, care_order, early_permanence, relinquished.
    legal_status TEXT NOT NULL,
    region TEXT NOT NULL,
    -- Levels of need: none, low, medium or high.
    need_health TEXT NOT NULL,
    need_development TEXT NOT NULL,
    need_education TEXT NOT NULL,
    need_contact TEXT NOT NULL,
    -- Free text about needs, likes and personality.
    needs_notes TEXT NOT NULL,
    likes TEXT NOT NULL,
    personality TEXT NOT NULL,
    -- own (the organisation only), named (plus child_profile_orgs), all (licensed ones).
    visibility TEXT NOT NULL,
    -- 'active' or 'archived' (hidden from search, links kept).
    status TEXT NOT NULL,
    -- Photo bytes (JPEG or PNG, checked) and their type; NULL when none.
    photo BYTEA,
    photo_type TEXT,
    -- Times the profile was opened by someone outside the owning organisation.
    views BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX child_profiles_org ON child_profiles(org_id);

-- The children of a child profile, in the order given.
CREATE TABLE children (
    id TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL REFERENCES child_profiles(id),
    position BIGINT NOT NULL,
    -- First name or an anonymised label, as the social worker chooses.
    name TEXT NOT NULL,
    birth_month BIGINT NOT NULL,
    birth_year BIGINT NOT NULL
);
CREATE INDEX children_profile ON children(profile_id);

-- Organisations a 'named' child profile is shown to.
CREATE TABLE child_profile_orgs (
    profile_id TEXT NOT NULL REFERENCES child_profiles(id),
    org_id TEXT NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (profile_id, org_id)
);

-- A family: prospective adopters or foster carers registered with an organisation.
CREATE TABLE family_profiles (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    social_worker TEXT NOT NULL REFERENCES users(id),
    -- The adopter's or carer's own account, once they have one; NULL until then.
    account_user_id TEXT REFERENCES users(id),
    case_id TEXT REFERENCES cases(id),
    -- Name shown on the profile, such as "Sam and Alex".
    name TEXT NOT NULL,
    -- 'adoption' or 'fostering'.
    family_kind TEXT NOT NULL,
    -- Household make-up: adults, children already at home, and a description.
    adults BIGINT NOT NULL,
    children_at_home BIGINT NOT NULL,
    household TEXT NOT NULL,
    -- in_assessment, approved, on_hold.
    approval_status TEXT NOT NULL,
    approval_terms TEXT NOT NULL,
    -- Levels of need they can meet: none, low, medium or high.
    meet_health TEXT NOT NULL,
    meet_development TEXT NOT NULL,
    meet_education TEXT NOT NULL,
    meet_contact TEXT NOT NULL,
    -- Ages (years) and number of children they hope for.
    age_min BIGINT NOT NULL,
    age_max BIGINT NOT NULL,
    children_max BIGINT NOT NULL,
    region TEXT NOT NULL,
    description TEXT NOT NULL,
    visibility TEXT NOT NULL,
    status TEXT NOT NULL,
    photo BYTEA,
    photo_type TEXT,
    views BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX family_profiles_org ON family_profiles(org_id);
CREATE INDEX family_profiles_account ON family_profiles(account_user_id);

-- Organisations a 'named' family profile is shown to.
CREATE TABLE family_profile_orgs (
    profile_id TEXT NOT NULL REFERENCES family_profiles(id),
    org_id TEXT NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (profile_id, org_id)
);

-- Expressions of interest: a family's interest in a child profile, made by the family's
-- organisation. Both organisations see it; each side moves it only along its own steps.
CREATE TABLE links (
    id TEXT PRIMARY KEY,
    child_profile_id TEXT NOT NULL REFERENCES child_profiles(id),
    family_profile_id TEXT NOT NULL REFERENCES family_profiles(id),
    -- Owners at the time the link was made; a profile never changes organisation.
    child_org TEXT NOT NULL REFERENCES orgs(id),
    family_org TEXT NOT NULL REFERENCES orgs(id),
    -- sent, viewed, in_discussion, reports_exchanged, visit, matching_panel, matched, placed,
    -- declined, withdrawn, closed.
    status TEXT NOT NULL,
    -- Why the child's side declined; NULL otherwise.
    decline_reason TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX links_child ON links(child_profile_id);
CREATE INDEX links_family ON links(family_profile_id);
CREATE INDEX links_child_org ON links(child_org);
CREATE INDEX links_family_org ON links(family_org);

-- Messages between the practitioners of both sides of a link.
CREATE TABLE link_messages (
    id TEXT PRIMARY KEY,
    link_id TEXT NOT NULL REFERENCES links(id),
    author TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX link_messages_link ON link_messages(link_id);

-- In-app notifications, one row per person told.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    -- One line saying what happened; never sealed content.
    text TEXT NOT NULL,
    -- Page of the app it is about, a path such as /links/<id>.
    path TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);

-- E-mail waiting to go out, written in the same transaction as its notification. A sender
-- delivers it when SMTP is configured; without SMTP it waits here, visible to platform admins.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Set once the SMTP server accepted it.
    sent_at BIGINT,
    attempts BIGINT NOT NULL,
    -- Why the last attempt failed (the SMTP server's reply), for the platform admin.
    last_error TEXT,
    -- Earliest time of the next attempt.
    next_attempt_at BIGINT NOT NULL
);
CREATE INDEX outbox_pending ON outbox(sent_at, next_attempt_at);

-- Who added, edited or changed what and when, on profiles, cases, links and organisations.
-- Visible to the organisations named in org_id and other_org_id.
CREATE TABLE activity (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT REFERENCES users(id),
    -- The organisation that owns the subject.
    org_id TEXT NOT NULL REFERENCES orgs(id),
    -- For a link, the other side's organisation, which sees the entry too.
    other_org_id TEXT REFERENCES orgs(id),
    -- child, family, link, case or org.
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    -- What happened, in words shown to people, such as "changed status to visit".
    summary TEXT NOT NULL
);
CREATE INDEX activity_subject ON activity(subject_kind, subject_id);
CREATE INDEX activity_org ON activity(org_id);
