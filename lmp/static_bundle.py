"""One render-blocking style sheet: ``css/lmp.bundle.css`` joins Bootstrap, Bootstrap Icons and
our CSS (every page's: they are small), so a page's first paint waits for one file, not five.

``BundleFinder`` (in ``STATICFILES_FINDERS``) builds it from the parts as the other finders find
them, so ``collectstatic`` hashes and compresses it like any file (production), and ``runserver``
and the tests serve it the same way; editing a part rebuilds it on the next request.

It is written under ``BASE_DIR/.static-bundle/<key>/`` (a folder the project owns, ignored by
git), where ``<key>`` hashes the bundle's own text: a changed part, ``PARTS`` or rebasing code
gives a new file whatever the files' dates (``rsync -a`` keeps a deploy's older ones), and no
other local user can plant a file there as they could in a shared ``/tmp``.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

BUNDLE = "css/lmp.bundle.css"
PARTS = [
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "css/lmp.css",
    "css/history.css",
    "css/onboarding.css",
    "css/charts.css",
]

_URL = re.compile(r"""url\(\s*(["']?)([^)"']+)\1\s*\)""")
# The parts' source maps do not describe the bundle (and collectstatic would look for them
# beside it).
_SOURCE_MAP = re.compile(r"/\*#\s*sourceMappingURL=[^*]*\*/")


def _rebased(text: str, part: str) -> str:
    """``url(fonts/x.woff2)`` of a part, relative to the bundle's folder instead of the part's."""

    def rebase(match: re.Match) -> str:
        quote, url = match.groups()
        if url.startswith(("data:", "/", "#")) or "://" in url:
            return match.group(0)
        target = posixpath.normpath(posixpath.join(posixpath.dirname(part), url))
        return f"url({quote}{posixpath.relpath(target, posixpath.dirname(BUNDLE))}{quote})"

    return _URL.sub(rebase, text)


def bundle_text(sources: list[Path]) -> str:
    """The parts, in order (Bootstrap first, ours last, as the separate links were)."""
    chunks = []
    for part, source in zip(PARTS, sources, strict=True):
        text = _SOURCE_MAP.sub("", source.read_text(encoding="utf-8"))
        chunks.append(f"/* {part} */\n{_rebased(text, part).strip()}\n")
    return "\n".join(chunks)


class BundleFinder(BaseFinder):
    """Finds ``css/lmp.bundle.css``, written under a folder named by its content's hash."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.root = Path(settings.BASE_DIR) / ".static-bundle"

    def _sources(self) -> list[Path]:
        from django.contrib.staticfiles.finders import FileSystemFinder

        finder = FileSystemFinder()
        sources = []
        for part in PARTS:
            found = finder.find(part)
            if not found:
                raise FileNotFoundError(f"{BUNDLE}: no static file {part}")
            sources.append(Path(found))
        return sources

    def build(self) -> Path:
        """The bundle's path under the folder its content's hash names, written when missing."""
        text = bundle_text(self._sources())
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        target = self.root / key / BUNDLE
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written aside then renamed: a concurrent request never reads half a file.
            handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, target)
        return target

    @property
    def storage(self) -> FileSystemStorage:
        """The storage ``collectstatic`` copies the current bundle from."""
        return FileSystemStorage(location=str(self.build().parents[len(Path(BUNDLE).parts) - 1]))

    def find(self, path, find_all=False, **kwargs):
        if path != BUNDLE:
            return [] if find_all else None
        found = str(self.build())
        return [found] if find_all else found

    def list(self, ignore_patterns):
        yield BUNDLE, self.storage

    def check(self, **kwargs):
        return []
