"""What the database holds and where the page shows an error: the bad-input checks' two probes."""

from __future__ import annotations

import re

from django.apps import apps
from django.utils.html import escape

# A wizard run's answers so far: working state of one tab, like the session it used to live in
# (a step with errors keeps what was typed there on purpose), not data of the portal.
WORKING_STATE = {"onboarding.OnboardingDraft"}


def db_state() -> dict[str, list[dict]]:
    """Every row of the domain apps (partners, licenses, onboarding, shipping), by model."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for label in ("partners", "licenses", "onboarding", "shipping")
        for model in apps.get_app_config(label).get_models()
        if model._meta.label not in WORKING_STATE
    }


def error_next_to(text: str, html_name: str, message: str) -> bool:
    """``message`` is shown after the control named ``html_name`` and before any other control."""
    controls = [m.start() for m in re.finditer(rf'name="{re.escape(html_name)}"', text)]
    if not controls:
        return False
    start = controls[-1]
    found = text.find(escape(message), start)
    if found < 0:
        return False
    between = re.findall(r'name="([^"]+)"', text[start:found])
    return set(between) <= {html_name}
