"""Cursor pages: stable under inserts, and as fast on page 1,000 as on page 1."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class CustomerCursorPagination(CursorPagination):
    """A license's customers in the requested order (``?ordering=``), the id breaking ties."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    # ?ordering= value → the order by (name_key and license_users come from the selector).
    ORDERINGS = {
        "legal_name": ("name_key", "id"),
        "-legal_name": ("-name_key", "-id"),
        "onboarded_at": ("onboarded_at", "id"),
        "-onboarded_at": ("-onboarded_at", "-id"),
        "users": ("license_users", "id"),
        "-users": ("-license_users", "-id"),
    }
    ordering = ORDERINGS["legal_name"]

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get("ordering", "legal_name")
        if value not in self.ORDERINGS:
            choices = ", ".join(self.ORDERINGS)
            raise exceptions.ValidationError({"ordering": [f"Order by one of: {choices}."]})
        return self.ORDERINGS[value]


class EventCursorPagination(CursorPagination):
    """History, newest first."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-at", "-id")


class OrderCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-submitted_at", "-id")
