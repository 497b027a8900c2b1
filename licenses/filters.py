"""Search and filters of the customer table on a license page (also used by its Excel export)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from licenses.choices import CustomerStatus
from licenses.models import CustomerAccount


class CustomerAccountFilterSet(django_filters.FilterSet):
    """``q`` searches legal name, web site and admin e-mail; ``status`` defaults to active."""

    q = django_filters.CharFilter(
        method="search",
        label="Search customers",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Search name, web site or admin e-mail",
                "autocomplete": "off",
                "class": "form-control",
            }
        ),
    )
    status = django_filters.ChoiceFilter(
        choices=CustomerStatus.choices,
        empty_label="All statuses",
        label="Status",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    class Meta:
        model = CustomerAccount
        fields = ["q", "status"]

    def __init__(self, data=None, *args, **kwargs):
        # A first visit shows the active customers (offboarded ones are history); choosing
        # "All statuses" sends an empty status, which is respected.
        if data is None or "status" not in data:
            data = data.copy() if data is not None else {}
            data["status"] = CustomerStatus.ACTIVE
        super().__init__(data, *args, **kwargs)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Every word must appear in the legal name, the web site or the admin e-mail."""
        for word in value.split()[:8]:
            queryset = queryset.filter(
                Q(legal_name__icontains=word)
                | Q(website__icontains=word)
                | Q(admin_email__icontains=word)
            )
        return queryset

    @property
    def search_text(self) -> str:
        return (self.form.cleaned_data.get("q") or "").strip() if self.is_valid() else ""
