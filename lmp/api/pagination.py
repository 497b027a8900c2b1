"""Cursor pages: stable under inserts, and as fast on page 1,000 as on page 1.

A ``page_size`` outside 1 to the maximum, or a cursor the API did not make, is a 400 problem on
that parameter (DRF's own pagination would ignore the first and answer the second with a 404,
or a 500 when the cursor's position is not of its ordering's type).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination

from licenses.tables import CustomerAccountTable

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


def _customer_orderings() -> dict[str, tuple[str, ...]]:
    """The license page's orders the API offers, by their ``?ordering=`` value.

    Each is the customer table's own (licenses.tables.CustomerAccountTable.orderings): its key,
    then the name A to Z and the id. A cursor's position is the row's value of the first key, so
    the orders by a related field (the sub-partner's name, which may be empty, and the tier of a
    Cloud license's customers) stay the page's: the row has no such value to resume from. The
    keys the API offers are never empty, so the page's "empty values last" changes nothing here.
    """
    orderings = {}
    for value, order in CustomerAccountTable.orderings().items():
        if "__" in order.field:
            continue
        name = value.lstrip("-")
        public = API_NAMES.get(name, name)
        orderings[f"-{public}" if value.startswith("-") else public] = order.fields()
    return orderings


# The API's name of a table column, where it differs (the users of this license: "users").
API_NAMES = {"license_users": "users"}


class CustomerCursorPagination(StrictCursorPagination):
    """A license's customers in the requested order (``?ordering=``), as the page sorts them."""

    page_size = 100
    max_page_size = 500
    # ?ordering= value → the order by (name_key and license_users come from the selector).
    ORDERINGS = _customer_orderings()
    ordering = ORDERINGS["legal_name"]

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get("ordering", "legal_name")
        if value not in self.ORDERINGS:
            choices = ", ".join(self.ORDERINGS)
            raise exceptions.ValidationError({"ordering": [f"Order by one of: {choices}."]})
        return self.ORDERINGS[value]


class EventCursorPagination(StrictCursorPagination):
    """History, newest first."""

    page_size = 100
    max_page_size = 500
    ordering = ("-at", "-id")


class OrderCursorPagination(StrictCursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("-submitted_at", "-id")
