"""A customer's Edit page driven with the test client, as ``Wizard`` drives the onboarding."""

from __future__ import annotations

from django.urls import reverse

from licenses.models import CustomerAccount, VolumeLicense


class EditPage:
    """The Edit page of ``customer`` reached from ``license``'s page (its own license by default).

    ``post`` sends a body as given (a field left out is not sent, as a script would); ``submit``
    sends what a user does: the form as the page shows it, with the ``typed`` values over it.
    """

    def __init__(self, client, customer: CustomerAccount, license: VolumeLicense | None = None):
        self.client = client
        self.customer = customer
        self.license_pk = license.pk if license is not None else customer.license_id

    @property
    def url(self) -> str:
        kwargs = {"license_pk": self.license_pk, "pk": self.customer.pk}
        return reverse("licenses:customer_edit", kwargs=kwargs)

    def get(self, **kwargs):
        return self.client.get(self.url, **kwargs)

    def shown(self) -> dict[str, str]:
        """The values the page's form holds now, as its inputs would send them."""
        form = self.get().context["form"]
        return {
            name: "" if (value := form[name].value()) is None else str(value)
            for name in form.fields
        }

    def post(self, data: dict | None = None, *, follow: bool = False, **headers):
        """POST ``data`` as is to the page."""
        return self.client.post(self.url, data or {}, follow=follow, **headers)

    def submit(self, *, follow: bool = False, **typed):
        """The form as the page shows it, ``typed`` over it, sent."""
        return self.post({**self.shown(), **typed}, follow=follow)
