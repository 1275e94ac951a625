"""CSV import of CRM data: each row becomes a Segment `identify` message that goes through the
tracking API's normalizer and event store (idempotent by a deterministic messageId)."""
