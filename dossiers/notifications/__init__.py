"""Channel backends and message rendering of the notification outbox."""
