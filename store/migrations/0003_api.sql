-- 0003_api.sql - the HTTP API's own tables (docs/API.md): bearer tokens
-- (only a SHA-256 of each token is stored) and the access audit of personal
-- data read through the API. Grants are applied by `claims db init`.

-- A bearer token of the API. `claims token create` (an administrator) or the
-- platform's service token over POST /v1/tokens inserts it; only the token's
-- SHA-256 is kept, so a copy of this table opens nothing.
CREATE TABLE claims.api_tokens (
    token_id     bigserial PRIMARY KEY,
    case_id      text NOT NULL REFERENCES claims.cases ON DELETE CASCADE,
    sha256       bytea NOT NULL UNIQUE CHECK (octet_length(sha256) = 32),
    role         text NOT NULL CHECK (role IN ('creditor', 'reviewer', 'judge',
                                               'administrator', 'platform')),
    creditor_id  text,                      -- creditor tokens: the verified identity
    submissions  text[] NOT NULL DEFAULT '{}',  -- creditor tokens: ids that person filed
    label        text,                      -- who holds it (a reviewer's name), shown in list
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL DEFAULT current_user,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    CHECK (role <> 'creditor' OR creditor_id IS NOT NULL OR cardinality(submissions) > 0)
);
CREATE INDEX ON claims.api_tokens (case_id, token_id);

-- Every read of personal data by a judge, reviewer or administrator through
-- the API: who (token), when, which route, which creditor (NULL: a list).
CREATE TABLE claims.api_access_audit (
    seq          bigserial PRIMARY KEY,
    case_id      text NOT NULL,
    token_id     bigint NOT NULL,
    role         text NOT NULL,
    route        text NOT NULL,
    creditor_id  text,
    request_id   text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON claims.api_access_audit (case_id, at);

-- The reasons of a claim in plain Chinese (cl_claim_reasons, CL_LANG_ZH),
-- written by the publish step beside its codes, so that a creditor told
-- 需补正 over the API reads the engine's own words (NULL: not published).
ALTER TABLE claims.run_claims ADD COLUMN reasons_zh text;
