"""The sentences a reader sees, and which of them a French render left in English.

Issue 22's test: a page (an e-mail, a sheet) rendered in French must hold no sentence identical
to its English render, except "language-neutral" ones: names from the data (partners, customers,
logins, appliances, addresses), e-mail addresses, web addresses, numbers, dates, codes (MDR-…,
LMP-…, all-capital acronyms) and product names. ``leftovers(french, english, names)`` returns the
French sentences that remain: each is a string a translator missed.

Sentences come from HTML by ``html.parser`` (``html_sentences``): the text nodes outside
``<script>``, ``<style>`` and ``<template>``, and the attributes a reader or a screen reader
gets (``title``, ``aria-label``, ``placeholder``, ``alt``, and a button's ``value``); from plain
text by ``text_sentences``. A text node is cut into sentences after ". ", "! ", "? " and at " · ".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

# Product and brand names that stay as they are in French (GLOSSARY.md: "Product and brand names").
PRODUCT_NAMES = [
    "MDR Complete",
    "MDR Core",
    "MDR Cloud",
    "MDR Portal",
    "Beauceron SAT",
    "Microsoft Authenticator",
    "Google Authenticator",
    "1Password",
    "Swagger UI",
    "Standard Webhooks",
    "Excel",
    "LMP",
    "Django",
    # django-axes' app (login throttling) in the admin: a package's name.
    "Axes",
]

# Words whose French is the same word, reviewed one by one (keep this list short: a word goes
# here only when the glossary's or OQLF's French for the English label on our pages is spelled
# the same; anything else is a missed translation).
SAME_IN_FRENCH = {
    # "Total" is the French noun too (OQLF: « total »), e.g. a table's totals row.
    "total",
    # The table column of row actions: French « Actions » (Edit, History, Offboard).
    "actions",
    # The glossary keeps "webhook" in French (« webhook / point de terminaison / livraison »).
    "webhook",
    "webhooks",
    # The language switcher names each language in itself: "English" and "Français" on both.
    "english",
    "français",
    # A hosting region: « Canada » (the other regions' names differ: United States → États-Unis).
    "canada",
    # "Date" is the same noun in French (« Date »), e.g. a history column.
    "date",
    # "Description" of an appliance or a change: the same word in French.
    "description",
    # "Type" (a history column): French « Type ».
    "type",
    # "Source" of a change (portal, API, admin): French « Source ».
    "source",
    # "Action" (the admin's actions, a history column): the same noun in French (« Action »).
    "action",
    # "Solution" (a deployment solution): French « Solution » (glossary: solution de déploiement).
    "solution",
    # "France", a country of a shipping address: the country's name is the same in French.
    "france",
    # The glossary keeps "invitation" in French (« Équipe / membre / invitation »): the admin's
    # Invitations model.
    "invitation",
    "invitations",
}

HIDDEN_TAGS = {"script", "style", "template", "noscript"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(r"(https?://|/)[^\s]*|\bwww\.[^\s]+")
# Codes: LMP-2026-0001, MDR-…, an id like NS-1000, a token, a TOTP key group, all-capital words
# (API, CAD, USD, URL, ID, PO-1), words holding a digit.
CODE = re.compile(r"\b[A-Z0-9][A-Z0-9_-]*[A-Z0-9]\b|\b\w*\d\w*\b")
# Identifiers the API and the webhooks keep in English: event types (customer.onboarded), field
# names (low_seats), the Standard Webhooks headers (webhook-signature).
IDENTIFIER = re.compile(r"\b[a-z]+(?:[._][a-z]+)+\b|\bwebhook-(?:id|signature|timestamp)\b")
# Secrets shown once (a webhook's signing secret: "whsec_" and base64, which may hold "/" and "+").
SECRET = re.compile(r"\bwhsec_[A-Za-z0-9+/=]+")
NUMBER = re.compile(r"[-+−]?\d[\d\s\u00a0\u202f,.:]*")
WORD = re.compile(r"[^\W\d_]{2,}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|\s+·\s+")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def split(text: str) -> list[str]:
    """A text's sentences (or labels), whitespace folded; empty ones dropped."""
    return [s for part in SENTENCE_END.split(text) if (s := _clean(part))]


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.found: list[str] = []
        self.lang: str | None = None
        self.title: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag in HIDDEN_TAGS:
            self.hidden += 1
        if tag == "title":
            self._in_title = True
        for name in READ_ATTRIBUTES:
            if attributes.get(name):
                self.found += split(attributes[name])
        if tag == "input" and attributes.get("type") in {"submit", "button", "reset"}:
            self.found += split(attributes.get("value") or "")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self.hidden:
            self.hidden -= 1
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self.hidden:
            return
        self.found += split(data)


def html_sentences(html: str) -> list[str]:
    """The sentences of an HTML page, in document order (duplicates kept)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.found


def html_lang(html: str) -> str | None:
    """The ``lang`` of the page's ``<html>`` element."""
    reader = _Reader()
    reader.feed(html)
    return reader.lang


def text_sentences(text: str) -> list[str]:
    """The sentences of a plain-text e-mail or a subject, line by line."""
    return [s for line in text.splitlines() for s in split(line)]


def neutral(sentence: str, names: Iterable[str] = ()) -> bool:
    """True when the sentence has no word of either language left once the data's names,
    e-mail and web addresses, codes, numbers, product names and ``SAME_IN_FRENCH`` are taken out."""
    text = SECRET.sub(" ", sentence)
    text = EMAIL.sub(" ", text)
    text = URL.sub(" ", text)
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text)
    for product in PRODUCT_NAMES:
        text = text.replace(product, " ")
    text = IDENTIFIER.sub(" ", text)
    text = CODE.sub(" ", text)
    text = NUMBER.sub(" ", text)
    return all(word.lower() in SAME_IN_FRENCH for word in WORD.findall(text))


def leftovers(
    french: Iterable[str], english: Iterable[str], names: Iterable[str] = ()
) -> list[str]:
    """The French render's sentences identical to one of the English render's, minus the
    neutral ones: what is still English. Each once, in the French render's order."""
    english_set = set(english)
    names = list(names)
    seen: dict[str, None] = {}
    for sentence in french:
        if sentence in english_set and sentence not in seen and not neutral(sentence, names):
            seen[sentence] = None
    return list(seen)


def data_names() -> list[str]:
    """Names and free text people typed, read from the database: the language-neutral data of
    a render (partner, customer, login, appliance, address, API key and endpoint names)."""
    from django.contrib.auth import get_user_model

    from licenses.models import CustomerAccount, VolumeLicense
    from lmp.partners.models import ApiKey, Partner
    from lmp.webhooks.models import WebhookEndpoint
    from onboarding.models import OnboardingRequest
    from shipping.models import Address, Appliance

    names: list[str] = []
    names += Partner.objects.values_list("name", flat=True)
    for row in CustomerAccount.objects.values_list("legal_name", "website", "admin_email"):
        names += row
    names += OnboardingRequest.objects.values_list("legal_name", flat=True)
    for row in get_user_model().objects.values_list("username", "first_name", "last_name"):
        names += row
        names.append(f"{row[1]} {row[2]}".strip())
    for field in ("name", "description", "throughput"):  # in both languages
        for language in ("en", "fr_ca"):
            names += Appliance.objects.values_list(f"{field}_{language}", flat=True)
    for field in ("recipient", "company", "line1", "line2", "city", "region", "phone"):
        names += Address.objects.values_list(field, flat=True)
    names += [str(license) for license in VolumeLicense.objects.all()]
    names += ApiKey.objects.values_list("name", flat=True)
    names += WebhookEndpoint.objects.values_list("description", flat=True)
    return [str(name) for name in names if name]


def report(found: dict[str, list[str]], *, limit: int = 4000) -> str:
    """``{where: [sentences]}`` as text, each sentence under the first place it shows (the menu's
    words once, not on every page), with how many places hold it."""
    places: dict[str, int] = {}
    first: dict[str, list[str]] = {}
    for where, sentences in found.items():
        for sentence in sentences:
            if sentence not in places:
                first.setdefault(where, []).append(sentence)
            places[sentence] = places.get(sentence, 0) + 1
    lines = [f"{len(places)} distinct English sentences on {len(found)} French renders:"]
    for where, sentences in first.items():
        lines.append(f"  {where}:")
        lines += [f"    {s!r}" + (f" (×{places[s]})" if places[s] > 1 else "") for s in sentences]
    text = "\n".join(lines)
    return text if len(text) <= limit else text[:limit] + f"\n  … ({len(text) - limit} more chars)"
