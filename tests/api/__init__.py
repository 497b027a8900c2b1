"""The REST API under /api/v1/: its views, matrices, problems, schema and contract."""
