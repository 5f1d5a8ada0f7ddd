-- 0003_auth: login throttling, shared by every hylla process of an installation.
-- A failed login adds one row per scope: the username (a SHA-256 of its lower-case form, never
-- the text, since people type passwords into the username field by mistake) and the client
-- address (a SHA-256 too; IPv6 by its /64). Enough failures within the window lock the key for a
-- while; locked keys are refused before any password is hashed. Rows older than the window are
-- pruned as new failures arrive.

CREATE TABLE login_failures (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope text NOT NULL CHECK (scope IN ('username', 'address')),
    key   bytea NOT NULL CHECK (length(key) = 32),
    at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key ON login_failures (scope, key, at);
CREATE INDEX login_failures_at ON login_failures (at);

CREATE TABLE login_lockouts (
    scope        text NOT NULL CHECK (scope IN ('username', 'address')),
    key          bytea NOT NULL CHECK (length(key) = 32),
    locked_until timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Staff listings are read by branch.
CREATE INDEX staff_branch ON staff (branch_id);
