"""What the services check before they write: names, counts, room in the pools, and which
database constraint refused a write that raced past those checks.

The rules themselves are the seat policy's (``licenses.policy``); these apply them to the rows a
service has just read or locked.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from licenses.choices import CustomerStatus, quoted
from licenses.models import CustomerAccount, VolumeLicense
from licenses.policy import CLOUD_USERS, TIER_USERS, allowance, counts_check
from lmp.partners.models import Partner

# Foreign keys the services fill from rows they have just locked or read, so full_clean skips them.
RELATIONS = ["partner", "license", "sub_partner", "customer"]


def name_taken(name: str) -> ValidationError:
    """The refusal of a legal name another active customer of the same manager has."""
    message = _("An active customer named %(name)s already exists.") % {"name": quoted(name)}
    return ValidationError({"legal_name": message})


def legal_name_tidy(legal_name: object) -> str:
    """The name with its white space tidied; refused when empty or longer than the field."""
    name = " ".join(str(legal_name or "").split())
    if not name:
        raise ValidationError({"legal_name": _("Enter the customer's legal name.")})
    try:
        CustomerAccount._meta.get_field("legal_name").run_validators(name)
    except ValidationError as error:
        raise ValidationError({"legal_name": error.messages}) from error
    return name


def legal_name_check(
    *,
    partner: Partner | int,
    sub_partner: Partner | int | None,
    legal_name: str,
    exclude_pk: int | None,
) -> str:
    """Tidy the name's white space and refuse one that the same manager's list already has.

    The scope is the active customers of one owner (``partner``, the license owner) managed by
    one partner: the owner itself (``sub_partner`` None) or one sub-partner. Every customer in it
    is one its manager sees, so the refusal tells nobody about another partner's customers; the
    database's ``customer_unique_active_legal_name`` has the same scope.

    The services call it before they save; forms that save through a service later (the admin's,
    the wizard's details step) call it to show the refusal on the field.
    """
    name = legal_name_tidy(legal_name)
    clash = CustomerAccount.objects.filter(
        partner=partner,
        sub_partner=sub_partner,
        status=CustomerStatus.ACTIVE,
        legal_name__iexact=name,
    ).exclude(pk=exclude_pk)
    if clash.exists():
        raise name_taken(name)
    return name


def seats_check(
    *,
    license: VolumeLicense,
    cloud_license: VolumeLicense | None,
    tier_users: object,
    cloud_users: object,
    sat_users: object,
    held: tuple[int, int] = (0, 0),
) -> tuple[int, int, int]:
    """A customer's three counts checked by the policy, then against its pools as last read.

    ``held``: the tier and cloud users the customer holds now (it may keep those). The count rules
    come first (cloud users need a Cloud pool), then each pool's room; the database re-checks the
    room at the write. Returns the counts as ints.
    """
    tier_users, cloud_users, sat_users = counts_check(
        tier=license.tier,
        has_cloud=cloud_license is not None,
        tier_users=tier_users,
        cloud_users=cloud_users,
        sat_users=sat_users,
    )
    held_tier, held_cloud = held
    allowance(license=license, held=held_tier, field=TIER_USERS).check(tier_users)
    if cloud_users:
        allowance(license=cloud_license, held=held_cloud, field=CLOUD_USERS).check(cloud_users)
    return tier_users, cloud_users, sat_users


def unique_refused(instance: models.Model, *, constraint: str) -> bool:
    """After an IntegrityError on saving ``instance``: was it this UniqueConstraint's?

    Asks Django's own check of the named constraint against what has committed (the row that won
    the race has, or the database would not have refused), so it holds on PostgreSQL and SQLite
    alike; any other violation (another unique rule, a foreign key) answers False.
    """
    (rule,) = [c for c in instance._meta.constraints if c.name == constraint]
    try:
        rule.validate(type(instance), instance)
    except ValidationError:
        return True
    return False
