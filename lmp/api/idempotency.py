"""``Idempotency-Key``: a retried write gets its first answer and changes nothing more.

The record is inserted first, in the write's own transaction: a second request with the same key
waits on the unique index until the first commits, then finds its answer and replays it. An
answer that was an error of the server (5xx) rolls the record back with the write, so a retry
runs again. The same key with another request (method, path or body) is refused with 422.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.response import Response

from lmp.api.models import IdempotencyRecord
from lmp.api.problems import PROBLEM_CONTENT_TYPE, Unprocessable
from lmp.core.l10n import count
from lmp.partners.models import ApiKey

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200


def fingerprint(*, method: str, path: str, data) -> str:
    """What makes two requests "the same": method, path and the parsed body."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, *, fingerprint_: str) -> Response:
    if record.fingerprint != fingerprint_:
        raise Unprocessable(
            _(
                "This %(header)s was already used for a different request: use a new key for "
                "each new request."
            )
            % {"header": HEADER}
        )
    content_type = PROBLEM_CONTENT_TYPE if record.status_code >= 400 else None
    response = Response(record.body, status=record.status_code, content_type=content_type)
    response[REPLAYED] = "true"
    # The stored answer is in the first request's language, whatever this one asks for.
    if record.language:
        response["Content-Language"] = record.language
    return response


def idempotent_run(
    *, api_key: ApiKey, key: str, fingerprint_: str, run: Callable[[], Response]
) -> Response:
    """The stored answer to (``api_key``, ``key``), or ``run()``'s, stored with its write."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(
            _("An %(header)s has 1 to %(most)s characters.")
            % {"header": HEADER, "most": count(MAX_KEY_LENGTH)}
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    api_key=api_key, key=key, fingerprint=fingerprint_
                )
        except IntegrityError:
            record = None
        if record is None:
            # The first request has committed (its insert held ours until then).
            existing = IdempotencyRecord.objects.get(api_key=api_key, key=key)
            return _replay(existing, fingerprint_=fingerprint_)
        response = run()
        if response.status_code >= 500:
            transaction.set_rollback(True)
            return response
        record.status_code = response.status_code
        record.body = response.data
        record.language = translation.get_language() or ""
        record.save(update_fields=["status_code", "body", "language"])
    return response


def idempotency_purge(*, older_than: dt.timedelta | None = None) -> int:
    """Delete the records older than ``API_IDEMPOTENCY_HOURS`` (or ``older_than``)."""
    age = older_than or dt.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - age).delete()
    return deleted
