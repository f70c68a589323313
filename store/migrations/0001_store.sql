-- 0001_store.sql - the first schema of the claims store (docs/STORE.md).
-- Applied by `claims db init` in one transaction and recorded in
-- claims.schema_migrations. Never edit a released migration: add the next one.
-- Privileges are granted by `claims db init` after the migrations, because the
-- role names are its parameters.

-- ---------------------------------------------------------------- cases
-- One row per bankruptcy case. conf is the text of case.conf (never the
-- creditor key: case.key stays a file on the engine's host).
CREATE TABLE claims.cases (
    case_id      text PRIMARY KEY CHECK (case_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    conf         text,
    conf_sha256  text CHECK (conf_sha256 ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    retain_runs  integer NOT NULL DEFAULT 30 CHECK (retain_runs > 0),  -- published runs kept
    closed_at    timestamptz,
    purged_at    timestamptz
);

-- ------------------------------------------------------- raw inputs
-- A load batch: one input file as loaded, identified by the SHA-256 of its
-- bytes, so that loading the same bytes again is detected.
CREATE TABLE claims.load_batches (
    batch_id     bigserial PRIMARY KEY,
    case_id      text NOT NULL REFERENCES claims.cases ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('submissions', 'ledger', 'overrides', 'ballots')),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    label        text NOT NULL,
    encoding     text NOT NULL,
    bytes        bigint NOT NULL CHECK (bytes >= 0),
    rows         bigint NOT NULL CHECK (rows >= 0),
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    loaded_by    text NOT NULL DEFAULT current_user,
    UNIQUE (case_id, kind, sha256)
);

-- The batch of each kind a run reads: the last one loaded (or re-loaded).
CREATE TABLE claims.case_inputs (
    case_id      text NOT NULL REFERENCES claims.cases ON DELETE CASCADE,
    kind         text NOT NULL,
    batch_id     bigint NOT NULL REFERENCES claims.load_batches ON DELETE CASCADE,
    selected_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, kind)
);

-- Raw rows: every column of the contract's format as the text the file held,
-- under its English name; `line` is the physical line where the record
-- starts in its file, so reads ORDER BY line see the file's order.
-- No foreign key to load_batches: a per-row RI check makes COPY about three
-- times slower; rows are written and deleted only with their batch, by claims.
CREATE TABLE claims.raw_submissions (
    case_id text NOT NULL, batch_id bigint NOT NULL,
    line bigint NOT NULL,
    submission_id text, submitted_at text, creditor_kind text, name text,
    id_type text, id_number text, phone text, account_ref text, category text,
    principal text, interest text, other_amount text, secured text,
    bank_name text, bank_account text, amends text, evidence_count text, note text,
    PRIMARY KEY (batch_id, line)
);

CREATE TABLE claims.raw_ledger (
    case_id text NOT NULL, batch_id bigint NOT NULL,
    line bigint NOT NULL,
    entry_id text, account_ref text, category text, amount text, booked_at text,
    name text, id_type text, id_number text, phone text,
    PRIMARY KEY (batch_id, line)
);

CREATE TABLE claims.raw_overrides (
    case_id text NOT NULL, batch_id bigint NOT NULL,
    line bigint NOT NULL,
    submission_id text, decision text, amount text, reviewer text, decided_at text, note text,
    PRIMARY KEY (batch_id, line)
);

CREATE TABLE claims.raw_ballots (
    case_id text NOT NULL, batch_id bigint NOT NULL,
    line bigint NOT NULL,
    ballot_id text, meeting_id text, resolution_id text, creditor_id text,
    "group" text, choice text, cast_at text, channel text,
    PRIMARY KEY (batch_id, line)
);

-- ------------------------------------- what the platform inserts (API role)
-- Reviewers' decisions in the overrides format (contract §2); applied by the
-- next run after the loaded overrides file, in seq order.
CREATE TABLE claims.review_decisions (
    seq           bigserial PRIMARY KEY,
    case_id       text NOT NULL REFERENCES claims.cases ON DELETE CASCADE,
    submission_id text NOT NULL,
    decision      text NOT NULL,
    amount        text NOT NULL,
    reviewer      text NOT NULL,
    decided_at    text NOT NULL,
    note          text,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    recorded_by   text NOT NULL DEFAULT current_user
);
CREATE INDEX ON claims.review_decisions (case_id, seq);

-- Ballots cast online (contract §2 ballots format). Once cast, a ballot is
-- never changed: neither role may UPDATE or DELETE it.
CREATE TABLE claims.ballots (
    seq           bigserial PRIMARY KEY,
    case_id       text NOT NULL REFERENCES claims.cases ON DELETE CASCADE,
    ballot_id     text NOT NULL,
    meeting_id    text NOT NULL,
    resolution_id text NOT NULL,
    creditor_id   text NOT NULL,
    "group"       text,
    choice        text NOT NULL,
    cast_at       text NOT NULL,
    channel       text,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    recorded_by   text NOT NULL DEFAULT current_user,
    UNIQUE (case_id, ballot_id)
);

-- ------------------------------------------------------------- runs
-- A published run. A run row and its output rows become visible in the one
-- transaction that also moves claims.current_run.
CREATE TABLE claims.runs (
    run_id          bigserial PRIMARY KEY,
    case_id         text NOT NULL REFERENCES claims.cases ON DELETE CASCADE,
    previous_run_id bigint REFERENCES claims.runs ON DELETE SET NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    engine_version  text NOT NULL,
    threads         integer,
    inputs          jsonb NOT NULL DEFAULT '[]',  -- [{kind, batch_id, sha256, rows}]
    rules_sha256    text,
    case_sha256     text,
    counts          jsonb NOT NULL DEFAULT '{}',  -- claims by status
    timings         jsonb NOT NULL DEFAULT '{}',  -- stage -> seconds
    manifest        jsonb,                        -- manifest.json of the run
    report_xlsx     bytea,
    claims_xlsx     bytea
);
CREATE INDEX ON claims.runs (case_id, run_id);

CREATE TABLE claims.current_run (
    case_id     text PRIMARY KEY REFERENCES claims.cases ON DELETE CASCADE,
    run_id      bigint NOT NULL REFERENCES claims.runs,
    switched_at timestamptz NOT NULL DEFAULT now()
);

-- Run-scoped outputs: the columns of the run's CSV files (contract §10).
-- No foreign key to runs (COPY speed, as for raw rows): the publish step
-- writes them with their run and the pruning deletes them with it.
-- Amounts in yuan, exact (numeric with two decimals); `ord` keeps file order.
CREATE TABLE claims.run_claims (
    run_id bigint NOT NULL, ord bigint NOT NULL,
    submission_id text, source text, creditor_id text, id_type text, id_number text,
    category text, account_ref text, matched_account text, status text, codes text,
    declared_total numeric(20,2), confirmed_principal numeric(20,2),
    confirmed_interest numeric(20,2), confirmed_other numeric(20,2),
    confirmed_total numeric(20,2), voting_amount numeric(20,2),
    superseded_by text, late text,
    PRIMARY KEY (run_id, ord)
);
CREATE INDEX ON claims.run_claims (run_id, submission_id);

CREATE TABLE claims.run_creditors (
    run_id bigint NOT NULL, ord bigint NOT NULL,
    creditor_id text, id_type text, id_number text, name text, kind text,
    declared_total numeric(20,2), confirmed_total numeric(20,2), pending_total numeric(20,2),
    employee numeric(20,2), tax numeric(20,2), ordinary numeric(20,2), secured numeric(20,2),
    PRIMARY KEY (run_id, ord)
);

CREATE TABLE claims.run_roster (
    run_id bigint NOT NULL, ord bigint NOT NULL,
    creditor_id text, name text, ordinary numeric(20,2), secured numeric(20,2),
    employee numeric(20,2), tax numeric(20,2), temporary numeric(20,2),
    unsecured_voting numeric(20,2), secured_voting numeric(20,2),
    voting_amount numeric(20,2), groups text,
    PRIMARY KEY (run_id, ord)
);

CREATE TABLE claims.run_review_queue (
    run_id bigint NOT NULL, ord bigint NOT NULL,
    submission_id text, status text, codes text,
    PRIMARY KEY (run_id, ord)
);

CREATE TABLE claims.run_overrides_rejected (
    run_id bigint NOT NULL, ord bigint NOT NULL,
    submission_id text, decision text, reason text,
    PRIMARY KEY (run_id, ord)
);

CREATE TABLE claims.run_rejected_rows (
    run_id bigint NOT NULL, ord bigint NOT NULL,
    file text, line bigint, "column" text, reason text, raw text,
    PRIMARY KEY (run_id, ord)
);

-- What changed against the previous run, per claim (same content as the
-- file run's changes.csv): change is new | gone | status | amount.
CREATE TABLE claims.run_changes (
    run_id bigint NOT NULL, ord bigint NOT NULL,
    submission_id text NOT NULL, change text NOT NULL,
    status_from text, status_to text,
    confirmed_from numeric(20,2), confirmed_to numeric(20,2),
    PRIMARY KEY (run_id, ord)
);

-- ------------------------------------------ court-confirmed lists, objections
-- 裁定确认: the court confirmed run_id's list; its claims are frozen.
CREATE TABLE claims.confirmations (
    confirmation_id bigserial PRIMARY KEY,
    case_id      text NOT NULL REFERENCES claims.cases ON DELETE CASCADE,
    run_id       bigint NOT NULL REFERENCES claims.runs,
    ruling       text NOT NULL,
    confirmed_at timestamptz NOT NULL DEFAULT now(),
    recorded_by  text NOT NULL DEFAULT current_user
);

CREATE TABLE claims.frozen_claims (
    confirmation_id bigint NOT NULL REFERENCES claims.confirmations ON DELETE CASCADE,
    case_id         text NOT NULL,
    submission_id   text NOT NULL,
    status          text NOT NULL,
    confirmed_total numeric(20,2) NOT NULL,
    voting_amount   numeric(20,2),
    PRIMARY KEY (case_id, submission_id)
);

-- A later run that would change a frozen claim lists the change here and keeps
-- the frozen values current until an administrator decides (who, when, why).
CREATE TABLE claims.frozen_changes (
    run_id          bigint NOT NULL REFERENCES claims.runs ON DELETE CASCADE,
    case_id         text NOT NULL,
    submission_id   text NOT NULL,
    status_frozen   text, status_new text,
    confirmed_frozen numeric(20,2), confirmed_new numeric(20,2),
    decision        text CHECK (decision IN ('accept', 'keep_frozen')),
    decided_by      text, decided_at timestamptz, reason text,
    PRIMARY KEY (run_id, submission_id)
);

-- 异议 (Art. 58): a creditor's objection to a listed claim, and its outcome.
CREATE TABLE claims.objections (
    objection_id  bigserial PRIMARY KEY,
    case_id       text NOT NULL REFERENCES claims.cases ON DELETE CASCADE,
    submission_id text NOT NULL,
    objector_id   text NOT NULL,         -- the objecting creditor's creditor_id
    grounds       text NOT NULL,
    filed_at      timestamptz NOT NULL DEFAULT now(),
    outcome       text CHECK (outcome IN ('upheld', 'dismissed', 'withdrawn', 'lawsuit')),
    outcome_note  text,
    decided_at    timestamptz,
    decided_by    text
);
CREATE INDEX ON claims.objections (case_id, submission_id);
