"""A delivery's last error: the worker writes it in English (an operator's log too, and the
worker has no reader); the endpoint's page shows it in the reader's language (``error_text``).

Every text LMP writes there is a message below; its placeholders are the free parts (a status
code, the network's own words), kept as they are. Anything else (an unexpected exception's text)
is shown as stored.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop

# The endpoint was switched off after the delivery was queued.
DISABLED = gettext_noop("Not sent: the endpoint is disabled.")
# ``lmp.core.attempts``: the worker holding the delivery stopped once too often.
STALLED = gettext_noop("A worker stopped while sending it (no answer recorded).")
# Translators: a webhook was not sent because its URL is refused; %(reason)s says why (a sentence).
REFUSED = gettext_noop("Refused: %(reason)s")
# Translators: a webhook got no answer; %(reason)s is the network's error, as the system says it.
NO_ANSWER = gettext_noop("No answer: %(reason)s")
# Translators: the receiver answered a webhook with this HTTP status code, e.g. "HTTP 503".
HTTP_STATUS = gettext_noop("HTTP %(status)s")

# Why a URL is refused (``lmp.webhooks.delivery.url_check``): on the endpoint's form, and after
# "Refused:" in a delivery's last error.
URL_WITH_USERINFO = gettext_noop(
    "Enter the URL without a user name or password (nothing before “@”): "
    "the receiver checks the webhook-signature header instead."
)
URL_NOT_HTTPS = gettext_noop("Enter an https:// URL: webhooks are sent over HTTPS only.")
URL_HOST_UNKNOWN = gettext_noop("The host “%(host)s” could not be found.")
URL_HOST_PRIVATE = gettext_noop(
    "“%(host)s” is a private, loopback or link-local address: webhooks go to public addresses only."
)

# The messages a stored error may be, each with the placeholders whose value is itself one of
# these messages (a refusal's reason).
_MESSAGES = {
    DISABLED: (),
    STALLED: (),
    REFUSED: ("reason",),
    NO_ANSWER: (),
    HTTP_STATUS: (),
    URL_WITH_USERINFO: (),
    URL_NOT_HTTPS: (),
    URL_HOST_UNKNOWN: (),
    URL_HOST_PRIVATE: (),
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(message: str) -> re.Pattern:
    """``message`` as a pattern of its English text: each placeholder matches any text."""
    parts = _PLACEHOLDER.split(message)  # text, name, text, name, …, text
    return re.compile(
        "".join(
            f"(?P<{part}>.+)" if odd else re.escape(part)
            for odd, part in ((i % 2 == 1, part) for i, part in enumerate(parts))
        ),
        re.DOTALL,
    )


_PATTERNS = [(message, _pattern(message), nested) for message, nested in _MESSAGES.items()]


def error_text(stored: str) -> str:
    """A delivery's stored (English) last error in the reader's language."""
    for message, pattern, nested in _PATTERNS:
        if found := pattern.fullmatch(stored):
            values = {
                name: error_text(value) if name in nested else value
                for name, value in found.groupdict().items()
            }
            return gettext(message) % values if values else gettext(message)
    return stored
