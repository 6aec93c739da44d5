-- One row per chunk the exporter has written (or per partition found empty).
CREATE TABLE exported_partition (
    dataset         text        NOT NULL,
    partition       text        NOT NULL,
    sequence        integer     NOT NULL,
    partition_start timestamptz NOT NULL,
    chunk_id        uuid        NOT NULL UNIQUE,
    row_count       bigint      NOT NULL,
    row_digest      text        NOT NULL,
    bytes           bigint      NOT NULL,
    manifest_key    text,
    exported_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, partition, sequence)
);

-- An export or backfill of a time range, with its progress.
CREATE TABLE export_job (
    id               uuid        PRIMARY KEY,
    dataset          text        NOT NULL,
    range_from       timestamptz NOT NULL,
    range_to         timestamptz NOT NULL,
    state            text        NOT NULL CHECK (state IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    partitions_total integer     NOT NULL,
    partitions_done  integer     NOT NULL DEFAULT 0,
    rows_exported    bigint      NOT NULL DEFAULT 0,
    bytes_written    bigint      NOT NULL DEFAULT 0,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
