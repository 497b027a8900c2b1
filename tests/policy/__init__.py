"""Rules, asked directly or walked over every route: the seat policy, the database's constraints,
roles, tenancy, security."""
