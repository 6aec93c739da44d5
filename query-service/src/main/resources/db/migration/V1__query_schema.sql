-- The query-service keeps no tables of its own yet: it reads the archive-service's catalog and
-- the hot tables in one snapshot. Its schema holds the shared outbox and inbox (V0_1).
COMMENT ON SCHEMA query IS 'Permafrost query-service';
