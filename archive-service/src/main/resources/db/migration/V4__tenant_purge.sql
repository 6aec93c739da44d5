-- A chunk rewritten without a purged tenant's rows keeps its partition and sequence: only one live
-- chunk may hold a (dataset, partition, sequence), the ones it replaced are SUPERSEDED.
ALTER TABLE chunk DROP CONSTRAINT chunk_dataset_partition_sequence_key;
CREATE UNIQUE INDEX chunk_live_sequence ON chunk (dataset, partition, sequence)
    WHERE state NOT IN ('SUPERSEDED', 'PURGED');
ALTER TABLE chunk ADD COLUMN replaced_by uuid REFERENCES chunk (chunk_id);

-- The audit entry of a tenant's hot rows spans partitions and belongs to no chunk.
ALTER TABLE audit_log ALTER COLUMN chunk_id DROP NOT NULL;
ALTER TABLE audit_log ALTER COLUMN partition DROP NOT NULL;

-- Tenants erased from a dataset: a chunk that arrives later is rewritten without them.
CREATE TABLE purged_tenant (
    dataset    text        NOT NULL,
    tenant     text        NOT NULL,
    erasure_id uuid        NOT NULL,
    purged_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, tenant)
);

-- Every erasure, and what it removed per dataset: counted in the transactions that removed it,
-- so that the record is exact after any crash and retry.
CREATE TABLE erasure (
    erasure_id   uuid        PRIMARY KEY,
    tenant       text        NOT NULL,
    -- the one dataset asked for; NULL for every dataset with a tenant column
    dataset      text,
    requested_by text        NOT NULL,
    reason       text,
    requested_at timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);

CREATE TABLE erasure_dataset (
    erasure_id      uuid    NOT NULL REFERENCES erasure (erasure_id),
    dataset         text    NOT NULL,
    hot_rows        bigint  NOT NULL DEFAULT 0,
    hot_digest      text,
    cold_rows       bigint  NOT NULL DEFAULT 0,
    cold_digest     text,
    chunks          uuid[]  NOT NULL DEFAULT '{}',
    objects_deleted integer NOT NULL DEFAULT 0,
    PRIMARY KEY (erasure_id, dataset)
);

-- Objects no live chunk references any more, deleted from the store once their grace period is
-- over (at once for erased data); recorded in the transaction that stopped referencing them.
CREATE TABLE doomed_object (
    object_key text        PRIMARY KEY,
    delete_after timestamptz NOT NULL
);
