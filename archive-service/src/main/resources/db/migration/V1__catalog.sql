-- The catalog: which chunks exist and in which state. The single source of truth for what is
-- cold; the bucket is never listed to find out.
CREATE TABLE chunk (
    chunk_id         uuid        PRIMARY KEY,
    dataset          text        NOT NULL,
    partition        text        NOT NULL,
    partition_start  timestamptz NOT NULL,
    partition_end    timestamptz NOT NULL,
    sequence         integer     NOT NULL,
    state            text        NOT NULL CHECK (state IN
                         ('EXPORTED', 'VERIFIED', 'ACTIVE', 'RESTORED', 'CORRUPT', 'SUPERSEDED', 'PURGED')),
    -- Bumped by every transition; a worker holding an older epoch cannot change the chunk.
    lease_epoch      bigint      NOT NULL DEFAULT 0,
    manifest_key     text        NOT NULL,
    row_count        bigint      NOT NULL,
    row_digest       text        NOT NULL,
    bytes            bigint      NOT NULL,
    last_error       text,
    registered_at    timestamptz NOT NULL DEFAULT now(),
    state_changed_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (dataset, partition, sequence)
);
CREATE INDEX chunk_active_by_time ON chunk (dataset, partition_start) WHERE state = 'ACTIVE';
CREATE INDEX chunk_in_flight ON chunk (state_changed_at) WHERE state IN ('EXPORTED', 'VERIFIED');

CREATE TABLE chunk_object (
    chunk_id   uuid    NOT NULL REFERENCES chunk (chunk_id),
    object_no  integer NOT NULL,
    object_key text    NOT NULL UNIQUE,
    bytes      bigint  NOT NULL,
    sha256     text    NOT NULL,
    row_count  bigint  NOT NULL,
    PRIMARY KEY (chunk_id, object_no)
);

-- Every verification outcome and every deletion, with counts and digests, never row contents.
CREATE TABLE audit_log (
    id         bigserial   PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    action     text        NOT NULL,
    dataset    text        NOT NULL,
    partition  text        NOT NULL,
    chunk_id   uuid        NOT NULL,
    row_count  bigint      NOT NULL,
    row_digest text        NOT NULL,
    detail     text
);
