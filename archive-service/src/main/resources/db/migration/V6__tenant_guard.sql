-- One row per tenant that an erasure or a one-tenant restore touched. Both update it in their
-- transaction, so that under REPEATABLE READ the later of two that overlap fails with a
-- serialization error and is retried with a fresh snapshot: a restore never commits rows of a
-- tenant whose erasure it did not see, and an erasure never misses rows a restore brought back.
CREATE TABLE tenant_guard (
    dataset    text        NOT NULL,
    tenant     text        NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, tenant)
);
