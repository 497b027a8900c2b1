"""The steps of the Customer Onboarding wizard.

Each step's form gets what it depends on (the license, the run's appliances, ...) from the
wizard's ``get_form_kwargs`` and returns cleaned values only; the wizard run keeps them
(``onboarding.wizard``) and builds the one ``OnboardingOrder`` the submit service checks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from licenses import policy
from licenses.choices import DeploymentSolution, HostingRegion
from licenses.contact import admin_email_field, website_field
from licenses.forms import SeatCountsFormMixin
from licenses.models import VolumeLicense
from licenses.services import legal_name_check
from lmp.core.l10n import count
from lmp.partners import languages
from lmp.partners.models import Partner
from onboarding.choices import IncidentAnswer, ShipTo
from shipping.choices import Country
from shipping.models import Address, Appliance
from shipping.services import ADDRESS_FIELDS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from onboarding.wizard import ApplianceUnit

# The shipping step's address sources (``ShippingForm.source``); a saved one is ``saved-<id>``.
PREVIOUS_ADDRESS, DEFAULT_ADDRESS, NEW_ADDRESS = "previous", "default", "new"


@dataclass(frozen=True)
class AddressSource:
    """One choice of "Address for this appliance": its title, the address it shows, and the
    values an entry keeps (None: the partner's default address, as the submit service reads it).
    """

    title: str
    address: Address | None
    values: dict | None

    @property
    def choice_label(self) -> str:
        if self.address is None:
            return self.title
        # Translators: an address choice: its title, then the address on one line.
        return _("%(title)s: %(address)s") % {"title": self.title, "address": self.address}


def address_values(address: Address) -> dict:
    """An address as the fields a wizard entry keeps."""
    return {name: getattr(address, name) for name in ADDRESS_FIELDS}


# More sensors than this on one order is a project for the vendor's sales engineers, not a form.
MAX_ADDITIONAL_SENSORS = 25


def _helper(*layout) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


class IncidentForm(forms.Form):
    """Step 1: the breach / incident gate."""

    incident = forms.ChoiceField(
        label=gettext_lazy("Is this customer currently experiencing a breach or incident?"),
        choices=IncidentAnswer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Answer the incident question to continue.")},
    )


class CustomerDetailsForm(SeatCountsFormMixin):
    """Step 2: the customer, and the users it takes from the license's pools.

    The user counts, their limits and what each pool can give come from the seat policy through
    ``SeatCountsFormMixin`` (the Edit page and the admin use the same); a new customer holds
    nothing yet.
    """

    legal_name = forms.CharField(
        label=gettext_lazy("Customer Legal Name"),
        max_length=200,
        help_text=gettext_lazy(
            "Their legal name: it becomes the account name in the MDR Portal, LMP and elsewhere."
        ),
    )
    website = website_field(help_text=gettext_lazy("Optional — helps us verify the customer."))
    sub_partner = forms.ModelChoiceField(
        label=gettext_lazy("Sub-Partner"),
        queryset=Partner.objects.none(),
        required=False,
        empty_label=gettext_lazy("None (most customers)"),
        help_text=gettext_lazy(
            "Only if you share this license with another partner account. If unsure, leave it "
            "empty."
        ),
    )
    admin_email = admin_email_field(
        help_text=gettext_lazy(
            "The customer's first MDR Portal administrator and onboarding contact; they receive "
            "an invitation."
        ),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Customer language"),
        choices=settings.LANGUAGES,
        help_text=gettext_lazy(
            "Their MDR Portal administrator's welcome e-mail is written in this language."
        ),
        error_messages={"required": gettext_lazy("Choose the customer's language.")},
    )

    field_order = [
        "legal_name",
        "website",
        "sub_partner",
        "admin_email",
        "language",
        policy.TIER_USERS,
        policy.CLOUD_USERS,
        policy.SAT_USERS,
    ]

    def __init__(
        self,
        *args,
        license: VolumeLicense,
        partner: Partner,
        cloud_license: VolumeLicense | None,
        **kwargs,
    ) -> None:
        super().__init__(*args, license=license, cloud_license=cloud_license, **kwargs)
        self.partner = partner
        available = policy.allowance(license=license).available  # a new customer holds none
        self.fields[policy.TIER_USERS].help_text = _(
            "Taken from this license's Users Available (%(count)s)."
        ) % {"count": count(available)}
        # The page's language unless the partner chooses the customer's.
        self.fields["language"].initial = languages.supported(get_language()) or languages.DEFAULT
        # A sub-partner onboarding on a shared license is itself the customer's sub-partner.
        sub_partners = license.sub_partners.order_by("name")
        if license.partner_id != partner.pk or not sub_partners.exists():
            del self.fields["sub_partner"]
        else:
            self.fields["sub_partner"].queryset = sub_partners
        self.helper = _helper(
            Field("legal_name", autocomplete="organization", data_autofocus="1"),
            Row(
                Column(Field("website", placeholder="https://example.com"), css_class="col-md-6"),
                Column(Field("admin_email", autocomplete="email"), css_class="col-md-6"),
            ),
            Row(Column("language", css_class="col-md-6")),
            *(["sub_partner"] if "sub_partner" in self.fields else []),
            Row(
                *[
                    Column(name, css_class="col-md-4")
                    for name in (policy.TIER_USERS, policy.CLOUD_USERS, policy.SAT_USERS)
                    if name in self.fields
                ],
                css_class="users-row",
            ),
        )

    def clean(self) -> dict:
        data = super().clean()
        data.setdefault("sub_partner", None)
        if "legal_name" in data:
            # The customers' rule, as the service will apply it at submit, shown on the field:
            # unique among the customers of the partner that will manage this one (a sub-partner
            # onboarding on a shared license manages it itself).
            own = self.license.partner_id == self.partner.pk
            manager = data["sub_partner"] if own else self.partner
            try:
                data["legal_name"] = legal_name_check(
                    partner=self.license.partner_id,
                    sub_partner=manager,
                    legal_name=data["legal_name"],
                    exclude_pk=None,
                )
            except ValidationError as error:
                self.add_error("legal_name", error.messages)
        return data


class DeploymentForm(forms.Form):
    """Step 3: fully virtual (with a hosting region) or network sensors from the catalogue."""

    deployment = forms.ChoiceField(
        label=gettext_lazy("Deployment solution"),
        choices=DeploymentSolution.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a deployment solution.")},
    )
    hosting_region = forms.ChoiceField(
        label=gettext_lazy("Hosting region"),
        choices=[("", gettext_lazy("Choose a region…")), *HostingRegion.choices],
        required=False,
    )
    primary_appliance = forms.ModelChoiceField(
        label=gettext_lazy("Primary appliance"),
        queryset=Appliance.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("Choose an appliance from the catalogue.")},
    )

    def __init__(self, *args, catalogue, tier_users: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tier_users = tier_users
        self.appliances = list(catalogue)
        self.fields["primary_appliance"].queryset = catalogue
        for appliance in self.appliances:
            self.fields[self.additional_name(appliance)] = forms.IntegerField(
                label=appliance.name,
                min_value=0,
                max_value=MAX_ADDITIONAL_SENSORS,
                required=False,
                initial=0,
            )

    @staticmethod
    def additional_name(appliance: Appliance) -> str:
        return f"additional_{appliance.pk}"

    @property
    def additional_fields(self) -> list[tuple[Appliance, forms.BoundField]]:
        return [(a, self[self.additional_name(a)]) for a in self.appliances]

    @property
    def recommend_virtual(self) -> bool:
        return self.tier_users is not None and self.tier_users < 10

    def clean(self) -> dict:
        data = super().clean()
        deployment = data.get("deployment")
        counts = {a.pk: data.get(self.additional_name(a)) or 0 for a in self.appliances}
        if deployment == DeploymentSolution.VIRTUAL:
            if not data.get("hosting_region"):
                self.add_error("hosting_region", _("Choose the hosting region."))
            data["primary_appliance"] = None
            counts = dict.fromkeys(counts, 0)
        elif deployment == DeploymentSolution.NETWORK_SENSORS:
            data["hosting_region"] = ""
            if data.get("primary_appliance") is None and "primary_appliance" not in self.errors:
                self.add_error("primary_appliance", _("Choose the primary appliance."))
            if sum(counts.values()) > MAX_ADDITIONAL_SENSORS:
                raise ValidationError(
                    _(
                        "Order at most %(count)s additional network sensors here; contact us for "
                        "larger deployments."
                    )
                    % {"count": count(MAX_ADDITIONAL_SENSORS)}
                )
        data["additional_counts"] = {pk: n for pk, n in counts.items() if n}
        return data


class ShippingForm(forms.Form):
    """Step 4: where each appliance goes.

    ``units`` are the order's appliances, each with a stable id (see ``onboarding.wizard``);
    ``entries`` is the per-appliance address list the wizard keeps between requests, keyed by
    those ids: ``[{"unit": "additional-7-1", "address": {...}}, ...]``. With ``adding`` set (the
    "Add" button), only the address fields and the appliance it is for are checked.
    """

    ship_to = forms.ChoiceField(
        label=gettext_lazy("Ship the appliances to"),
        choices=ShipTo.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose where to ship the appliances.")},
    )
    unit = forms.ChoiceField(
        label=gettext_lazy("Which appliance is this address for?"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose one of this order's appliances that has no address yet."
            )
        },
    )
    # Where the appliance's address comes from: the one added last, the partner's default, one it
    # shipped to before, or the fields below. Empty is "new", as the step posted before the choice.
    source = forms.ChoiceField(
        label=gettext_lazy("Address for this appliance"),
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose one of the addresses offered, or “A new address”."
            )
        },
    )

    def __init__(
        self,
        *args,
        units: list[ApplianceUnit],
        default_address: Address | None,
        entries: list[dict],
        adding: bool = False,
        saved_addresses: Sequence[Address] = (),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        self.default_address = default_address
        self.adding = adding
        keys = {unit.key for unit in units}
        # Entries for appliances dropped on the deployment step since are forgotten.
        self.entries = [e for e in entries if e.get("unit") in keys]
        self.sources = self._sources(saved_addresses)
        self.fields["source"].choices = [(key, s.choice_label) for key, s in self.sources.items()]
        self.fields["source"].initial = NEW_ADDRESS
        # The fields an address needs are marked required and say "This field is required.", but
        # are only checked when this submit ships to a typed address (see full_clean).
        self.fields.update(forms.fields_for_model(Address, fields=ADDRESS_FIELDS))
        self.address_required = [n for n in ADDRESS_FIELDS if self.fields[n].required]
        self.fields["country"].initial = Country.CANADA
        self.fields["country"].choices = Country.choices
        choices = list(ShipTo.choices)
        if default_address is None:
            choices = [c for c in choices if c[0] != ShipTo.DEFAULT]
        if len(units) < 2:
            choices = [c for c in choices if c[0] != ShipTo.PER_APPLIANCE]
        self.fields["ship_to"].choices = choices
        taken = {e["unit"] for e in self.entries}
        self.fields["unit"].choices = [("", _("Choose the appliance…"))] + [
            (u.key, u.label) for u in units if u.key not in taken
        ]
        # The next appliance without an address is the one a partner adds next.
        self.fields["unit"].initial = next((u.key for u in units if u.key not in taken), "")

    def _sources(self, saved_addresses: Sequence[Address]) -> dict[str, AddressSource]:
        """The addresses an appliance can take without typing, then "A new address"."""
        sources: dict[str, AddressSource] = {}
        if self.entries:
            last = self.entries[-1]
            unit = self.units_by_key[last["unit"]]
            shown = self._entry_address(last["address"])
            sources[PREVIOUS_ADDRESS] = AddressSource(
                _("Same as the previous appliance (%(unit)s)") % {"unit": unit.title},
                shown,
                last["address"],
            )
        default_values = None
        if self.default_address is not None:
            default_values = address_values(self.default_address)
            sources[DEFAULT_ADDRESS] = AddressSource(
                _("Our default address"), self.default_address, None
            )
        for address in saved_addresses:
            values = address_values(address)
            if values == default_values:
                continue
            sources[f"saved-{address.pk}"] = AddressSource(
                address.label or _("An address you shipped to before"), address, values
            )
        sources[NEW_ADDRESS] = AddressSource(_("A new address"), None, None)
        return sources

    def _entry_address(self, values: dict | None) -> Address | None:
        """An entry's address to show: None stands for the partner's default address."""
        return self.default_address if values is None else Address(**values)

    @property
    def source_rows(self) -> list[dict]:
        """The source radios with the address each one stands for (the template's cards)."""
        return [
            {"radio": radio, "source": self.sources[radio.data["value"]]}
            for radio in self["source"]
        ]

    @property
    def typing_new(self) -> bool:
        """Whether this Add posts a typed address (the field's empty value is "new")."""
        return self.data.get(self.add_prefix("source"), "") in ("", NEW_ADDRESS)

    def full_clean(self) -> None:
        ship_to = self.data.get(self.add_prefix("ship_to"))
        typed = (self.adding and self.typing_new) or ship_to == ShipTo.CUSTOM
        for name in self.address_required:
            self.fields[name].required = typed
        super().full_clean()
        for name in self.address_required:
            self.fields[name].required = True

    @property
    def units_by_key(self) -> dict[str, ApplianceUnit]:
        return {unit.key: unit for unit in self.units}

    @property
    def entry_rows(self) -> list[dict]:
        """The address list beside the form, in appliance order."""
        by_unit = {e["unit"]: e["address"] for e in self.entries}
        rows = []
        for unit in self.units:
            if unit.key in by_unit:
                address = self._entry_address(by_unit[unit.key])
                rows.append({"unit": unit, "address": address})
        return rows

    @property
    def missing_units(self) -> list[ApplianceUnit]:
        taken = {e["unit"] for e in self.entries}
        return [u for u in self.units if u.key not in taken]

    def address_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ADDRESS_FIELDS]

    def _clean_address(self) -> dict | None:
        """The typed address checked like a saved one (postal code per country), or None."""
        values = {name: self.cleaned_data.get(name) or "" for name in ADDRESS_FIELDS}
        address = Address(**values)
        # A field that already has its error (e.g. "This field is required.") is not re-checked.
        refused = [name for name in ADDRESS_FIELDS if name in self.errors]
        try:
            # The partner is set when the order is saved; nothing here needs the database.
            address.full_clean(
                exclude=["partner", *refused], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
            return None
        if refused:
            return None
        return {name: getattr(address, name) for name in ADDRESS_FIELDS}

    def clean(self) -> dict:
        data = super().clean()
        if not self.units:
            raise ValidationError(_("Choose the appliances on the deployment step first."))
        if self.adding:
            return self._clean_add(data)
        ship_to = data.get("ship_to")
        assignments: dict[str, dict | None] = {}
        if ship_to == ShipTo.DEFAULT:
            assignments = dict.fromkeys(self.units_by_key)
        elif ship_to == ShipTo.CUSTOM:
            address = self._clean_address()
            if address is not None:
                assignments = dict.fromkeys(self.units_by_key, address)
        elif ship_to == ShipTo.PER_APPLIANCE:
            missing = self.missing_units
            if missing:
                names = ", ".join(u.label for u in missing)
                raise ValidationError(
                    _("Every appliance needs an address. Add one for: %(appliances)s.")
                    % {"appliances": names}
                )
            assignments = {e["unit"]: e["address"] for e in self.entries}
        data["assignments"] = assignments
        return data

    def _clean_add(self, data: dict) -> dict:
        # The field's choices are the appliances without an address, so a second address for
        # one appliance (or another order's) is refused there.
        if not data.get("unit") and "unit" not in self.errors:
            self.add_error("unit", _("Choose the appliance this address is for."))
        if "source" in self.errors:
            return data
        source = data.get("source") or NEW_ADDRESS
        if source == NEW_ADDRESS:
            data["address"] = self._clean_address()
            return data
        typed = [
            n
            for n in ADDRESS_FIELDS
            if n != "country" and (self.data.get(self.add_prefix(n)) or "").strip()
        ]
        if typed:
            # Without JavaScript the fields show beside every choice: typing is not dropped.
            self.add_error(
                "source", _("You typed an address: choose “A new address” to use it, or clear it.")
            )
            return data
        data["address"] = self.sources[source].values
        return data


class ReviewForm(forms.Form):
    """Step 5: confirm and submit."""

    confirm = forms.BooleanField(
        label=gettext_lazy("I confirm that the information above is accurate."),
        error_messages={
            "required": gettext_lazy("Tick the box to confirm that the information is accurate.")
        },
    )
