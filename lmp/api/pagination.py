"""Cursor pages: stable under inserts, and as fast on page 1,000 as on page 1.

A ``page_size`` outside 1 to the maximum, or a cursor the API did not make, is a 400 problem on
that parameter (DRF's own pagination would ignore the first and answer the second with a 404,
or a 500 when the cursor's position is not of its ordering's type).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Field, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.utils.urls import replace_query_param

from licenses.tables import CustomerAccountTable, CustomerOrder

INVALID_CURSOR = gettext_lazy("This cursor is not valid: use the next or previous link of a page.")


class StrictCursorPagination(CursorPagination):
    """DRF's cursor pages, refusing (400) what they would ignore or fail on."""

    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            message = _("A page has 1 to %(most)d results (a whole number).") % {
                "most": self.max_page_size
            }
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        self.positions = queryset  # what a cursor's position is checked against
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """The cursor, or a 400 unless it was made by this API for this ordering."""
        invalid = exceptions.ValidationError({self.cursor_query_param: [INVALID_CURSOR]})
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise invalid from None
        if cursor is None or cursor.position is None:
            return cursor
        if "\x00" in cursor.position:  # PostgreSQL takes no NUL in a text parameter
            raise invalid
        # The position is compared with the ordering's first field: a text where a number or a
        # date is expected fails when the filter is built, before any query.
        try:
            self.positions.filter(**{f"{self.ordering[0].lstrip('-')}__gt": cursor.position})
        except (ValueError, TypeError, DjangoValidationError):
            raise invalid from None
        return cursor

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(
                    minimum=1, maximum=self.max_page_size, default=self.page_size
                )
                parameter["description"] = (
                    f"Results per page: 1 to {self.max_page_size} ({self.page_size} by default)."
                )
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "The position of a page: from a page's next or previous link, never made "
                    "by hand."
                )
        return parameters


def _customer_orderings() -> dict[str, CustomerOrder]:
    """The license page's orders the API offers, by their ``?ordering=`` value.

    Each is the customer table's own (licenses.tables.CustomerAccountTable.orderings): its key,
    then the name A to Z and the id, empty values last. A cursor holds the last row's value of
    every field of the order, so the orders by a related field (the sub-partner's name and the
    tier of a Cloud license's customers) are left out: the row the page serves has no such value.
    """
    orderings = {}
    for value, order in CustomerAccountTable.orderings().items():
        if "__" in order.field:
            continue
        name = value.lstrip("-")
        public = API_NAMES.get(name, name)
        orderings[f"-{public}" if value.startswith("-") else public] = order
    return orderings


# The API's name of a table column, where it differs (the users of this license: "users").
API_NAMES = {"license_users": "users"}


class CustomerCursorPagination(StrictCursorPagination):
    """A license's customers in the requested order (``?ordering=``), as the page sorts them.

    A keyset cursor: it holds the last (or first) row's value of every field of the order, and
    the next page is the rows after it in that whole order. DRF's cursor holds the first field's
    value and an offset into its ties, capped at 1,000 (``offset_cutoff``): a status or a count
    that 1,200 customers share would serve the same page forever.
    """

    page_size = 100
    max_page_size = 500
    # ?ordering= value → the table's order (name_key and license_users come from the selector).
    ORDERINGS = _customer_orderings()
    ordering = ORDERINGS["legal_name"].fields()

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get("ordering", "legal_name")
        if value not in self.ORDERINGS:
            choices = ", ".join(self.ORDERINGS)
            raise exceptions.ValidationError(
                {"ordering": [_("Order by one of: %(choices)s.") % {"choices": choices}]}
            )
        self.order = self.ORDERINGS[value]
        self.ordering_value = value
        return self.order.fields()

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.keys = [_Key.of(queryset, field) for field in self.ordering]
        position, self.reverse = self.decode_cursor(request)
        queryset = queryset.order_by(*self._order_by(reverse=self.reverse))
        if position is not None:
            queryset = queryset.filter(self._after(position, reverse=self.reverse))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if self.reverse:
            self.page.reverse()
        # A page reached going forward has rows before it (and one reached back, rows after).
        self.has_next = more if not self.reverse else position is not None
        self.has_previous = more if self.reverse else position is not None
        return self.page

    def _order_by(self, *, reverse: bool) -> list:
        """The order (``reverse``: backwards, empty values first), each field explicit."""
        order = []
        for key in self.keys:
            down = key.descending != reverse
            expression = F(key.name)
            nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
            order.append(expression.desc(**nulls) if down else expression.asc(**nulls))
        return order

    def _after(self, position: list, *, reverse: bool) -> Q:
        """The rows after ``position`` in the order (``reverse``: before it), empty values last.

        (a, b, c) after (x, y, z): a after x, or a = x and b after y, or a = x, b = y and c
        after z; a field after an empty value is never, and any value is before an empty one.
        """
        after, equal = Q(pk__in=[]), Q()  # nothing yet; every row
        for key, value in zip(self.keys, position, strict=True):
            empty = Q(**{f"{key.name}__isnull": True})
            if value is None:
                # Going forward nothing follows an empty value; going back every value precedes it.
                beyond = ~empty if reverse else Q(pk__in=[])
                after |= equal & beyond
                equal &= empty
                continue
            down = key.descending != reverse
            beyond = Q(**{f"{key.name}__{'lt' if down else 'gt'}": value})
            if not reverse:
                beyond |= empty
            after |= equal & beyond
            equal &= Q(**{key.name: value})
        return after

    def encode_cursor(self, cursor) -> str:
        payload = {"o": self.ordering_value, "p": cursor.position, "r": int(cursor.reverse)}
        token = signing.dumps(payload, salt=CURSOR_SALT, compress=True)
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def decode_cursor(self, request) -> tuple[list | None, bool]:
        """The cursor's position and direction, or a 400 unless this API made it for this order."""
        token = request.query_params.get(self.cursor_query_param)
        if not token:  # absent, or sent empty (as DRF's other pages take it): the first page
            return None, False
        invalid = exceptions.ValidationError({self.cursor_query_param: [INVALID_CURSOR]})
        try:
            payload = signing.loads(token, salt=CURSOR_SALT)
        except signing.BadSignature:
            raise invalid from None
        if payload.get("o") != self.ordering_value:  # another order's cursor
            raise invalid
        try:
            position = [
                key.parse(value) for key, value in zip(self.keys, payload["p"], strict=True)
            ]
        except (ValueError, TypeError, DjangoValidationError):
            raise invalid from None
        return position, bool(payload["r"])

    def _cursor(self, row, *, reverse: bool) -> str:
        """The link to the rows after ``row`` (``reverse``: before it)."""
        position = [key.dump(row) for key in self.keys]
        return self.encode_cursor(Cursor(offset=0, reverse=reverse, position=position))

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        return self._cursor(self.page[-1], reverse=False)

    def get_previous_link(self) -> str | None:
        if not self.has_previous or not self.page:
            return None
        return self._cursor(self.page[0], reverse=True)


# Cursors are signed: a cursor the API did not make is refused before any query.
CURSOR_SALT = "lmp.api.pagination.CustomerCursorPagination"


@dataclass(frozen=True)
class _Key:
    """One field of a keyset order: its name, direction and model field (to read a cursor)."""

    name: str
    descending: bool
    field: Field

    @classmethod
    def of(cls, queryset, ordering: str) -> _Key:
        name = ordering.lstrip("-")
        if name in queryset.query.annotations:
            field = queryset.query.annotations[name].output_field
        else:
            field = (
                queryset.model._meta.pk if name == "pk" else queryset.model._meta.get_field(name)
            )
        return cls(name, ordering.startswith("-"), field)

    def dump(self, row) -> object:
        """The row's value of this field, as JSON holds it."""
        value = getattr(row, self.name)
        return value.isoformat() if hasattr(value, "isoformat") else value

    def parse(self, value) -> object:
        """A cursor's value of this field, as the database compares it."""
        if value is None:
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise TypeError(value)
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL takes no NUL in a text
            raise ValueError(value)
        return self.field.to_python(value)


class EventCursorPagination(StrictCursorPagination):
    """History, newest first."""

    page_size = 100
    max_page_size = 500
    ordering = ("-at", "-id")


class OrderCursorPagination(StrictCursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("-submitted_at", "-id")


class StatementCursorPagination(StrictCursorPagination):
    """Statements, newest month first (a partner has one per month)."""

    page_size = 24
    max_page_size = 120
    ordering = ("-month",)


class StatementLineCursorPagination(StrictCursorPagination):
    """A statement's lines in the order they were written (by id)."""

    page_size = 500
    max_page_size = 1000
    ordering = ("id",)
