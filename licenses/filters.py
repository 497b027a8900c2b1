"""Search and filters of the customer table on a license page (also used by its Excel export)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.fields import DateRangeField, RangeField
from django_filters.widgets import DateRangeWidget

from licenses.choices import AllocationEventKind, CustomerStatus, what_key
from licenses.models import AllocationEvent, CustomerAccount


def search_filter(*, placeholder: str) -> django_filters.CharFilter:
    """The search-as-you-type box of a table page; the FilterSet's ``search`` method applies it."""
    return django_filters.CharFilter(
        method="search",
        label=_("Search customers"),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": placeholder,
                "autocomplete": "off",
                "class": "form-control",
            }
        ),
    )


class CustomerAccountFilterSet(django_filters.FilterSet):
    """``q`` searches legal name, web site and admin e-mail; ``status`` defaults to active."""

    q = search_filter(placeholder=_("Search name, web site or admin e-mail"))
    status = django_filters.ChoiceFilter(
        choices=CustomerStatus.choices,
        empty_label=_("All statuses"),
        label=_("Status"),
        widget=forms.Select(attrs={"class": "form-select"}),
        # Shown next to the filter, and in the export, when a URL carries an unknown status.
        error_messages={
            "invalid_choice": _("“%(value)s” is not a status: choose one from the list.")
        },
    )

    class Meta:
        model = CustomerAccount
        fields = ["q", "status"]

    def __init__(self, data=None, *args, fields: Mapping[str, str] | None = None, **kwargs):
        # A first visit shows the active customers (offboarded ones are history); choosing
        # "All statuses" sends an empty status, which is respected.
        if data is None or "status" not in data:
            data = data.copy() if data is not None else {}
            data["status"] = CustomerStatus.ACTIVE
        super().__init__(data, *args, **kwargs)
        # ``fields``: what the queryset holds instead of a column (the license as of a date
        # annotates the legal name and status as they stood: licenses.history_as_of).
        self.field_of = dict(fields or {})
        self.filters["status"].field_name = self.field_of.get("status", "status")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Every word must appear in the legal name, the web site or the admin e-mail."""
        legal_name = self.field_of.get("legal_name", "legal_name")
        for word in value.split()[:8]:
            queryset = queryset.filter(
                Q(**{f"{legal_name}__icontains": word})
                | Q(website__icontains=word)
                | Q(admin_email__icontains=word)
            )
        return queryset

    @property
    def search_text(self) -> str:
        return (self.form.cleaned_data.get("q") or "").strip() if self.is_valid() else ""

    @property
    def error_text(self) -> str:
        """Why the filter is invalid, in a sentence or two ("" when it is valid)."""
        if self.is_valid():
            return ""
        return " ".join(str(message) for errors in self.form.errors.values() for message in errors)


class _DateRangeWidget(DateRangeWidget):
    """Two date pickers sent as ``date_from`` and ``date_to``."""

    suffixes = ["from", "to"]

    def __init__(self, attrs=None):
        date = {"type": "date", "class": "form-control"}
        super().__init__(attrs={**date, **(attrs or {})})


# The date filters read ISO dates only (what the date pickers send): a shared link's
# ``date_from=03/04/2026`` would otherwise be 3 April in French and 4 March in English.
ISO_DATE_FORMAT = "%Y-%m-%d"
# Translators: the date filter's error; French "AAAA-MM-JJ" (année, mois, jour).
ISO_DATE_ERROR = _("Enter a valid date in the form YYYY-MM-DD.")


class _IsoDateRangeField(DateRangeField):
    """A date range read in ISO (2026-04-03) only, whatever the reader's language."""

    def __init__(self, *args, **kwargs):
        fields = tuple(
            forms.DateField(
                input_formats=[ISO_DATE_FORMAT], error_messages={"invalid": ISO_DATE_ERROR}
            )
            for _half in range(2)
        )
        RangeField.__init__(self, fields, *args, **kwargs)


class _IsoDateFromToRangeFilter(django_filters.DateFromToRangeFilter):
    field_class = _IsoDateRangeField


class AllocationEventFilterSet(django_filters.FilterSet):
    """Filters of a history page: kind, what, who, a date range and (per license) customer name."""

    q = search_filter(placeholder=_("Search customer name…"))
    kind = django_filters.ChoiceFilter(
        choices=AllocationEventKind.choices,
        empty_label=_("All actions"),
        label=_("Action"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    what = django_filters.ChoiceFilter(
        choices=[],  # set per page: the figures that page can show
        empty_label=_("Everything"),
        label=_("What changed"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    actor = django_filters.CharFilter(
        method="by_actor",
        label=_("Changed by"),
        widget=forms.TextInput(
            attrs={"placeholder": _("Username"), "autocomplete": "off", "class": "form-control"}
        ),
    )
    date = _IsoDateFromToRangeFilter(field_name="at", label=_("Date"), widget=_DateRangeWidget())

    class Meta:
        model = AllocationEvent
        fields = ["q", "kind", "what", "actor", "date"]

    def __init__(
        self, data=None, *args, what_choices: Sequence[str] = (), search: bool = True, **kwargs
    ):
        super().__init__(data, *args, **kwargs)
        # The value is the stored (English) figure; the label is in the reader's language.
        self.filters["what"].extra["choices"] = [(what_key(label), label) for label in what_choices]
        if not search:
            # One customer's page: there is no customer to search for.
            del self.filters["q"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Every word must appear in the customer's legal name."""
        for word in value.split()[:8]:
            queryset = queryset.filter(customer__legal_name__icontains=word)
        return queryset

    def by_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Part of a username; "system" finds the changes made without a login (demo data)."""
        value = value.strip()
        if value.lower() in ("system", gettext("System").lower()):
            return queryset.filter(actor__isnull=True)
        return queryset.filter(actor__username__icontains=value) if value else queryset

    @property
    def is_filtered(self) -> bool:
        """Whether any filter has a value (the empty state then says so)."""
        keys = [*self.filters, "date_from", "date_to"]  # the range arrives as its two halves
        return any(str(self.data.get(key) or "").strip() for key in keys)
