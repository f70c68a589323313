-- core.sql - the core of the nightly batch (`claims run`, DOMAIN.md §2-§5)
-- as plain SQL on PostgreSQL 15, for the engine-vs-PostgreSQL benchmark.
-- Faithful but simplified: see bench/pg/README.md for what is left out.
-- psql variables (set by run_pg_bench.sh): subs, ledger, outdir,
-- acceptance (YYYY-MM-DD), deadline (YYYY-MM-DD), ckey (creditor key).
\set ON_ERROR_STOP on
SET client_min_messages = warning;

DROP TABLE IF EXISTS sub_raw, led_raw, acc_cat, acc, phone_idx, id_idx,
                     sub, claims, creditors;

-- ---------------------------------------------------------------- helpers
-- Fold full-width ASCII (U+FF01-U+FF5E) and U+3000 to ASCII, then trim
-- (pure-ASCII values, the vast majority, skip the translate()).
CREATE OR REPLACE FUNCTION cl_fw(text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT btrim(CASE WHEN octet_length($1) = char_length($1) THEN $1 ELSE translate($1,
 $a$！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　$a$,
 $b$!"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ $b$) END,
 E' \t\r\n')
$f$;

CREATE OR REPLACE FUNCTION cl_cat(text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT CASE lower(cl_fw($1))
  WHEN 'deposit' THEN 'deposit'   WHEN '押金' THEN 'deposit'
  WHEN 'balance' THEN 'balance'   WHEN '余额' THEN 'balance'
  WHEN 'supplier' THEN 'supplier' WHEN '货款' THEN 'supplier'
  WHEN 'employee' THEN 'employee' WHEN '职工债权' THEN 'employee'
  WHEN 'tax' THEN 'tax'           WHEN '税款' THEN 'tax'
  WHEN 'other' THEN 'other'       WHEN '其他' THEN 'other' END
$f$;

CREATE OR REPLACE FUNCTION cl_idtype(text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT CASE upper(cl_fw($1))
  WHEN 'PRC_ID' THEN 'PRC_ID'           WHEN '居民身份证' THEN 'PRC_ID'
  WHEN 'PASSPORT' THEN 'PASSPORT'       WHEN '护照' THEN 'PASSPORT'
  WHEN 'HKMO_PERMIT' THEN 'HKMO_PERMIT' WHEN '港澳居民来往内地通行证' THEN 'HKMO_PERMIT'
  WHEN 'TW_PERMIT' THEN 'TW_PERMIT'     WHEN '台湾居民来往大陆通行证' THEN 'TW_PERMIT'
  WHEN 'USCC' THEN 'USCC'               WHEN '统一社会信用代码' THEN 'USCC' END
$f$;

CREATE OR REPLACE FUNCTION cl_kind(text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT CASE lower(cl_fw($1))
  WHEN 'individual' THEN 'individual'     WHEN '个人' THEN 'individual'
  WHEN 'organization' THEN 'organization' WHEN '单位' THEN 'organization' END
$f$;

-- ISO 7064 MOD 11-2 check character of a 17-digit PRC_ID body.
CREATE OR REPLACE FUNCTION cl_prc_check(text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT substr('10X98765432', (
    substr($1,1,1)::int*7  + substr($1,2,1)::int*9  + substr($1,3,1)::int*10
  + substr($1,4,1)::int*5  + substr($1,5,1)::int*8  + substr($1,6,1)::int*4
  + substr($1,7,1)::int*2  + substr($1,8,1)::int*1  + substr($1,9,1)::int*6
  + substr($1,10,1)::int*3 + substr($1,11,1)::int*7 + substr($1,12,1)::int*9
  + substr($1,13,1)::int*10 + substr($1,14,1)::int*5 + substr($1,15,1)::int*8
  + substr($1,16,1)::int*4 + substr($1,17,1)::int*2) % 11 + 1, 1)
$f$;

-- GB 32100-2015 check character of a USCC (first 17 characters used).
CREATE OR REPLACE FUNCTION cl_uscc_check(text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT substr('0123456789ABCDEFGHJKLMNPQRTUWXY', (31 - (
    (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,1,1)) - 1) * 1
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,2,1)) - 1) * 3
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,3,1)) - 1) * 9
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,4,1)) - 1) * 27
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,5,1)) - 1) * 19
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,6,1)) - 1) * 26
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,7,1)) - 1) * 16
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,8,1)) - 1) * 17
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,9,1)) - 1) * 20
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,10,1)) - 1) * 29
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,11,1)) - 1) * 25
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,12,1)) - 1) * 13
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,13,1)) - 1) * 8
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,14,1)) - 1) * 24
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,15,1)) - 1) * 10
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,16,1)) - 1) * 30
  + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr($1,17,1)) - 1) * 28) % 31) % 31 + 1, 1)
$f$;

CREATE OR REPLACE FUNCTION cl_valid_date(y int, m int, d int) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT y >= 1 AND m BETWEEN 1 AND 12 AND d >= 1 AND d <= CASE
  WHEN m IN (4, 6, 9, 11) THEN 30
  WHEN m = 2 THEN CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0
                       THEN 29 ELSE 28 END
  ELSE 31 END
$f$;

-- id_number with spaces removed, upper-cased, a legacy 15-digit PRC_ID
-- upgraded to 18 (input: the cleaned string).
CREATE OR REPLACE FUNCTION cl_id_up(t text, s text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT CASE WHEN t = 'PRC_ID' AND s ~ '^[0-9]{15}$'
            THEN substr(s,1,6) || '19' || substr(s,7)
                 || cl_prc_check(substr(s,1,6) || '19' || substr(s,7))
            ELSE s END
$f$;

-- Validity of a normalized id_number of type t (acc: acceptance date).
CREATE OR REPLACE FUNCTION cl_id_ok(t text, s text, acc text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT CASE t
  WHEN 'PRC_ID' THEN CASE WHEN s !~ '^[0-9]{17}[0-9X]$' THEN false
       ELSE substr(s,18,1) = cl_prc_check(substr(s,1,17))
            AND cl_valid_date(substr(s,7,4)::int, substr(s,11,2)::int, substr(s,13,2)::int)
            AND substr(s,7,8) <= acc END
  WHEN 'USCC' THEN CASE WHEN s !~ '^[0-9A-HJ-NPQRTUWXY]{18}$' THEN false
       ELSE substr(s,18,1) = cl_uscc_check(s) END
  ELSE t IS NOT NULL AND s ~ '^[A-Z0-9]+$' END
$f$;

CREATE OR REPLACE FUNCTION cl_phone(text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT regexp_replace(regexp_replace(cl_fw($1), '[[:space:]()-]', '', 'g'),
                      '^(\+86|0086|86(?=[0-9]{11}$))', '')
$f$;

-- Amount text -> fen; NULL if malformed (sign allowed only if signed);
-- magnitudes are clipped at 10^14 yuan so that the bigint cast cannot fail.
CREATE OR REPLACE FUNCTION cl_fen(text, signed boolean) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT CASE WHEN cl_fw($1) ~ CASE WHEN signed
  THEN '^(?:¥|￥|RMB)?[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?元?$'
  ELSE '^(?:¥|￥|RMB)?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?元?$' END
THEN (greatest(-100000000000000, least(100000000000000,
       replace(rtrim(ltrim(cl_fw($1), '¥￥RMB'), '元'), ',', '')::numeric)) * 100)::bigint
END
$f$;

-- creditor_id: keyed digest of the identity (not the engine's keyed hash).
CREATE OR REPLACE FUNCTION cl_cid(k text, t text, n text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT CASE WHEN t IS NOT NULL THEN substr(encode(sha256(convert_to(
  k || '|' || t || '|' || coalesce(n, ''), 'UTF8')), 'hex'), 1, 16) END
$f$;

CREATE OR REPLACE FUNCTION cl_yuan(numeric) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT to_char($1 / 100.0, 'FM999999999999990.00')
$f$;

-- ------------------------------------------------------------ §2 inputs
CREATE UNLOGGED TABLE sub_raw (
  ln bigint GENERATED ALWAYS AS IDENTITY (CACHE 10000),
  submission_id text, submitted_at text, creditor_kind text, name text,
  id_type text, id_number text, phone text, account_ref text, category text,
  principal text, interest text, other_amount text, secured text,
  bank_name text, bank_account text, amends text, evidence_count text,
  note text, source_channel text);
CREATE UNLOGGED TABLE led_raw (
  ln bigint GENERATED ALWAYS AS IDENTITY (CACHE 10000),
  entry_id text, account_ref text, category text, amount text,
  booked_at text, name text, id_type text, id_number text, phone text);

COPY sub_raw (submission_id, submitted_at, creditor_kind, name, id_type,
  id_number, phone, account_ref, category, principal, interest, other_amount,
  secured, bank_name, bank_account, amends, evidence_count, note,
  source_channel) FROM :'subs' WITH (FORMAT csv, HEADER true);
COPY led_raw (entry_id, account_ref, category, amount, booked_at, name,
  id_type, id_number, phone) FROM :'ledger' WITH (FORMAT csv, HEADER true);

-- ------------------------------------- ledger: per (account, category)
-- Sums and, per holder field, the first non-empty value with its line.
CREATE UNLOGGED TABLE acc_cat AS
SELECT account_ref, category,
       count(*) FILTER (WHERE bad) AS bad_rows,
       (sum(fen) FILTER (WHERE NOT bad))::bigint AS owed_sum,
       (array_agg(name ORDER BY ln) FILTER (WHERE name <> ''))[1] AS name,
       min(ln) FILTER (WHERE name <> '') AS name_ln,
       (array_agg(id_type ORDER BY ln) FILTER (WHERE id_type <> ''))[1] AS id_type,
       min(ln) FILTER (WHERE id_type <> '') AS id_type_ln,
       (array_agg(id_number ORDER BY ln) FILTER (WHERE id_number <> ''))[1] AS id_number,
       min(ln) FILTER (WHERE id_number <> '') AS id_number_ln,
       (array_agg(phone ORDER BY ln) FILTER (WHERE phone <> ''))[1] AS phone,
       min(ln) FILTER (WHERE phone <> '') AS phone_ln
FROM (SELECT ln, btrim(account_ref) AS account_ref, c AS category, f AS fen,
             (c IS NULL OR f IS NULL OR btrim(account_ref) = ''
              OR cl_fw(booked_at) !~ '^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?') AS bad,
             coalesce(cl_fw(name), '') AS name, coalesce(cl_fw(id_type), '') AS id_type,
             coalesce(cl_fw(id_number), '') AS id_number, coalesce(cl_fw(phone), '') AS phone
      FROM led_raw, LATERAL (SELECT cl_cat(category) AS c, cl_fen(amount, true) AS f OFFSET 0) x) l
GROUP BY account_ref, category;

-- One holder per account: the first non-empty value of each field.
CREATE UNLOGGED TABLE acc AS
SELECT account_ref, t AS id_type, cl_id_up(t, n) AS id_number, p AS phone,
       p ~ '^1[3-9][0-9]{9}$' AS phone_ok, nm AS name
FROM (SELECT account_ref,
        cl_idtype((array_agg(id_type ORDER BY id_type_ln) FILTER (WHERE id_type IS NOT NULL))[1]) AS t,
        upper(replace((array_agg(id_number ORDER BY id_number_ln) FILTER (WHERE id_number IS NOT NULL))[1], ' ', '')) AS n,
        cl_phone((array_agg(phone ORDER BY phone_ln) FILTER (WHERE phone IS NOT NULL))[1]) AS p,
        (array_agg(name ORDER BY name_ln) FILTER (WHERE name IS NOT NULL))[1] AS nm
      FROM acc_cat WHERE category IS NOT NULL AND owed_sum IS NOT NULL
      GROUP BY account_ref) a;
ALTER TABLE acc ADD PRIMARY KEY (account_ref);
DELETE FROM acc_cat WHERE category IS NULL OR owed_sum IS NULL;
ALTER TABLE acc_cat ADD PRIMARY KEY (account_ref, category);

-- Unique-candidate lookups for §4 step 4 (phone, identity) per category.
CREATE UNLOGGED TABLE phone_idx AS
SELECT c.category, a.phone, count(*) AS n, min(a.account_ref) AS account_ref
FROM acc_cat c JOIN acc a USING (account_ref)
WHERE a.phone_ok AND c.category IN ('deposit', 'balance')
GROUP BY 1, 2;
CREATE UNLOGGED TABLE id_idx AS
SELECT c.category, a.id_type, a.id_number, count(*) AS n,
       min(a.account_ref) AS account_ref
FROM acc_cat c JOIN acc a USING (account_ref)
WHERE a.id_type IS NOT NULL AND a.id_number <> ''
GROUP BY 1, 2, 3;

ANALYZE acc_cat, acc, phone_idx, id_idx;

-- ---------------------------------------- §3 normalize, §4 steps 1-2
CREATE UNLOGGED TABLE sub AS
SELECT r.ln, btrim(r.submission_id) AS submission_id, ts, k AS kind,
       CASE WHEN nm ~ '[一-鿿]' THEN regexp_replace(nm, '[[:space:]]+', '', 'g')
            ELSE regexp_replace(nm, '[[:space:]]+', ' ', 'g') END AS name,
       t AS id_type, idn AS id_number, ph AS phone,
       ph ~ '^1[3-9][0-9]{9}$' AS phone_ok,
       coalesce(btrim(r.account_ref), '') AS account_ref, c AS category,
       coalesce(p, 0) AS principal, coalesce(i, 0) AS interest,
       coalesce(o, 0) AS other,
       upper(sec) IN ('Y', '是') AS secured,
       CASE WHEN ev ~ '^[0-9]{1,9}$' THEN ev::bigint > 0 ELSE false END AS has_evidence,
       coalesce(btrim(r.amends), '') AS amends,
       row_number() OVER (PARTITION BY btrim(r.submission_id) ORDER BY r.ln) > 1 AS dup,
       array_remove(ARRAY[
         CASE WHEN nm = '' THEN 'NAME_MISSING' END,
         CASE WHEN t IS NULL OR NOT cl_id_ok(t, idn, replace(:'acceptance', '-', ''))
              THEN 'ID_INVALID' END,
         CASE WHEN k IS NULL
                OR (t IN ('PRC_ID', 'PASSPORT', 'HKMO_PERMIT', 'TW_PERMIT') AND k <> 'individual')
                OR (t = 'USCC' AND k <> 'organization') THEN 'ID_TYPE_MISMATCH' END,
         CASE WHEN p IS NULL OR p <= 0 OR p > 10000000000000
                OR (i IS NULL AND cl_fw(r.interest) <> '') OR i > 10000000000000
                OR (o IS NULL AND cl_fw(r.other_amount) <> '') OR o > 10000000000000
              THEN 'AMOUNT_INVALID' END,
         CASE WHEN c IS NULL THEN 'CATEGORY_INVALID' END,
         CASE WHEN ts IS NULL THEN 'TIME_INVALID' END,
         CASE WHEN upper(sec) NOT IN ('', 'Y', 'N', '是', '否')
                OR ev !~ '^[0-9]*$' THEN 'FIELD_INVALID' END], NULL) AS codes,
       NULL::text AS status, NULL::text AS superseded_by,
       NULL::text AS matched
FROM sub_raw r
CROSS JOIN LATERAL (SELECT cl_kind(r.creditor_kind) AS k, cl_idtype(r.id_type) AS t,
        coalesce(cl_fw(r.name), '') AS nm, coalesce(cl_phone(r.phone), '') AS ph,
        cl_cat(r.category) AS c, cl_fen(r.principal, false) AS p,
        CASE WHEN coalesce(cl_fw(r.interest), '') = '' THEN 0 ELSE cl_fen(r.interest, false) END AS i,
        CASE WHEN coalesce(cl_fw(r.other_amount), '') = '' THEN 0 ELSE cl_fen(r.other_amount, false) END AS o,
        coalesce(cl_fw(r.secured), '') AS sec, coalesce(cl_fw(r.evidence_count), '') AS ev,
        regexp_match(coalesce(cl_fw(r.submitted_at), ''),
          '^([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(Z|[+-][0-9]{2}:[0-9]{2})?)?$') AS tm
        OFFSET 0) x  -- OFFSET 0: evaluate once per row, not once per reference
CROSS JOIN LATERAL (SELECT cl_id_up(t, upper(replace(coalesce(cl_fw(r.id_number), ''), ' ', ''))) AS idn,
        CASE WHEN tm IS NOT NULL
              AND cl_valid_date(tm[1]::int, tm[2]::int, tm[3]::int)
              AND coalesce(tm[4]::int, 0) < 24 AND coalesce(tm[5]::int, 0) < 60
              AND coalesce(tm[6]::int, 0) < 60
          THEN make_timestamp(tm[1]::int, tm[2]::int, tm[3]::int, coalesce(tm[4]::int, 0),
                              coalesce(tm[5]::int, 0), coalesce(tm[6]::int, 0))
               - CASE WHEN tm[7] IS NULL THEN interval '0'
                      ELSE replace(tm[7], 'Z', '+00:00')::interval - interval '8 hours' END
        END AS ts OFFSET 0) y;

ANALYZE sub;
UPDATE sub SET status = 'DUPLICATE', codes = codes || 'DUPLICATE_ROW'::text WHERE dup;
UPDATE sub SET status = 'NEEDS_CORRECTION'
WHERE status IS NULL AND cardinality(codes) > 0;

-- ------------------------------------------------------ step 3 amendments
UPDATE sub t SET status = 'SUPERSEDED', superseded_by = a.by_id
FROM (SELECT DISTINCT ON (tg.ln) tg.ln, am.submission_id AS by_id
      FROM sub am JOIN sub tg ON tg.submission_id = am.amends
                             AND NOT tg.dup AND tg.ln < am.ln
      WHERE am.status IS NULL AND am.amends <> ''
        AND (tg.status = 'NEEDS_CORRECTION'
             OR (tg.id_type = am.id_type AND tg.id_number = am.id_number))
      ORDER BY tg.ln, am.ln DESC) a
WHERE t.ln = a.ln;

-- --------------------------------------------------- step 4 book matching
UPDATE sub s SET matched = m.acc, codes = s.codes || m.code
FROM (SELECT s2.ln,
        CASE WHEN a.account_ref IS NOT NULL THEN a.account_ref
             WHEN p.n = 1 THEN p.account_ref
             WHEN i.n = 1 THEN i.account_ref END AS acc,
        CASE WHEN a.account_ref IS NOT NULL THEN '{}'::text[]
             WHEN p.n = 1 THEN '{MATCHED_BY_PHONE}'
             WHEN i.n = 1 THEN '{MATCHED_BY_ID}' ELSE '{}' END AS code
      FROM sub s2
      LEFT JOIN acc a ON a.account_ref = s2.account_ref
      LEFT JOIN phone_idx p ON s2.phone_ok AND p.category = s2.category
                           AND p.phone = s2.phone
      LEFT JOIN id_idx i ON i.category = s2.category AND i.id_type = s2.id_type
                        AND i.id_number = s2.id_number
      WHERE s2.status IS NULL
        AND s2.category IN ('deposit', 'balance', 'supplier', 'employee')) m
WHERE s.ln = m.ln AND m.acc IS NOT NULL;

-- ----------------------------------------------------- step 5 supersession
UPDATE sub s SET status = 'SUPERSEDED', superseded_by = g.op
FROM (SELECT ln, row_number() OVER w AS rn, first_value(submission_id) OVER w AS op
      FROM sub WHERE status IS NULL
      WINDOW w AS (PARTITION BY id_type, id_number, category, coalesce(matched, account_ref)
                   ORDER BY ts DESC, submission_id DESC)) g
WHERE s.ln = g.ln AND g.rn > 1;

ANALYZE sub;

-- ----------------------------------------- steps 6, 7, 9 on operative claims
CREATE UNLOGGED TABLE claims AS
WITH op AS (
  SELECT s.*, a.id_number AS acc_idn, a.id_type AS acc_idt,
         (s.matched IS NOT NULL AND coalesce(a.id_number, '') <> ''
          AND (a.id_type, a.id_number) IS DISTINCT FROM (s.id_type, s.id_number)) AS id_mismatch,
         greatest(0, coalesce(ac.owed_sum, 0)) AS owed
  FROM sub s
  LEFT JOIN acc a ON a.account_ref = s.matched
  LEFT JOIN acc_cat ac ON ac.account_ref = s.matched AND ac.category = s.category
  WHERE s.status IS NULL),
conflict AS (
  SELECT matched, category FROM op
  WHERE matched IS NOT NULL AND NOT id_mismatch
  GROUP BY 1, 2 HAVING count(DISTINCT (id_type, id_number)) > 1),
books AS (   -- step 6
  SELECT op.*, (cf.matched IS NOT NULL) AS conflict,
         CASE WHEN op.matched IS NULL OR op.id_mismatch OR cf.matched IS NOT NULL
              THEN 0 ELSE least(op.principal, op.owed) END AS cp
  FROM op LEFT JOIN conflict cf USING (matched, category)
  WHERE op.category IN ('deposit', 'balance', 'supplier', 'employee')),
decided AS (
  SELECT b.*,
    CASE WHEN cp > 0 AND category = ANY (string_to_array(:'interest_allowed', ',')) THEN interest ELSE 0 END AS ci,
    CASE WHEN cp > 0 AND category = ANY (string_to_array(:'other_allowed', ',')) THEN other ELSE 0 END AS co,
    codes
    || CASE WHEN matched IS NULL THEN '{NO_BOOK_RECORD}'::text[]
            WHEN id_mismatch THEN '{ID_MISMATCH}'
            WHEN conflict THEN '{ACCOUNT_CONFLICT}'
            WHEN owed = 0 THEN '{NOTHING_OWED}'
            ELSE '{}' END
    || CASE WHEN matched IS NOT NULL AND NOT id_mismatch AND NOT conflict
             AND owed > 0 AND principal > owed THEN '{EXCEEDS_BOOK}'::text[] ELSE '{}' END
    || CASE WHEN cp > 0 AND interest > 0
             AND NOT category = ANY (string_to_array(:'interest_allowed', ','))
            THEN '{INTEREST_DISALLOWED}'::text[] ELSE '{}' END
    || CASE WHEN cp > 0 AND other > 0
             AND NOT category = ANY (string_to_array(:'other_allowed', ','))
            THEN '{OTHER_DISALLOWED}'::text[] ELSE '{}' END AS codes6
  FROM books b),
step6 AS (
  SELECT d.ln, d.codes6 AS codes, d.cp, d.ci, d.co,
    CASE WHEN d.matched IS NULL THEN CASE WHEN d.has_evidence THEN 'PENDING_REVIEW' ELSE 'REJECTED' END
         WHEN d.id_mismatch OR d.conflict THEN 'PENDING_REVIEW'
         WHEN d.cp + d.ci + d.co = 0 THEN 'REJECTED'
         WHEN d.cp + d.ci + d.co = d.principal + d.interest + d.other THEN 'CONFIRMED'
         ELSE 'PARTIAL' END AS status
  FROM decided d),
oper AS (    -- steps 7 and 9
  SELECT o.ln,
    CASE WHEN o.category IN ('tax', 'other') OR o.secured THEN 'PENDING_REVIEW'
         ELSE s6.status END AS status,
    coalesce(s6.codes, o.codes)
      || CASE WHEN o.category IN ('tax', 'other') THEN '{MANUAL_CATEGORY}'::text[] ELSE '{}' END
      || CASE WHEN o.secured THEN '{SECURED_REVIEW}'::text[] ELSE '{}' END
      || CASE WHEN o.ts >= (:'deadline'::date + 1) THEN '{LATE}'::text[] ELSE '{}' END
      || CASE WHEN NOT o.phone_ok THEN '{PHONE_INVALID}'::text[] ELSE '{}' END AS codes,
    CASE WHEN o.secured OR s6.ln IS NULL THEN 0 ELSE s6.cp END AS cp,
    CASE WHEN o.secured OR s6.ln IS NULL THEN 0 ELSE s6.ci END AS ci,
    CASE WHEN o.secured OR s6.ln IS NULL THEN 0 ELSE s6.co END AS co,
    (o.ts >= (:'deadline'::date + 1)) AS late
  FROM op o LEFT JOIN step6 s6 USING (ln))
SELECT s.ln, s.submission_id, 'submission'::text AS source, s.id_type, s.id_number,
       s.name, s.kind, s.category, s.account_ref, s.matched, s.secured,
       coalesce(o.status, s.status) AS status,
       coalesce(o.codes, s.codes) AS codes,
       CASE WHEN s.dup THEN 0 ELSE s.principal + s.interest + s.other END AS declared,
       coalesce(o.cp, 0) AS cp, coalesce(o.ci, 0) AS ci, coalesce(o.co, 0) AS co,
       s.superseded_by, coalesce(o.late, false) AS late, s.ts
FROM sub s LEFT JOIN oper o USING (ln);

ANALYZE claims;

-- ------------------------------------- step 8 employees listed from books
INSERT INTO claims (ln, submission_id, source, id_type, id_number, name, kind,
  category, account_ref, matched, secured, status, codes, declared, cp, ci, co,
  superseded_by, late)
SELECT NULL, '', 'books', a.id_type, a.id_number, a.name, 'individual',
       'employee', ac.account_ref, ac.account_ref, false, 'CONFIRMED',
       '{LISTED_FROM_BOOKS}', ac.owed_sum, ac.owed_sum, 0, 0, '', false
FROM acc_cat ac JOIN acc a USING (account_ref)
WHERE ac.category = 'employee' AND ac.owed_sum > 0
  AND NOT EXISTS (SELECT 1 FROM claims c
                  WHERE c.matched = ac.account_ref AND c.category = 'employee'
                    AND c.status NOT IN ('DUPLICATE', 'NEEDS_CORRECTION', 'SUPERSEDED')
                    AND NOT 'ID_MISMATCH' = ANY (c.codes));

-- ------------------------------------------------------ §5 creditors
CREATE UNLOGGED TABLE creditors AS
SELECT cl_cid(:'ckey', id_type, id_number) AS creditor_id, id_type, id_number,
       (array_agg(name ORDER BY ts DESC NULLS LAST, submission_id DESC))[1] AS name,
       (array_agg(kind ORDER BY ts DESC NULLS LAST, submission_id DESC))[1] AS kind,
       sum(declared) AS declared_total, sum(cp + ci + co) AS confirmed_total,
       sum(declared) FILTER (WHERE status = 'PENDING_REVIEW') AS pending_total,
       sum(cp + ci + co) FILTER (WHERE NOT secured AND category = 'employee') AS employee,
       sum(cp + ci + co) FILTER (WHERE NOT secured AND category = 'tax') AS tax,
       sum(cp + ci + co) FILTER (WHERE NOT secured AND category IN ('deposit', 'balance', 'supplier', 'other')) AS ordinary,
       sum(cp + ci + co) FILTER (WHERE secured) AS secured
FROM claims
WHERE status NOT IN ('DUPLICATE', 'NEEDS_CORRECTION', 'SUPERSEDED')
GROUP BY id_type, id_number;

-- ------------------------------------------------------ §10 outputs
COPY (SELECT c.submission_id, c.source, cl_cid(:'ckey', c.id_type, c.id_number) AS creditor_id, c.id_type, c.id_number,
             c.category, c.account_ref, coalesce(c.matched, '') AS matched_account,
             c.status, array_to_string(ARRAY(SELECT DISTINCT x FROM unnest(c.codes) x ORDER BY 1), ';') AS codes,
             cl_yuan(c.declared) AS declared_total, cl_yuan(c.cp) AS confirmed_principal,
             cl_yuan(c.ci) AS confirmed_interest, cl_yuan(c.co) AS confirmed_other,
             cl_yuan(c.cp + c.ci + c.co) AS confirmed_total,
             cl_yuan(c.cp + c.ci + c.co) AS voting_amount,
             coalesce(c.superseded_by, '') AS superseded_by, c.late::int AS late
      FROM claims c
      ORDER BY c.ln NULLS LAST, c.account_ref)
  TO :'claims_out' WITH (FORMAT csv, HEADER true);
COPY (SELECT creditor_id, id_type, id_number, name, kind,
             cl_yuan(declared_total) AS declared_total, cl_yuan(confirmed_total) AS confirmed_total,
             cl_yuan(coalesce(pending_total, 0)) AS pending_total,
             cl_yuan(coalesce(employee, 0)) AS employee, cl_yuan(coalesce(tax, 0)) AS tax,
             cl_yuan(coalesce(ordinary, 0)) AS ordinary, cl_yuan(coalesce(secured, 0)) AS secured
      FROM creditors ORDER BY creditor_id)
  TO :'creditors_out' WITH (FORMAT csv, HEADER true);
