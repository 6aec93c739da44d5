-- A request to bring archived partitions back into PostgreSQL, and the chunks it covers. Progress
-- is updated in the transaction that restores each chunk, so it is exact after any crash.
CREATE TABLE restore_request (
    request_id     uuid        PRIMARY KEY,
    dataset        text        NOT NULL,
    range_from     timestamptz NOT NULL,
    range_to       timestamptz NOT NULL,
    reason         text,
    requested_by   text        NOT NULL,
    state          text        NOT NULL CHECK (state IN ('RUNNING', 'DONE', 'FAILED')),
    chunks_total   integer     NOT NULL,
    chunks_done    integer     NOT NULL DEFAULT 0,
    rows_restored  bigint      NOT NULL DEFAULT 0,
    error          text,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);

CREATE TABLE restore_chunk (
    request_id uuid    NOT NULL REFERENCES restore_request (request_id),
    chunk_id   uuid    NOT NULL REFERENCES chunk (chunk_id),
    done       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (request_id, chunk_id)
);
