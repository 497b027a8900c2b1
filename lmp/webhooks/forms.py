"""Forms of the webhooks pages (they clean input; the services save and check the URL)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lmp.webhooks.choices import EventType


class WebhookEndpointForm(forms.Form):
    """Add or edit an endpoint: URL, description, events as checkboxes, active."""

    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where LMP posts the events, e.g. https://psa.example.com/hooks/lmp."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
    active = forms.BooleanField(
        label=pgettext_lazy("webhook endpoint", "Active"),
        required=False,
        initial=True,
        help_text=_("Off: no new events are sent to it."),
    )
