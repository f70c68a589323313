-- 0002_publish.sql - what `claims run --db` publishes (docs/STORE.md): the
-- run tables get every column of their CSV file (contract §10), so that a
-- published run holds exactly what a file run writes, and the case records
-- where its case.conf was loaded from on the engine's host (the default
-- place of its key: the key itself never enters the database).
-- Columns are only added (never renamed or dropped): readers of version 1
-- keep working.

ALTER TABLE claims.cases ADD COLUMN conf_path text;   -- case.conf as loaded (absolute path)

ALTER TABLE claims.run_claims
    ADD COLUMN name text, ADD COLUMN submitted_at text, ADD COLUMN line bigint;

ALTER TABLE claims.run_creditors ADD COLUMN temporary numeric(20,2);

ALTER TABLE claims.run_roster
    ADD COLUMN group_secured numeric(20,2), ADD COLUMN group_employee numeric(20,2),
    ADD COLUMN group_tax numeric(20,2), ADD COLUMN group_ordinary numeric(20,2),
    ADD COLUMN group_small_ordinary numeric(20,2);

ALTER TABLE claims.run_review_queue
    ADD COLUMN reasons text, ADD COLUMN reasons_en text, ADD COLUMN name text,
    ADD COLUMN id_type text, ADD COLUMN id_number text, ADD COLUMN phone text,
    ADD COLUMN category text, ADD COLUMN secured text,
    ADD COLUMN declared_total numeric(20,2), ADD COLUMN temporary_amount numeric(20,2),
    ADD COLUMN evidence_count bigint, ADD COLUMN account_ref text,
    ADD COLUMN matched_account text, ADD COLUMN book_owed numeric(20,2),
    ADD COLUMN book_name text, ADD COLUMN book_id_number text,
    ADD COLUMN competing_claims text, ADD COLUMN submitted_at text, ADD COLUMN line bigint;

ALTER TABLE claims.run_overrides_rejected
    ADD COLUMN reason_zh text, ADD COLUMN reason_en text, ADD COLUMN related_submission text,
    ADD COLUMN amount numeric(20,2), ADD COLUMN reviewer text, ADD COLUMN decided_at text,
    ADD COLUMN line bigint;

-- ------------------------------------------------------------ tallies
-- `claims tally --db`: a meeting's tally over the current run's roster,
-- published in one transaction like a run. run_id names the roster's run
-- (no foreign key: pruning a run does not unpublish a tally taken on it).
CREATE TABLE claims.tallies (
    tally_id       bigserial PRIMARY KEY,
    case_id        text NOT NULL REFERENCES claims.cases ON DELETE CASCADE,
    meeting_id     text NOT NULL,
    run_id         bigint NOT NULL,
    meeting_conf   text NOT NULL,                 -- meeting.conf as used
    published_at   timestamptz NOT NULL DEFAULT now(),
    published_by   text NOT NULL DEFAULT current_user,
    engine_version text NOT NULL,
    counts         jsonb NOT NULL DEFAULT '{}',   -- ballots, counted, rejected by reason
    tally_xlsx     bytea
);
CREATE INDEX ON claims.tallies (case_id, meeting_id, tally_id);

CREATE TABLE claims.current_tally (
    case_id     text NOT NULL REFERENCES claims.cases ON DELETE CASCADE,
    meeting_id  text NOT NULL,
    tally_id    bigint NOT NULL REFERENCES claims.tallies,
    switched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, meeting_id)
);

-- tally.csv and ballots_rejected.csv of the tally (contract §6).
CREATE TABLE claims.tally_results (
    tally_id bigint NOT NULL, ord bigint NOT NULL,
    resolution_id text, type text, "group" text, present bigint, "for" bigint,
    against bigint, abstain bigint, for_amount numeric(20,2), base_amount numeric(20,2),
    headcount_pass smallint, amount_pass smallint, passed smallint, members bigint,
    against_amount numeric(20,2), abstain_amount numeric(20,2), headcount_test text,
    amount_test text, groups bigint, groups_passed bigint,
    PRIMARY KEY (tally_id, ord)
);

CREATE TABLE claims.tally_ballots_rejected (
    tally_id bigint NOT NULL, ord bigint NOT NULL,
    ballot_id text, reason text, line bigint, creditor_id text, resolution_id text,
    "group" text, choice text, cast_at text, channel text,
    PRIMARY KEY (tally_id, ord)
);
