"""Real races on PostgreSQL: threads and processes at once."""
