"""Writes to a license's own terms: its seat commitment, its owner and tier, its low-seats alert.

A commitment below what is allocated is refused by the seat policy (``policy.commitment_check``)
before the write, and by the license's CHECK at it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from licenses.choices import AllocationEventSource, CommitmentChangeStatus, ThresholdUnit
from licenses.models import ScheduledCommitmentChange, VolumeLicense
from licenses.policy import Count, commitment_check, count_check
from licenses.services.history import commitment_change_record, terms_change_record
from licenses.services.locks import licenses_lock
from licenses.services.validation import RELATIONS, unique_refused
from lmp.partners import roles
from lmp.partners.models import Partner

_THRESHOLD = Count("low_seats_threshold", gettext_lazy("The threshold"))


def license_terms_check(
    *,
    license: VolumeLicense,
    partner: Partner | None = None,
    tier: str | None = None,
    seat_commitment: object = None,
) -> VolumeLicense:
    """Check new terms for an existing license against its locked row; returns that row.

    Called inside the caller's transaction the lock lasts until it commits, so the admin can check
    in its form and save in ``save_model`` without a concurrent allocation slipping in between.
    """
    with transaction.atomic():
        current = licenses_lock(license_ids=[license.pk])[license.pk]
        errors: dict[str, str] = {}
        if seat_commitment is not None:
            try:
                commitment_check(seat_commitment, allocated=current.allocated)
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
        moved = partner is not None and partner.pk != current.partner_id
        retiered = tier is not None and tier != current.tier
        # Allocations copy the tier and customers belong to the owner: both must stay put.
        if (moved or retiered) and current.allocations.exists():
            if moved:
                errors["partner"] = _(
                    "A license that has customers cannot move to another partner."
                )
            if retiered:
                errors["tier"] = _("The tier of a license that has customers cannot be changed.")
        if errors:
            raise ValidationError(errors)
    return current


@transaction.atomic
def license_commitment_set(
    *,
    license: VolumeLicense,
    seat_commitment: int,
    actor=None,
    source: str = AllocationEventSource.ADMIN,
    note: str = "",
) -> VolumeLicense:
    """Change a license's seat commitment; refused below what is already allocated.

    Returns the fresh locked row; the caller's ``license`` gets its commitment and counter too.
    ``note`` goes into the history event ("purchase LMP-…").
    """
    original = license
    license = licenses_lock(license_ids=[license.pk])[license.pk]
    seat_commitment = commitment_check(seat_commitment, allocated=license.allocated)
    commitment_change_record(
        license=license,
        old=license.seat_commitment,
        new=seat_commitment,
        actor=actor,
        source=source,
        note=note,
    )
    license.seat_commitment = seat_commitment
    license.save(update_fields=["seat_commitment"])
    original.seat_commitment, original.allocated = license.seat_commitment, license.allocated
    return license


@transaction.atomic
def license_save(
    *,
    license: VolumeLicense,
    actor=None,
    source: str = AllocationEventSource.ADMIN,
    note: str = "",
) -> VolumeLicense:
    """Create or update a license's terms (admin) under the row lock; the counter is never written.

    Refuses a commitment below what is allocated, and a new partner or tier once it has customers.
    Its history records the commitment, price per user and renewal date that changed (all three
    for a new license).
    """
    if not license._state.adding and license.pk:
        current = license_terms_check(
            license=license,
            partner=license.partner if license.partner_id else None,
            tier=license.tier,
            seat_commitment=license.seat_commitment,
        )
        license.allocated = current.allocated
        old_commitment = current.seat_commitment
    else:
        license.allocated = 0
        old_commitment = 0
        current = None
    license.full_clean()
    try:
        with transaction.atomic():
            license.save()  # on update: every field but the trigger-owned counter
    except IntegrityError as exc:
        # Two admins creating the same partner's tier at once: the loser gets the form's message.
        if unique_refused(license, constraint="license_one_per_tier_per_partner"):
            raise ValidationError(
                {"tier": _("This partner already has a license of this tier.")}
            ) from exc
        raise
    # After the save: a new license needs its id. The row is ours (locked or just inserted).
    commitment_change_record(
        license=license,
        old=old_commitment,
        new=license.seat_commitment,
        actor=actor,
        source=source,
        note=note,
    )
    terms_change_record(license=license, old=current, actor=actor, source=source)
    if current is not None and current.renewal_date != license.renewal_date:
        # A commitment planned for the renewal follows the renewal staff moved.
        ScheduledCommitmentChange.objects.filter(
            license=license, status=CommitmentChangeStatus.SCHEDULED
        ).update(renewal_date=license.renewal_date)
    return license


@transaction.atomic
def license_threshold_set(
    *, actor, partner: Partner, license: VolumeLicense, threshold: int | None, unit: str
) -> VolumeLicense:
    """Set (or clear, with None) the low-seats threshold of one of the partner's own licenses.

    Administrators and Allocators (they change who holds the seats); a percentage is at most 100.
    """
    roles.require(actor, roles.CHANGE_CUSTOMERS)
    locked = licenses_lock(license_ids=[license.pk]).get(license.pk)
    if locked is None or locked.partner_id != partner.pk:
        raise VolumeLicense.DoesNotExist("Only the license's owner sets its threshold.")
    if threshold is not None:
        threshold = count_check(threshold, count=_THRESHOLD)
        if unit == ThresholdUnit.PERCENT and threshold > 100:
            raise ValidationError({"low_seats_threshold": _("A percentage is at most 100.")})
    locked.low_seats_threshold = threshold
    locked.low_seats_unit = unit
    locked.full_clean(exclude=RELATIONS, validate_constraints=False)
    locked.save(update_fields=["low_seats_threshold", "low_seats_unit"])
    license.low_seats_threshold, license.low_seats_unit = threshold, unit
    return locked
