-- A request to bring archived partitions back into PostgreSQL, and the chunks it covers. Each
-- chunk's row is marked done in the transaction that restores the chunk, so progress is exact
-- after any crash, and chunks restored side by side never update the same row.
CREATE TABLE restore_request (
    request_id     uuid        PRIMARY KEY,
    dataset        text        NOT NULL,
    range_from     timestamptz NOT NULL,
    range_to       timestamptz NOT NULL,
    reason         text,
    requested_by   text        NOT NULL,
    state          text        NOT NULL CHECK (state IN ('RUNNING', 'DONE', 'FAILED')),
    error          text,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);

CREATE TABLE restore_chunk (
    request_id uuid    NOT NULL REFERENCES restore_request (request_id),
    chunk_id   uuid    NOT NULL REFERENCES chunk (chunk_id),
    done       boolean NOT NULL DEFAULT false,
    rows       bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (request_id, chunk_id)
);
