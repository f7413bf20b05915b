"""Queue consumers: one runtime (`workers.runtime`) and many small services (`workers.services`)."""
