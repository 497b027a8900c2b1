"""Forms of the webhooks pages (they clean input; the services save and check the URL)."""

from __future__ import annotations

from django import forms

from lmp.webhooks.choices import EventType


class WebhookEndpointForm(forms.Form):
    """Add or edit an endpoint: URL, description, events as checkboxes, active."""

    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where LMP posts the events, e.g. https://psa.example.com/hooks/lmp.",
    )
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    active = forms.BooleanField(
        required=False, initial=True, help_text="Off: no new events are sent to it."
    )
