"""Which language a person reads LMP in: one place for the rule.

A page, in this order: the login's own choice (its membership's ``language``, set on the account
page or with the menu's switcher); this browser's choice (the language cookie, set by the login
page's switcher); the partner's default language; the browser's ``Accept-Language``; English.
The API reads ``Accept-Language`` alone (a script's cookie is not a choice), English by default.

An e-mail: the recipient login's choice, then its partner's default, then English (an e-mail has
no browser). ``by_language`` groups recipients so that each group gets one e-mail in its language.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import trans_real

from lmp.partners.models import Membership, Partner

DEFAULT = settings.LANGUAGE_CODE
CODES = frozenset(code for code, _name in settings.LANGUAGES)


def supported(code: str | None) -> str | None:
    """``code`` as one of ``settings.LANGUAGES`` (``fr``, ``fr-CA``, ``fr-fr`` → ``fr-ca``), or
    None when LMP does not speak it."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code.lower())
    except LookupError:
        return None


def from_accept_language(header: str) -> str | None:
    """The first language of an ``Accept-Language`` header that LMP speaks, or None (a language
    given ``q=0`` is one the reader refuses)."""
    for code, quality in trans_real.parse_accept_lang_header(header):
        if code != "*" and quality > 0 and (language := supported(code)):
            return language
    return None


def for_request(request: HttpRequest, *, login: bool = True) -> str:
    """The language of the page this request asks for (the rule in this module's docstring).

    ``login=False`` leaves the login out (its choice and its partner's default): what the
    browser alone says, read with no query (an error page while the database is down)."""
    accept = request.headers.get("Accept-Language", "")
    if request.path_info.startswith("/api/"):
        return from_accept_language(accept) or DEFAULT
    user = getattr(request, "user", None) if login else None
    membership = getattr(user, "membership", None) if user and user.is_authenticated else None
    return (
        (supported(membership.language) if membership else None)
        or supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        or (supported(membership.partner.language) if membership else None)
        or from_accept_language(accept)
        or DEFAULT
    )


def of_partner(partner: Partner | None) -> str:
    """The language of an e-mail to someone of the partner with no login (a new invitee)."""
    return (supported(partner.language) if partner else None) or DEFAULT


def by_language(addresses: Iterable[str], *, partner: Partner | int | None = None) -> dict:
    """``{language: [address, ...]}``: each address in its login's language (its choice, else its
    partner's default, else English); an address of no login in the partner's default. Sorted,
    English first, so that the e-mails go out in a stable order.

    An address is its active login's, matched exactly (two logins may differ only in case), the
    one at ``partner`` first: an old inactive login of the same address elsewhere never decides.
    """
    addresses = list(dict.fromkeys(addresses))
    partner_id = getattr(partner, "pk", partner)
    partner_language = None
    if partner_id is not None:
        partner_language = supported(
            Partner.objects.filter(pk=partner_id).values_list("language", flat=True).first()
        )
    rows = Membership.objects.filter(user__email__in=addresses, user__is_active=True).order_by("pk")
    rows = rows.values_list("user__email", "language", "partner__language", "partner_id")
    chosen: dict[str, str | None] = {}
    # The partner's own logins last, so that they win; then by address for a stable choice.
    for email, language, default, _partner_id in sorted(
        rows, key=lambda row: (row[3] == partner_id, row[0])
    ):
        chosen[email] = supported(language) or supported(default)
    groups: dict[str, list[str]] = defaultdict(list)
    for address in addresses:
        groups[chosen.get(address) or partner_language or DEFAULT].append(address)
    return {code: groups[code] for code, _name in settings.LANGUAGES if code in groups}
