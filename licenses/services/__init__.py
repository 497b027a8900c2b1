"""Writes to licenses, customers and seat allocations, by sub-domain.

- ``customers``: onboard, edit and offboard a customer with its seats;
- ``terms``: a license's seat commitment, owner, tier and low-seats alert;
- ``locks``: the pool locks and allocation writes (how a seat write stays correct on a hot pool);
- ``validation``: the checks before a write (names, counts, room in the pools, which constraint
  refused);
- ``bulk``: many customers of one license changed at once (bulk edit), all or nothing;
- ``renewals``: the commitment an Administrator plans for the renewal, and the job applying it;
- ``history``: the audit events every change records.

Callers import from here (``from licenses import services``); the names below are the package's
public interface.
"""

from __future__ import annotations

from licenses.policy import commitment_message
from licenses.services.bulk import (
    BulkChange,
    BulkRefused,
    BulkResult,
    customer_versions,
    customers_bulk_update,
)
from licenses.services.customers import (
    CUSTOMER_OFFBOARDED,
    customer_create,
    customer_offboard,
    customer_update,
)
from licenses.services.history import Change
from licenses.services.locks import licenses_lock, pool_write
from licenses.services.renewals import (
    commitment_change_cancel,
    commitment_change_schedule,
    commitment_changes_apply,
)
from licenses.services.terms import (
    license_commitment_set,
    license_save,
    license_terms_check,
    license_threshold_set,
)
from licenses.services.validation import legal_name_check

__all__ = [
    "BulkChange",
    "BulkRefused",
    "BulkResult",
    "customer_versions",
    "customers_bulk_update",
    "CUSTOMER_OFFBOARDED",
    "Change",
    "commitment_change_cancel",
    "commitment_change_schedule",
    "commitment_changes_apply",
    "commitment_message",
    "customer_create",
    "customer_offboard",
    "customer_update",
    "legal_name_check",
    "license_commitment_set",
    "license_save",
    "license_terms_check",
    "license_threshold_set",
    "licenses_lock",
    "pool_write",
]
