"""The billing app's webhook events: a partner's PSA learns that a month was closed.

Built here and handed to ``webhook_event_emit`` in the caller's transaction (the close's, one per
partner). docs/pages/integrations/webhooks.md documents the data.
"""

from __future__ import annotations

from lmp.billing.models import Statement, StatementLicense
from lmp.billing.selectors import currency_totals
from lmp.billing.statements import statement_api_path
from lmp.webhooks.choices import EventType
from lmp.webhooks.services import webhook_event_emit


def statement_closed(*, statement: Statement, licenses: list[StatementLicense]) -> None:
    """``statement.closed``: the month, the partner, each license's totals, and the statement's
    path in the API."""
    data = {
        "month": f"{statement.month:%Y-%m}",
        "partner_id": statement.partner_id,
        "period_end": statement.period_end.isoformat(),
        "licenses": [
            {
                "license_id": sl.license_id,
                "tier": sl.tier,
                "currency": sl.currency,
                "seat_commitment": sl.seat_commitment,
                "allocated": sl.allocated,
                "price_per_user": f"{sl.price_per_user:.2f}",
                "amount": f"{sl.amount:.2f}",
                "adjustments": f"{sl.adjustments:.2f}",
                "total": f"{sl.total:.2f}",
            }
            for sl in sorted(licenses, key=lambda sl: sl.license_id)
        ],
        "totals": {
            currency: f"{total:.2f}" for currency, total in currency_totals(licenses).items()
        },
        "api_path": statement_api_path(statement.month),
    }
    webhook_event_emit(
        partner=statement.partner_id, event_type=EventType.STATEMENT_CLOSED, data=data
    )
