"""The order API: FastAPI routes over the orders table, the catalogue and a transactional outbox."""
