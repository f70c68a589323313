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
