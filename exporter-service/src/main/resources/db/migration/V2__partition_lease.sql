-- Who exports a partition right now. Every acquisition bumps the epoch; a worker records its
-- chunk only while the lease still carries its epoch, so a worker that stalled past its lease
-- (and was replaced) cannot record anything.
CREATE TABLE partition_lease (
    dataset    text        NOT NULL,
    partition  text        NOT NULL,
    epoch      bigint      NOT NULL,
    holder     text        NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (dataset, partition)
);
