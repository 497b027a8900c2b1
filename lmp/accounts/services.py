"""Every write of a login's two-factor sign-in: setting up, confirming, verifying, removing.

Codes are checked by django-otp (``django_otp.verify_token``): it locks the device row, refuses a
TOTP code already used (``last_t``) and throttles wrong codes in the device row itself (1, 2, 4,
8 … seconds after successive failures), so any web process sees the same lockout.
"""

from __future__ import annotations

import math
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lmp.accounts import policy, selectors

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

WRONG_CODE = _("That code is not right.")
WRONG_FORMAT = _(
    "Type the 6-digit code from your authenticator app, or one of your recovery codes."
)
TOO_MANY = _("Too many wrong codes.")
NO_RECOVERY_CODES = _("You have no recovery codes left. Type the code from your authenticator app.")


def wait_seconds(device: Device) -> int:
    """Seconds before ``device`` accepts another code (0 when it accepts one now)."""
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0
    return max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))


def wait_message(seconds: int) -> str:
    """How long to wait, as the page says it next to the field."""
    return ngettext(
        "Wait %(count)s second before trying again.",
        "Wait %(count)s seconds before trying again.",
        seconds,
    ) % {"count": seconds}


def code_check(*, user, device: Device, code: str) -> Device:
    """Check ``code`` against ``device``; raise ``ValidationError`` saying why it is refused.

    Deliberately not inside an outer ``transaction.atomic``: django-otp records a failure (the
    throttle) in its own transaction, and raising here must not roll that record back.
    """
    seconds = wait_seconds(device)
    if seconds:
        raise ValidationError(f"{TOO_MANY} {wait_message(seconds)}", code="throttled")
    if verify_token(user, device.persistent_id, code) is None:
        device.refresh_from_db()
        seconds = wait_seconds(device)
        message = WRONG_CODE if not seconds else f"{WRONG_CODE} {wait_message(seconds)}"
        raise ValidationError(message, code="wrong")
    device.refresh_from_db()
    return device


def normalize_code(code: str) -> str:
    """A code as typed, without the spaces and dashes people put in (and in lower case)."""
    return re.sub(r"[\s-]+", "", code or "").lower()


def two_factor_verify(*, user, code: str) -> Device:
    """The device that accepts ``code`` at sign-in: the authenticator app's 6 digits, or a
    recovery code (used up by it). Raises ``ValidationError`` for a wrong or throttled code."""
    code = normalize_code(code)
    if re.fullmatch(r"\d{6}", code):
        device = selectors.authenticator_of(user)
    elif re.fullmatch(r"[a-z2-7]{8}", code):
        device = selectors.recovery_device_of(user)
        if device is None:
            raise ValidationError(NO_RECOVERY_CODES, code="no_recovery_codes")
    else:
        raise ValidationError(WRONG_FORMAT, code="format")
    if device is None:
        raise ValidationError(WRONG_CODE, code="wrong")
    return code_check(user=user, device=device, code=code)


def authenticator_pending(*, user, key_hex: str) -> TOTPDevice:
    """The authenticator being set up with ``key_hex`` (the key the setup page showed): its
    unconfirmed row, made on the first code typed, so wrong codes are throttled like any other."""
    device = TOTPDevice.objects.filter(user=user, key=key_hex, confirmed=False).first()
    if device is not None:
        return device
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice(user=user, name=AUTHENTICATOR_NAME, key=key_hex, confirmed=False)
        device.full_clean()
        device.save()
    return device


CURRENT_CODE_NEEDED = _("Type the code your current app shows, or one of your recovery codes.")
CODE_NEEDED = _("Type the code your authenticator app shows, or one of your recovery codes.")


def current_code_check(*, user, current_code: str, needed: str = CODE_NEEDED) -> None:
    """Check the code that proves a change of the second factor is the login's own: its
    authenticator app's code or an unused recovery code (used up by it). A signed-in session
    alone (a borrowed or stolen one) does not change it. Raises ``ValidationError`` on the
    ``current_code`` field, ``needed`` when nothing was typed."""
    if not normalize_code(current_code):
        raise ValidationError({"current_code": needed}, code="required")
    try:
        two_factor_verify(user=user, code=current_code)
    except ValidationError as error:
        raise ValidationError({"current_code": error.messages}) from error


def authenticator_confirm(
    *, user, key_hex: str, code: str, current_code: str = ""
) -> tuple[TOTPDevice, list[str]]:
    """Turn on the authenticator holding ``key_hex`` with a code it shows; it replaces any earlier
    one. Returns it and the new recovery codes (shown once). Raises ``ValidationError`` by field
    for a wrong or throttled code, and then nothing is turned on.

    Replacing a confirmed authenticator also takes ``current_code``, from it or a recovery code:
    a signed-in session alone (a borrowed or stolen one) does not move the second factor to
    another phone. The new app's code is checked first, so that a typo in it uses up no
    recovery code.
    """
    code = normalize_code(code)
    if not re.fullmatch(r"\d{6}", code):
        raise ValidationError(
            {"code": _("Type the 6-digit code your authenticator app shows.")}, code="format"
        )
    replacing = selectors.authenticator_of(user) is not None
    if replacing and not normalize_code(current_code):
        raise ValidationError({"current_code": CURRENT_CODE_NEEDED}, code="required")
    device = authenticator_pending(user=user, key_hex=key_hex)
    try:
        code_check(user=user, device=device, code=code)
    except ValidationError as error:
        raise ValidationError({"code": error.messages}) from error
    if replacing:
        current_code_check(user=user, current_code=current_code, needed=CURRENT_CODE_NEEDED)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.full_clean()
        device.save(update_fields=["confirmed"])
        return device, _recovery_codes_replace(user=user)


def recovery_codes_regenerate(*, user, current_code: str) -> list[str]:
    """New recovery codes for a login with an authenticator, given a code of its app or an
    unused recovery code (``current_code_check``); the old ones stop working. Otherwise one of
    them would then move the second factor to another phone (``authenticator_confirm``)."""
    if selectors.authenticator_of(user) is None:
        raise PermissionDenied(_("Set up an authenticator app first."))
    current_code_check(user=user, current_code=current_code)
    with transaction.atomic():
        return _recovery_codes_replace(user=user)


def _recovery_codes_replace(*, user) -> list[str]:
    device = selectors.recovery_device_of(user)
    if device is None:
        device = StaticDevice(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        device.full_clean()
        device.save()
    device.token_set.all().delete()
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_remove(*, user, current_code: str) -> None:
    """Remove the login's authenticator and recovery codes, when its role does not require them,
    given a code of its app or an unused recovery code (``current_code_check``): otherwise a
    session alone could remove them, then set up its own phone with no code asked."""
    if policy.mfa_required(user):
        raise PermissionDenied(_("Your role requires two-factor sign-in: it cannot be removed."))
    current_code_check(user=user, current_code=current_code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def authenticator_install(*, user, key_hex: str, name: str = AUTHENTICATOR_NAME) -> TOTPDevice:
    """Give ``user`` a confirmed authenticator with a known key (the demo's); idempotent: an
    authenticator with this key is kept as it is, any other one of the login is replaced."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, key=key_hex, confirmed=True).first()
        TOTPDevice.objects.filter(user=user).exclude(pk=getattr(device, "pk", None)).delete()
        if device is None:
            device = TOTPDevice(user=user, name=name, key=key_hex, confirmed=True)
            device.full_clean()
            device.save()
        return device


RESET_SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
RESET_EMAIL_TEMPLATE = "registration/password_reset_email.txt"


def password_reset_request(*, email: str, domain: str, use_https: bool) -> None:
    """Queue the search for logins with ``email`` and their reset e-mails: the request does the
    same work whether or not the address has a login, so its timing does not tell (the worker
    does the rest, ``password_reset_mail``)."""
    from lmp.accounts.tasks import password_reset_mail_task  # the task calls this module

    with transaction.atomic():
        password_reset_mail_task.enqueue(email=email, domain=domain, use_https=use_https)


def password_reset_mail(*, email: str, domain: str, use_https: bool) -> int:
    """Queue a reset e-mail (the outbox) to each active login with ``email``, as Django's reset
    form picks them; returns how many."""
    from lmp.accounts.forms import PasswordResetMailForm  # the forms call this module

    form = PasswordResetMailForm({"email": email})
    if not form.is_valid():
        return 0
    with transaction.atomic():
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name=RESET_SUBJECT_TEMPLATE,
            email_template_name=RESET_EMAIL_TEMPLATE,
        )
    return form.mailed
