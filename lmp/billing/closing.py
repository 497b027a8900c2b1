"""The month close: each partner's month-end statement, written once, e-mailed, sent as a webhook.

What a statement bills (the rule): each of the partner's **own** licenses (not those shared with
it) that existed at the month's end is billed for its seat commitment at the month's end × its
price per user at the month's end, which is its monthly total on the Billing page that instant.
The statement breaks it down: one ``customer`` line per customer holding users on that pool at the
month's end (its users × the price; its Beauceron SAT users and the most users it held on that
pool during the month beside it, shown, not billed) and one ``unallocated`` line (commitment −
allocated).
A customer's MDR Cloud users sit on the MDR Cloud pool, so they are a line of that pool. An
offboarded customer holds nothing: no line.

How the month-end figures are read, at any size: the current rows (allocations with their
customer) are streamed, and the few that changed since the month's end are put back as they were
from the history: the ``from`` of the first event after the month's end of a figure is its value at
the month's end (``licenses.history_state`` folds the same events forwards, for one license). The
peak is one aggregate query per batch of customers over the month's events. Lines are written with
``bulk_create`` in batches, so the memory stays flat whatever a partner's size.

Once, on several machines at once: one transaction per partner, which first locks the partner's
row, then looks for its statement; the second job waits on the lock and finds it (the unique
(partner, month) is the database's backstop). A crash or a failure rolls back the partner's whole
statement, its e-mail and its webhook event; other partners are not held up, the failure is
reported and the next run closes it.

Corrections: a change dated before a month's end can commit after that month was closed (an edit
that began at 23:59:59.9 on the last day, or a late event). At the close of month M the previous
month's figures are computed again from the history and compared with its statement's lines;
each (license, customer) whose billed users or price differ gets an ``adjustment`` line in M (the
difference in users and in amount), and the license's ``adjustments`` is their sum. A written
statement is never changed.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.db.models.functions import Greatest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from licenses import policy
from licenses.choices import (
    LEGAL_NAME_LABEL,
    PRICE_LABEL,
    SAT_USERS_LABEL,
    SEAT_COMMITMENT_LABEL,
    STATUS_LABEL,
    TIER_USERS_LABELS,
    CustomerStatus,
    what_key,
)
from licenses.history_state import baseline_first
from licenses.models import AllocationEvent, CustomerAccount, SeatAllocation, VolumeLicense
from lmp.billing import webhooks
from lmp.billing.choices import StatementLineKind
from lmp.billing.models import Statement, StatementLicense, StatementLine
from lmp.billing.selectors import currency_totals
from lmp.billing.statements import statement_path
from lmp.outbox.services import email_enqueue
from lmp.partners import languages, roles
from lmp.partners.models import Partner
from lmp.partners.selectors import partner_member_emails

logger = logging.getLogger(__name__)

BATCH = 2000  # rows streamed, peaks asked for and lines inserted at a time

USERS_WHATS = tuple(TIER_USERS_LABELS.values())  # stored in English already


class MonthNotEnded(ValueError):
    """The month asked for has not ended yet in the portal's time zone."""


# --- months --------------------------------------------------------------------------------------


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first instant and the next month's first instant, in the portal's zone."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    zone = _zone()
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=zone),
        dt.datetime.combine(following, dt.time(), tzinfo=zone),
    )


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


# --- month-end figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenseTerms:
    """A license's terms at the month's end."""

    license_id: int
    tier: str
    currency: str
    seat_commitment: int
    price_per_user: Decimal

    @property
    def amount(self) -> Decimal:
        return self.seat_commitment * self.price_per_user


@dataclass(frozen=True)
class Line:
    """One billed line at the month's end: a customer on a pool, or (customer None) the pool's
    unallocated users."""

    license_id: int
    customer_id: int | None
    legal_name: str
    users: int
    sat_users: int
    peak_users: int | None

    @property
    def key(self) -> tuple[int, float]:
        # Ordered as the lines are streamed: by license, customer, the unallocated line last.
        return (self.license_id, self.customer_id if self.customer_id is not None else float("inf"))


def license_terms_at(*, partner_id: int, period_end: dt.datetime) -> dict[int, LicenseTerms]:
    """The partner's own licenses that existed at ``period_end``, with their terms then.

    Two queries: the licenses as they are, then their changes since (the first one of each figure
    gives its value at the month's end; a price "from nothing" means the license was created after).
    """
    rows = VolumeLicense.objects.filter(partner_id=partner_id).order_by("pk")
    current = {
        pk: [tier, currency, commitment, price]
        for pk, tier, currency, commitment, price in rows.values_list(
            "pk", "tier", "currency", "seat_commitment", "price_per_user"
        )
    }
    commitment_what, price_what = what_key(SEAT_COMMITMENT_LABEL), what_key(PRICE_LABEL)
    later = (
        AllocationEvent.objects.filter(
            license_id__in=list(current),
            customer_id__isnull=True,
            at__gte=period_end,
            what__in=[commitment_what, price_what],
        )
        .order_by("at", baseline_first(), "id")
        .values_list("license_id", "what", "from_value", "from_text")
    )
    seen: set[tuple[int, str]] = set()
    created_later: set[int] = set()
    for license_id, what, from_value, from_text in later:
        if (license_id, what) in seen:
            continue
        seen.add((license_id, what))
        if what == commitment_what:
            current[license_id][2] = from_value
        elif from_text:
            current[license_id][3] = Decimal(from_text)
        else:
            created_later.add(license_id)
    return {
        pk: LicenseTerms(pk, tier, currency, commitment, price)
        for pk, (tier, currency, commitment, price) in current.items()
        if pk not in created_later
    }


@dataclass
class _Corrections:
    """What changed after the month's end, as it was at the month's end."""

    users: dict[tuple[int, int], int] = field(default_factory=dict)  # (customer, license)
    sat: dict[int, int] = field(default_factory=dict)
    name: dict[int, str] = field(default_factory=dict)
    status: dict[int, str] = field(default_factory=dict)


def _corrections(license_ids: list[int], period_end: dt.datetime) -> _Corrections:
    """The customers' changes since ``period_end`` on these pools (one query; few rows when the
    close runs soon after the month's end)."""
    whats = {
        what_key(SAT_USERS_LABEL): "sat",
        what_key(LEGAL_NAME_LABEL): "name",
        what_key(STATUS_LABEL): "status",
    } | {what: "users" for what in USERS_WHATS}
    rows = (
        AllocationEvent.objects.filter(
            license_id__in=license_ids,
            customer_id__isnull=False,
            at__gte=period_end,
            what__in=list(whats),
        )
        .order_by("at", baseline_first(), "id")
        .values_list("customer_id", "license_id", "what", "from_value", "from_text")
    )
    found = _Corrections()
    for customer_id, license_id, what, from_value, from_text in rows:
        figure = whats[what]
        if figure == "users":
            found.users.setdefault((customer_id, license_id), from_value)
        elif figure == "sat":
            found.sat.setdefault(customer_id, from_value)
        elif figure == "name":
            found.name.setdefault(customer_id, from_text)
        else:
            found.status.setdefault(customer_id, from_text)
    return found


def _peaks(
    pairs: list[tuple[int, int]], start: dt.datetime, end: dt.datetime
) -> dict[tuple[int, int], int]:
    """The most users each (customer, license) held during the month, from its events (one
    aggregate query; a pair without events in the month held its month-end users all along)."""
    customers = {customer_id for customer_id, _ in pairs}
    licenses = {license_id for _, license_id in pairs}
    rows = (
        AllocationEvent.objects.filter(
            customer_id__in=customers,
            license_id__in=licenses,
            what__in=USERS_WHATS,
            at__gte=start,
            at__lt=end,
        )
        .values("customer_id", "license_id")
        .annotate(high=Greatest(Max("from_value"), Max("to_value")))
        .order_by()
        .values_list("customer_id", "license_id", "high")
    )
    return {(customer_id, license_id): high for customer_id, license_id, high in rows}


def month_end_lines(
    *,
    terms: dict[int, LicenseTerms],
    start: dt.datetime,
    end: dt.datetime,
    peaks: bool = True,
) -> Iterator[Line]:
    """The lines of the licenses in ``terms`` at ``end``, ordered by (license, customer), each
    license's unallocated line after its customers. Streamed: flat memory.

    The allocations are streamed as they are now, then the changes since ``end`` are read (after
    the stream's snapshot, so a change committed meanwhile is in the events: its ``from`` is the
    month-end figure whatever the row said). A secondary pool's row is deleted when its users go
    to 0, so a pair changed since the month's end may have no row: it is merged in from the events.
    """
    license_ids = sorted(terms)
    if not license_ids:
        return
    stream = (
        SeatAllocation.objects.filter(license_id__in=license_ids)
        .order_by("license_id", "customer_id")
        .values_list(
            "customer_id",
            "license_id",
            "seats",
            "sat_users",
            "active",
            "customer__license_id",
            "customer__legal_name",
            "customer__status",
        )
        .iterator(chunk_size=BATCH)
    )
    first = next(stream, None)  # runs the query: its snapshot precedes the events read below
    fixes = _corrections(license_ids, end)
    # The customers of the changed pairs, for a pair whose row is gone (few: one query).
    changed_customers = {c for c, _ in fixes.users}
    info = {}
    if changed_customers:
        info = {
            pk: (own, name, status)
            for pk, own, name, status in CustomerAccount.objects.filter(
                pk__in=changed_customers
            ).values_list("pk", "license_id", "legal_name", "status")
        }

    def rows() -> Iterator[tuple]:
        # The allocation rows, with the changed pairs that have no row any more merged in order.
        extra = sorted((lic, c) for c, lic in fixes.users)
        i = 0
        current = first
        while current is not None:
            key = (current[1], current[0])
            while i < len(extra) and extra[i] < key:
                lic, c = extra[i]
                own, name, status = info[c]
                yield (c, lic, 0, 0, False, own, name, status)
                i += 1
            if i < len(extra) and extra[i] == key:
                i += 1
            yield current
            current = next(stream, None)
        for lic, c in extra[i:]:
            own, name, status = info[c]
            yield (c, lic, 0, 0, False, own, name, status)

    def batches() -> Iterator[list[Line]]:
        batch: list[Line] = []
        for customer_id, license_id, seats, sat, active, own, name, status in rows():
            name = fixes.name.get(customer_id, name)
            status = fixes.status.get(customer_id, status)
            if not name or status != CustomerStatus.ACTIVE:
                continue  # onboarded since the month's end, or offboarded before it
            held = active and status == CustomerStatus.ACTIVE
            users = fixes.users.get((customer_id, license_id), seats if held else 0)
            if users <= 0:
                continue
            sat = fixes.sat.get(customer_id, sat if held else 0) if license_id == own else 0
            batch.append(Line(license_id, customer_id, name, users, min(sat, users), None))
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    allocated = dict.fromkeys(license_ids, 0)
    current_license = license_ids[0]

    def unallocated_until(license_id: float) -> Iterator[Line]:
        nonlocal current_license
        while current_license is not None and current_license < license_id:
            t = terms[current_license]
            rest = policy.unallocated_of(
                commitment=t.seat_commitment, allocated=allocated[current_license]
            )
            yield Line(current_license, None, "", rest, 0, None)
            position = license_ids.index(current_license) + 1
            current_license = license_ids[position] if position < len(license_ids) else None

    for batch in batches():
        high = _peaks([(x.customer_id, x.license_id) for x in batch], start, end) if peaks else {}
        for line in batch:
            yield from unallocated_until(line.license_id)
            allocated[line.license_id] += line.users
            if peaks:
                peak = max(line.users, high.get((line.customer_id, line.license_id)) or 0)
                line = Line(
                    line.license_id,
                    line.customer_id,
                    line.legal_name,
                    line.users,
                    line.sat_users,
                    peak,
                )
            yield line
    yield from unallocated_until(float("inf"))


# --- the close -----------------------------------------------------------------------------------


@dataclass
class CloseResult:
    """What one run did: the month, statements written, partners already closed, failures."""

    month: dt.date
    closed: list[int] = field(default_factory=list)  # partner ids
    skipped: int = 0  # closed already (by an earlier run or another machine)
    empty: int = 0  # no license of its own at the month's end: nothing to bill
    lines: int = 0
    failed: dict[int, str] = field(default_factory=dict)  # partner id → error


def _line_row(
    line: Line, *, statement: Statement, sl: StatementLicense, price: Decimal
) -> StatementLine:
    # By id: the relation descriptors' checks cost more than the rest of the row, line by line.
    return StatementLine(
        statement_id=statement.pk,
        statement_license_id=sl.pk,
        kind=StatementLineKind.UNALLOCATED
        if line.customer_id is None
        else StatementLineKind.CUSTOMER,
        customer_id=line.customer_id,
        legal_name=line.legal_name,
        users=line.users,
        peak_users=line.peak_users,
        sat_users=line.sat_users,
        price_per_user=price,
        amount=line.users * price,
    )


def _adjustments(
    *,
    partner_id: int,
    month: dt.date,
    by_license: dict[int, StatementLicense],
    statement: Statement,
) -> Iterator[StatementLine]:
    """Adjustment lines of ``month`` for the previous month: its figures computed again from the
    history against its statement's lines, merged in (license, customer) order (flat memory)."""
    previous = previous_month(month)
    before = Statement.objects.filter(partner_id=partner_id, month=previous).first()
    if before is None:
        return
    start, end = month_bounds(previous)
    terms = license_terms_at(partner_id=partner_id, period_end=end)
    now_lines = month_end_lines(terms=terms, start=start, end=end, peaks=False)
    stored = (
        StatementLine.objects.filter(
            statement=before, kind__in=[StatementLineKind.CUSTOMER, StatementLineKind.UNALLOCATED]
        )
        .order_by("statement_license__license_id", F("customer_id").asc(nulls_last=True))
        .values_list(
            "statement_license__license_id", "customer_id", "users", "price_per_user", "amount"
        )
        .iterator(chunk_size=BATCH)
    )
    inf = float("inf")

    def key_of(row):
        return (row[0], row[1] if row[1] is not None else inf)

    new = next(now_lines, None)
    old = next(stored, None)
    while new is not None or old is not None:
        if old is None or (new is not None and new.key < key_of(old)):
            pair, old_row, new_line = new.key, None, new
        elif new is None or key_of(old) < new.key:
            pair, old_row, new_line = key_of(old), old, None
        else:
            pair, old_row, new_line = new.key, old, new
        license_id = pair[0]
        price = terms[license_id].price_per_user if license_id in terms else Decimal(0)
        new_users = new_line.users if new_line else 0
        new_amount = new_users * price
        old_users, old_price, old_amount = (
            (old_row[2], old_row[3], old_row[4]) if old_row else (0, price, Decimal(0))
        )
        if (new_users != old_users or price != old_price) and license_id in by_license:
            customer_id = new_line.customer_id if new_line else old_row[1]
            name = new_line.legal_name if new_line else ""
            if not name and customer_id is not None:
                name = (
                    StatementLine.objects.filter(statement=before, customer_id=customer_id)
                    .values_list("legal_name", flat=True)
                    .first()
                    or ""
                )
            yield StatementLine(
                statement=statement,
                statement_license=by_license[license_id],
                kind=StatementLineKind.ADJUSTMENT,
                customer_id=customer_id,
                legal_name=name,
                users=new_users - old_users,
                price_per_user=price,
                amount=new_amount - old_amount,
                adjusts=previous,
            )
        if new_line is not None:
            new = next(now_lines, None)
        if old_row is not None:
            old = next(stored, None)


def _statement_write(
    *, partner: Partner, month: dt.date, closed_at: dt.datetime
) -> tuple[Statement, list[StatementLicense], int] | None:
    """Write the partner's statement of ``month`` (the caller's transaction, partner locked):
    the statement, its licenses and the number of lines; None when it owns no license at the
    month's end (nothing to bill)."""
    start, end = month_bounds(month)
    terms = license_terms_at(partner_id=partner.pk, period_end=end)
    if not terms:
        return None
    statement = Statement(partner=partner, month=month, period_end=end, closed_at=closed_at)
    statement.full_clean(exclude=["partner"], validate_constraints=False)
    statement.save()
    licenses = StatementLicense.objects.bulk_create(
        [
            StatementLicense(
                statement=statement,
                license_id=t.license_id,
                tier=t.tier,
                currency=t.currency,
                seat_commitment=t.seat_commitment,
                allocated=0,  # set below, before the commit, from the lines
                price_per_user=t.price_per_user,
                amount=t.amount,
            )
            for t in terms.values()
        ]
    )
    by_license = {sl.license_id: sl for sl in licenses}
    allocated = dict.fromkeys(by_license, 0)
    adjustments = dict.fromkeys(by_license, Decimal(0))
    buffer: list[StatementLine] = []
    written = 0

    def flush() -> None:
        nonlocal buffer, written
        StatementLine.objects.bulk_create(buffer, batch_size=BATCH)
        written += len(buffer)
        buffer = []

    for line in month_end_lines(terms=terms, start=start, end=end):
        sl = by_license[line.license_id]
        if line.customer_id is not None:
            allocated[line.license_id] += line.users
        buffer.append(_line_row(line, statement=statement, sl=sl, price=sl.price_per_user))
        if len(buffer) >= BATCH:
            flush()
    for adjustment in _adjustments(
        partner_id=partner.pk, month=month, by_license=by_license, statement=statement
    ):
        adjustments[adjustment.statement_license.license_id] += adjustment.amount
        buffer.append(adjustment)
        if len(buffer) >= BATCH:
            flush()
    flush()
    # Inside the transaction that inserted them: no one ever sees these rows otherwise.
    for sl in licenses:
        sl.allocated, sl.adjustments = allocated[sl.license_id], adjustments[sl.license_id]
        StatementLicense.objects.filter(pk=sl.pk).update(
            allocated=sl.allocated, adjustments=sl.adjustments
        )
    return statement, licenses, written


def _statement_email(*, statement: Statement, licenses, site_url: str) -> None:
    """The statement's e-mail to the partner's ``roles.STATEMENT_EMAILS`` recipients (its
    Administrators and Bank Details Only members), each in its own language."""
    partner = statement.partner
    to = partner_member_emails(partner=partner, emails=roles.STATEMENT_EMAILS)
    if not to:
        return
    context = {
        "partner": partner,
        "statement": statement,
        "month": statement.month,
        "licenses": sorted(licenses, key=lambda sl: sl.tier),
        "totals": currency_totals(licenses),
        "url": site_url.rstrip("/") + statement_path(statement.month),
    }
    for language, addresses in languages.by_language(to, partner=partner).items():
        with translation.override(language):
            subject = render_to_string("emails/statement_closed_subject.txt", context).strip()
            body = render_to_string("emails/statement_closed.txt", context)
        email_enqueue(
            kind="statement",
            to=sorted(addresses),
            subject=subject,
            body=body,
            about=f"statement {statement.month:%Y-%m} of partner {partner.pk}",
        )


CLOSED, ALREADY_CLOSED, NOTHING_TO_BILL = "closed", "already closed", "nothing to bill"


def statement_close_partner(
    *, partner_id: int, month: dt.date, site_url: str = "", closed_at: dt.datetime | None = None
) -> tuple[str, int]:
    """Close ``month`` for one partner, once: its statement, e-mail and webhook event in one
    transaction. Returns what happened (``CLOSED``, ``ALREADY_CLOSED``, ``NOTHING_TO_BILL``) and
    the lines written."""
    with transaction.atomic():
        # A partner another run is closing right now is left to it (several machines share the
        # partners instead of queuing behind each other's locks, one partner apart).
        partner = Partner.objects.select_for_update(skip_locked=True).filter(pk=partner_id).first()
        if partner is None:
            return ALREADY_CLOSED, 0
        if Statement.objects.filter(partner=partner, month=month).exists():
            return ALREADY_CLOSED, 0
        written = _statement_write(
            partner=partner, month=month, closed_at=closed_at or timezone.now()
        )
        if written is None:
            return NOTHING_TO_BILL, 0
        statement, licenses, lines = written
        _statement_email(statement=statement, licenses=licenses, site_url=site_url)
        webhooks.statement_closed(statement=statement, licenses=licenses)
        return CLOSED, lines


def statements_close(
    *, month: dt.date | None = None, now: dt.datetime | None = None, site_url: str = ""
) -> CloseResult:
    """Close ``month`` (default: the previous month in the portal's time zone) for every partner
    that has not been closed yet; safe to run anywhere, any number of times.

    Refuses a month that has not ended (``MonthNotEnded``). One transaction per partner: one
    partner's failure is logged and reported, and the others are closed.
    """
    now = now or timezone.now()
    today = timezone.localtime(now, _zone()).date()
    month = (month or previous_month(today)).replace(day=1)
    _start, end = month_bounds(month)
    if end > now:
        raise MonthNotEnded(
            f"{month:%Y-%m} has not ended yet: it can be closed from {end:%Y-%m-%d %H:%M %Z}."
        )
    result = CloseResult(month=month)
    closed_already = set(Statement.objects.filter(month=month).values_list("partner_id", flat=True))
    for partner_id in Partner.objects.order_by("pk").values_list("pk", flat=True):
        if partner_id in closed_already:
            result.skipped += 1
            continue
        try:
            written = statement_close_partner(
                partner_id=partner_id, month=month, site_url=site_url, closed_at=now
            )
        except IntegrityError as error:
            if Statement.objects.filter(partner_id=partner_id, month=month).exists():
                result.skipped += 1  # written by another run meanwhile (the backstop)
                continue
            logger.exception("Closing %s for partner %s failed", f"{month:%Y-%m}", partner_id)
            result.failed[partner_id] = str(error)
            continue
        except Exception as error:  # noqa: BLE001 — one partner never blocks the others
            logger.exception("Closing %s for partner %s failed", f"{month:%Y-%m}", partner_id)
            result.failed[partner_id] = f"{type(error).__name__}: {error}"
            continue
        outcome, lines = written
        if outcome == ALREADY_CLOSED:
            result.skipped += 1
        elif outcome == NOTHING_TO_BILL:
            result.empty += 1
        else:
            result.closed.append(partner_id)
            result.lines += lines
    return result
