-- 0004: the review queue's columns since version 2: the reviewer's form
-- (decision, amount, reviewer, decided_at, note: empty in a published run,
-- filled by a reviewer who reads the queue back as overrides) and the
-- probable-duplicate cluster a row belongs to.
ALTER TABLE claims.run_review_queue
    ADD COLUMN decision text, ADD COLUMN amount text, ADD COLUMN reviewer text,
    ADD COLUMN decided_at text, ADD COLUMN note text, ADD COLUMN cluster text;
