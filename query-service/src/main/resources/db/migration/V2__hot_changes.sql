-- Which days of each dataset's hot rows changed, so that the query-service may keep a hot day's
-- partial aggregates between questions. A trigger on the dataset's table (installed by the
-- query-service, see HotChanges) adds a row per statement and day it changes, in the statement's
-- own transaction: a snapshot sees a day's rows change exactly when it sees its rows here grow.
-- Rows are only ever added, or merged into one row holding their sum of changes.
CREATE TABLE ${flyway:defaultSchema}.hot_change (
    dataset text   NOT NULL,
    day     date,            -- NULL: every day (TRUNCATE, or a row without a time)
    changes bigint NOT NULL
);
CREATE INDEX hot_change_day ON ${flyway:defaultSchema}.hot_change (dataset, day) INCLUDE (changes);

-- The datasets whose tables have the triggers: a snapshot that sees this row saw every write
-- made before them. A new row (and a new since) for a table dropped and made again.
CREATE TABLE ${flyway:defaultSchema}.hot_watch (
    dataset  text        PRIMARY KEY,
    relation oid         NOT NULL,
    since    timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Records the UTC days of the rows a statement changed. TG_ARGV: the dataset, the time column and
-- its type (timestamptz, timestamp or date); no SQL text is taken from them, so that the definer's
-- rights cannot be used to run any other statement. SECURITY DEFINER: the application's role,
-- whose statements fire it, needs no rights on this schema.
CREATE FUNCTION ${flyway:defaultSchema}.note_hot_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    day_of_row text := CASE TG_ARGV[2]
        WHEN 'timestamptz' THEN format('(%I AT TIME ZONE ''UTC'')::date', TG_ARGV[1])
        WHEN 'timestamp' THEN format('%I::date', TG_ARGV[1])
        ELSE format('%I::date', TG_ARGV[1]) END;
    changed_rows text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT ' || day_of_row || ' AS day FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT ' || day_of_row || ' AS day FROM old_rows'
        ELSE 'SELECT ' || day_of_row || ' AS day FROM new_rows UNION ALL SELECT '
             || day_of_row || ' FROM old_rows' END;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO ${flyway:defaultSchema}.hot_change (dataset, day, changes)
        VALUES (TG_ARGV[0], NULL, 1);
    ELSE
        EXECUTE 'INSERT INTO ${flyway:defaultSchema}.hot_change (dataset, day, changes) '
            || 'SELECT DISTINCT $1, day, 1 FROM (' || changed_rows || ') AS changed'
            USING TG_ARGV[0];
    END IF;
    RETURN NULL;
END
$body$;
