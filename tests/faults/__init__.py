"""Failures made real: a write that fails, a database outage, a worker killed or cut off."""
