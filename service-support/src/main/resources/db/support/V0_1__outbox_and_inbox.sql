-- Shared by every service, created in the service's own schema.

-- Events written in the same transaction as the change they announce, relayed to Kafka after.
CREATE TABLE ${flyway:defaultSchema}.outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    topic        text        NOT NULL,
    event_key    text        NOT NULL,
    payload      text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON ${flyway:defaultSchema}.outbox (id) WHERE published_at IS NULL;

-- Events whose effect has committed; a consumer inserts here in the same transaction.
CREATE TABLE ${flyway:defaultSchema}.processed_event (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
