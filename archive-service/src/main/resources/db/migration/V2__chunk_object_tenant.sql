-- The tenant of an object of a chunk split per tenant, so that a tenant's objects can be found
-- (and erased) without reading the others.
ALTER TABLE chunk_object ADD COLUMN tenant text;
