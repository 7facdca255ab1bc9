"""Mail sinks take rendered drafts: a local outbox of .eml files, or Gmail drafts."""
