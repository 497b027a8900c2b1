"""Forms of the license pages; the seat rules they check come from ``licenses.policy``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from licenses import policy
from licenses.choices import ThresholdUnit
from licenses.contact import admin_email_field, website_field
from licenses.filters import ISO_DATE_ERROR, ISO_DATE_FORMAT
from licenses.models import CustomerAccount, VolumeLicense
from lmp.core.l10n import count

# A count written in the reader's language when shown (for messages set at import).
lazy_count = lazy(count, str)


class CountField(forms.IntegerField):
    """A whole number of users; its limits and their messages come from the policy."""

    widget = forms.NumberInput

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "step": "1", "class": "form-control count-input"})
        return attrs


@dataclass(frozen=True)
class Holdings:
    """What a customer holds now: its tier, MDR Cloud and Beauceron SAT users (0 when new)."""

    tier_users: int = 0
    cloud_users: int = 0
    sat_users: int = 0


NOTHING = Holdings()


def holdings_of(customer: CustomerAccount) -> Holdings:
    """A customer's counts as the customer selectors annotate them (``customer_table``).

    Nothing is read here: a customer without those annotations is taken to hold nothing.
    """
    return Holdings(
        tier_users=getattr(customer, "tier_users", 0) or 0,
        cloud_users=getattr(customer, "cloud_users", 0) or 0,
        sat_users=getattr(customer, "sat_users", 0) or 0,
    )


@dataclass(frozen=True)
class PoolBox:
    """One "remaining users" box of a page: a pool, the input it follows, and the figures."""

    license: VolumeLicense
    input_id: str
    allowance: policy.Allowance
    remaining: int
    is_own: bool = True  # the page's partner owns the pool (only the owner sees its commitment)

    @property
    def data_attrs(self) -> dict[str, str]:
        return {"data-seats-input": self.input_id, **self.allowance.data_attrs()}


class SeatCountsFormMixin(forms.Form):
    """The user counts of one customer on one license: fields, limits and messages per the policy.

    Keyword arguments: ``license`` (the customer's own pool), ``cloud_license`` (its partner's
    MDR Cloud pool, or None) and ``holdings`` (what the customer holds now; ``NOTHING`` when it
    is being onboarded). Fields the tier does not have are removed. ``clean`` checks the counts
    and that each fits its pool as last read (unallocated + held); the service checks again under
    the pool's lock. ``pool_boxes()`` gives the page what ``static/js/seats.js`` reads.
    """

    # No min_value/max_value: the policy's messages ("... must be at least 1.") are the ones shown.
    tier_users = CountField(label=_("Users"))
    cloud_users = CountField(label=policy.CLOUD_USERS_LABEL, required=False, initial=0)
    sat_users = CountField(label=policy.SAT_COUNT.label, required=False, initial=0)

    def __init__(
        self,
        *args,
        license: VolumeLicense,
        cloud_license: VolumeLicense | None,
        holdings: Holdings = NOTHING,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.license, self.cloud_license, self.holdings = license, cloud_license, holdings
        self.counts = {
            count.field: count
            for count in policy.count_fields(tier=license.tier, has_cloud=cloud_license is not None)
        }
        for name in (policy.TIER_USERS, policy.CLOUD_USERS, policy.SAT_USERS):
            if name not in self.counts:
                self.fields.pop(name, None)
                continue
            count, field = self.counts[name], self.fields[name]
            field.label, field.help_text = count.label, count.help_text
            field.widget.attrs.update({"min": count.minimum, "max": count.maximum})
            if name == policy.SAT_USERS and policy.TIER_USERS in self.fields:
                # seats.js marks SAT users above the tier users as they are typed.
                field.widget.attrs["data-seats-max-from"] = self._input_id(policy.TIER_USERS)
        self.allowances = {policy.TIER_USERS: self._allowance(license, policy.TIER_USERS)}
        if policy.CLOUD_USERS in self.counts:
            self.allowances[policy.CLOUD_USERS] = self._allowance(cloud_license, policy.CLOUD_USERS)

    def _input_id(self, name: str) -> str:
        """The id ``BoundField.auto_id`` gives a field's input.

        Worked out here rather than through ``self[name]``: a BoundField copies its field's label
        and help text when first made, so making one in ``__init__`` would hide what a subclass
        sets on the field afterwards (the wizard's "Users Available" help text).
        """
        html_name = self.add_prefix(name)
        if self.auto_id and "%s" in str(self.auto_id):
            return self.auto_id % html_name
        return html_name if self.auto_id else ""

    def _allowance(self, license: VolumeLicense, field: str) -> policy.Allowance:
        return policy.allowance(license=license, held=getattr(self.holdings, field), field=field)

    def _count(self, name: str) -> int:
        value = self.cleaned_data.get(name)
        if value is None and not self.fields[name].required:
            return 0  # left empty: none
        try:
            return policy.count_check(value, count=self.counts[name])
        except ValidationError as error:
            raise ValidationError(error.messages) from error

    def clean_tier_users(self) -> int:
        return self._count(policy.TIER_USERS)

    def clean_cloud_users(self) -> int:
        return self._count(policy.CLOUD_USERS)

    def clean_sat_users(self) -> int:
        return self._count(policy.SAT_USERS)

    def clean(self) -> dict:
        cleaned = super().clean()
        tier_users = cleaned.get(policy.TIER_USERS)
        # A count this form has no field for is 0 (a Core customer has no SAT users).
        for name in (policy.CLOUD_USERS, policy.SAT_USERS):
            if name not in self.fields:
                cleaned[name] = 0
        checks = []
        if tier_users is not None and policy.SAT_USERS not in self.errors:
            checks.append(
                lambda: policy.sat_check(
                    tier=self.license.tier,
                    tier_users=tier_users,
                    sat_users=cleaned[policy.SAT_USERS],
                )
            )
        for name, allowance in self.allowances.items():
            if cleaned.get(name) is not None and name not in self.errors:
                checks.append(lambda allowance=allowance, name=name: allowance.check(cleaned[name]))
        for check in checks:  # each rule on its own field, all of them at once
            try:
                check()
            except ValidationError as error:
                self.add_service_error(error)
        return cleaned

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError next to the fields it names (else above the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            target = field if field in self.fields and field != NON_FIELD_ERRORS else None
            self.add_error(target, errors)

    def pool_boxes(self, *, partner=None) -> list[PoolBox]:
        """The remaining-users boxes: each pool, what the customer may have, and what is left."""
        boxes = []
        for name, allowance in self.allowances.items():
            held = getattr(self.holdings, name)
            typed = self[name].value() if self.is_bound else held
            try:
                wanted = int(str(typed).strip())
            except (TypeError, ValueError):
                wanted = held  # nothing usable typed: as it stands
            license = self.license if name == policy.TIER_USERS else self.cloud_license
            boxes.append(
                PoolBox(
                    license=license,
                    input_id=self[name].auto_id,
                    allowance=allowance,
                    remaining=allowance.remaining(wanted),
                    is_own=partner is None or license.partner_id == partner.pk,
                )
            )
        return boxes


class CustomerAccountForm(SeatCountsFormMixin):
    """Edit page: legal name, web site, administrator e-mail and user allocations of a customer."""

    legal_name = forms.CharField(
        label=_("Customer Legal Name"),
        max_length=200,
        help_text=_("Used as the account name in the MDR Portal, the LMP and elsewhere."),
    )

    website = website_field()
    admin_email = admin_email_field(
        help_text=_("The customer's MDR Portal administrator: the welcome e-mail goes there.")
    )

    field_order = [
        "legal_name",
        "website",
        "admin_email",
        policy.TIER_USERS,
        policy.CLOUD_USERS,
        policy.SAT_USERS,
    ]

    def __init__(
        self,
        *args,
        customer: CustomerAccount,
        cloud_license: VolumeLicense | None,
        holdings: Holdings | None = None,
        **kwargs,
    ) -> None:
        if holdings is None:
            holdings = holdings_of(customer)
        kwargs["initial"] = {
            "legal_name": customer.legal_name,
            "website": customer.website,
            "admin_email": customer.admin_email,
            policy.TIER_USERS: holdings.tier_users,
            policy.CLOUD_USERS: holdings.cloud_users,
            policy.SAT_USERS: holdings.sat_users,
            **(kwargs.get("initial") or {}),
        }
        super().__init__(
            *args,
            license=customer.license,
            cloud_license=cloud_license,
            holdings=holdings,
            **kwargs,
        )
        if self.is_bound:
            # A post without them (a script written before they were on this page) leaves them
            # as they are; the page itself always sends both.
            for name in ("website", "admin_email"):
                if self.add_prefix(name) not in self.data:
                    del self.fields[name]


class LowSeatsThresholdForm(forms.Form):
    """The license's low-seats threshold: a number of users or a percentage; empty for none."""

    low_seats_threshold = forms.IntegerField(
        label=_("Alert me when unallocated falls below"),
        required=False,
        min_value=1,
        max_value=policy.MAX_SEATS,
        error_messages={
            "invalid": _("The threshold must be a whole number."),
            "min_value": _("The threshold must be at least 1 (leave it empty for no alert)."),
            "max_value": format_lazy(
                _("The threshold must be at most {maximum}."), maximum=lazy_count(policy.MAX_SEATS)
            ),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1", "min": "1"}),
    )
    low_seats_unit = forms.ChoiceField(label=_("Unit"), choices=ThresholdUnit.choices)

    def clean(self):
        data = super().clean()
        threshold, unit = data.get("low_seats_threshold"), data.get("low_seats_unit")
        if threshold is not None and unit == ThresholdUnit.PERCENT and threshold > 100:
            self.add_error("low_seats_threshold", _("A percentage is at most 100."))
        return data


class RenewalPlanForm(forms.Form):
    """Plan the renewal: the seat commitment from the renewal date (the service checks the rest:
    not below what is allocated, not the commitment already)."""

    new_commitment = forms.IntegerField(
        label=policy.RENEWAL_COMMITMENT_COUNT.label,
        min_value=0,
        max_value=policy.MAX_SEATS,
        error_messages={
            "required": _("Enter the seat commitment for the renewal."),
            "invalid": _("The commitment must be a whole number."),
            "min_value": _("The commitment cannot be negative."),
            "max_value": format_lazy(
                _("The commitment must be at most {maximum}."),
                maximum=lazy_count(policy.MAX_SEATS),
            ),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1", "min": "0"}),
    )


class AsOfForm(forms.Form):
    """``?as_of=YYYY-MM-DD``: the day whose end a license page shows (a past day only).

    Read in ISO whatever the reader's language (what the date picker sends); today or a later
    day is refused (today is the live page), next to the field.
    """

    as_of = forms.DateField(
        label=_("View as of"),
        input_formats=[ISO_DATE_FORMAT],
        error_messages={"invalid": ISO_DATE_ERROR, "required": _("Choose a date.")},
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def __init__(self, *args, today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        # The picker offers past days only (its max is yesterday); the server checks it again.
        self.fields["as_of"].widget.attrs["max"] = (today - dt.timedelta(days=1)).isoformat()

    def clean_as_of(self) -> dt.date:
        day = self.cleaned_data["as_of"]
        if day >= self.today:
            raise ValidationError(
                _("Choose a day before today: today and later are the live page."),
                code="not_past",
            )
        return day


class BulkEditUploadForm(forms.Form):
    """The bulk-edit workbook a partner uploads back (size checked here, rows when read)."""

    workbook = forms.FileField(
        label=_("Workbook (.xlsx)"),
        help_text=_("The workbook downloaded from this page, edited. At most 10 MB."),
    )

    def clean_workbook(self):
        from django.conf import settings

        upload = self.cleaned_data["workbook"]
        limit = settings.BULK_EDIT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("This file is larger than %(size)s MB: split it in several workbooks.")
                % {"size": limit // (1024 * 1024) or 1}
            )
        return upload
