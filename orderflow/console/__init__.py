"""The operator console: live per-service panels, the order funnel, DLQ triage (orderflow console)."""
