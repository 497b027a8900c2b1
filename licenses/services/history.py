"""The audit history the seat services write: one ``AllocationEvent`` per change.

Every change to a pool or a customer is recorded (its counts, legal name, status and contact
details; a license's commitment, price per user and renewal date), so that a license's state at
any past instant can be rebuilt from the events alone (``licenses.history_state``).
Every allocation change is recorded as an ``AllocationEvent``: one bulk INSERT per service call,
made *before* the allocation writes, so the pool row lock taken by the trigger is not held while
the events are written, and a refused write rolls them back with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from licenses.choices import (
    PRICE_LABEL,
    RENEWAL_LABEL,
    SEAT_COMMITMENT_LABEL,
    AllocationEventKind,
    quoted,
    what_key,
)
from licenses.models import AllocationEvent, CustomerAccount, VolumeLicense
from lmp.core.l10n import count
from lmp.partners import roles


@dataclass(frozen=True)
class Change:
    """One field a service changed, for success messages and the audit trail."""

    label: str
    old: object
    new: object

    def __str__(self) -> str:
        """e.g. "Seat commitment 1,990 → 1,500", in the reader's language."""
        old = count(self.old) if isinstance(self.old, int) else quoted(self.old)
        new = count(self.new) if isinstance(self.new, int) else quoted(self.new)
        # Translators: one change, e.g. "Seat commitment 1,990 → 1,500".
        return _("%(label)s %(old)s → %(new)s") % {"label": self.label, "old": old, "new": new}


def event_build(
    *,
    kind: str,
    license: VolumeLicense,
    customer: CustomerAccount | None,
    what: str,
    old: int | str,
    new: int | str,
    actor,
    source: str,
    at,
) -> AllocationEvent:
    """An unsaved history event; ``actor`` None (or not logged in) is recorded as the system,
    an API key (``roles.KeyActor``) as ``api_key``.

    A number (seats) goes in ``from_value``/``to_value``, a text (a legal name) in the text pair.
    """
    numbers = isinstance(old, int) and isinstance(new, int)
    return AllocationEvent(
        kind=kind,
        license=license,
        customer=customer,
        what=what_key(what),  # stored in English; the pages translate it (choices.what_text)
        from_value=old if numbers else None,
        to_value=new if numbers else None,
        from_text="" if numbers else str(old),
        to_text="" if numbers else str(new),
        actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        api_key_id=actor.key.pk if isinstance(actor, roles.KeyActor) else None,
        source=source,
        at=at,
    )


def events_record(events: list[AllocationEvent]) -> None:
    """Write one call's history in a single INSERT (before its allocation writes)."""
    if events:
        # Built here from figures the policy has checked, with the relations just locked or read:
        # full_clean would only re-read those rows.
        AllocationEvent.objects.bulk_create(events)


def commitment_change_record(
    *, license: VolumeLicense, old: int, new: int, actor, source: str, note: str = ""
) -> None:
    """Record a change of the seat commitment in the license's history (none if unchanged).

    ``note`` says why when the change has a reason of its own ("purchase LMP-2026-000123").
    """
    if new != old:
        event = event_build(
            kind=AllocationEventKind.COMMITMENT_CHANGED,
            license=license,
            customer=None,
            what=SEAT_COMMITMENT_LABEL,
            old=old,
            new=new,
            actor=actor,
            source=source,
            at=timezone.now(),
        )
        event.note = note
        events_record([event])


def terms_change_record(
    *, license: VolumeLicense, old: VolumeLicense | None, actor, source: str
) -> None:
    """Record a change of the license's price per user and renewal date (``old`` None: a new
    license, recorded from nothing). Stored as texts: "14.50", "2027-01-31"."""
    at = timezone.now()
    events = []
    for label, before, after in (
        (PRICE_LABEL, old and f"{old.price_per_user:.2f}", f"{license.price_per_user:.2f}"),
        (RENEWAL_LABEL, old and old.renewal_date.isoformat(), license.renewal_date.isoformat()),
    ):
        before = before or ""
        if after != before:
            events.append(
                event_build(
                    kind=AllocationEventKind.TERMS_CHANGED,
                    license=license,
                    customer=None,
                    what=label,
                    old=before,
                    new=after,
                    actor=actor,
                    source=source,
                    at=at,
                )
            )
    events_record(events)
