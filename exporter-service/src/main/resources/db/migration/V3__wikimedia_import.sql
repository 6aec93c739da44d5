-- Hours of Wikimedia page-view dumps loaded into their dataset. An hour's row is written in the
-- transaction that loads its lines, so a row here means that every valid line of the file is in.
CREATE TABLE wikimedia_hour (
    hour          timestamptz PRIMARY KEY,
    dataset       text        NOT NULL,
    rows_loaded   bigint      NOT NULL,
    lines_read    bigint      NOT NULL,
    lines_skipped bigint      NOT NULL,
    file_bytes    bigint      NOT NULL,
    file_sha256   text        NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now()
);

-- An import of a range of hours, with its progress.
CREATE TABLE wikimedia_import_job (
    id                  uuid        PRIMARY KEY,
    range_from          timestamptz NOT NULL,
    range_to            timestamptz NOT NULL,
    force               boolean     NOT NULL,
    trigger             text        NOT NULL CHECK (trigger IN ('REQUEST', 'CATCH_UP')),
    state               text        NOT NULL CHECK (state IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    hours_total         integer     NOT NULL,
    hours_done          integer     NOT NULL DEFAULT 0,
    hours_imported      integer     NOT NULL DEFAULT 0,
    hours_skipped       integer     NOT NULL DEFAULT 0,
    hours_not_published integer     NOT NULL DEFAULT 0,
    hours_failed        integer     NOT NULL DEFAULT 0,
    lines_read          bigint      NOT NULL DEFAULT 0,
    lines_skipped       bigint      NOT NULL DEFAULT 0,
    rows_loaded         bigint      NOT NULL DEFAULT 0,
    bytes_downloaded    bigint      NOT NULL DEFAULT 0,
    error               text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz
);

-- What happened to each hour of a job.
CREATE TABLE wikimedia_import_hour (
    job_id        uuid        NOT NULL REFERENCES wikimedia_import_job (id),
    hour          timestamptz NOT NULL,
    outcome       text        NOT NULL CHECK (outcome IN ('IMPORTED', 'SKIPPED', 'NOT_PUBLISHED', 'FAILED')),
    rows_loaded   bigint      NOT NULL,
    lines_read    bigint      NOT NULL,
    lines_skipped bigint      NOT NULL,
    bytes_downloaded bigint   NOT NULL,
    detail        text,
    PRIMARY KEY (job_id, hour)
);
