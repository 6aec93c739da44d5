-- A restore may bring back one tenant's rows only; the tenant as its column spells it.
ALTER TABLE restore_request ADD COLUMN tenant text;
