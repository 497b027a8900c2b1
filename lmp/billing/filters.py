"""Search of a statement's lines (its page; the downloads hold every line)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from licenses.filters import search_filter
from lmp.billing.models import StatementLine


class StatementLineFilterSet(django_filters.FilterSet):
    """``q``: words of the customer's legal name (as it was at the month's end)."""

    q = search_filter(placeholder=_("Search legal name"))

    class Meta:
        model = StatementLine
        fields = ["q"]

    @property
    def search_text(self) -> str:
        return (self.form.cleaned_data.get("q") or "").strip() if self.is_valid() else ""

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(legal_name__icontains=word)
        return queryset
