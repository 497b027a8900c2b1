"""Static files: production's collectstatic (hashed, compressed names) must succeed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_collectstatic_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_ALLOW", "LMP_"))},
        "DEBUG": "0",
        "SECRET_KEY": "collectstatic-check-" + "s" * 40,
        "ALLOWED_HOSTS": "lmp.example.com",
        "STATIC_ROOT": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "staticfiles.json").read_text()
    for asset in ("css/lmp.css", "js/licenses.js", "js/onboarding.js", "vendor/htmx/htmx.min.js"):
        assert f'"{asset}"' in manifest
    # The one style sheet the pages link (lmp/static_bundle.py), its icon fonts' URLs hashed too.
    (bundle,) = tmp_path.glob("css/lmp.bundle.*.css")
    fonts = re.findall(r'url\("\.\./vendor/bootstrap-icons/fonts/([^"?#]+)', bundle.read_text())
    assert len(fonts) == 2 and all(
        (tmp_path / "vendor/bootstrap-icons/fonts" / f).exists() for f in fonts
    )
    assert all(re.search(r"\.[0-9a-f]{12}\.woff2?$", f) for f in fonts), fonts
    assert any(tmp_path.glob("css/lmp.*.css.gz")), "WhiteNoise should have compressed the CSS"


def _parts_copy(tmp_path):
    """A copy of the bundle's parts in a folder of the test's own (STATICFILES_DIRS)."""
    import shutil

    from lmp.static_bundle import PARTS

    static = tmp_path / "static"
    for part in PARTS:
        (static / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "static" / part, static / part)
    return static


def test_bundle_follows_a_parts_content_even_with_an_older_date(tmp_path, settings):
    # rsync -a keeps a deploy's (older) dates: the bundle must follow content, not mtimes.
    from lmp.static_bundle import BUNDLE, BundleFinder

    static = _parts_copy(tmp_path)
    settings.BASE_DIR = tmp_path
    settings.STATICFILES_DIRS = [static]
    assert ".changed-by-the-deploy" not in Path(BundleFinder().find(BUNDLE)).read_text()
    ours = static / "css/lmp.css"
    ours.write_text(ours.read_text() + "\n.changed-by-the-deploy { color: red }\n")
    os.utime(ours, (1_000_000, 1_000_000))
    assert ".changed-by-the-deploy" in Path(BundleFinder().find(BUNDLE)).read_text()


def test_a_file_planted_at_the_old_shared_tmp_location_is_not_served(tmp_path, settings):
    # Another local user could pre-create the old /tmp bundle with a future date (CSS injection).
    import hashlib
    import shutil
    import tempfile

    from lmp.static_bundle import BUNDLE, BundleFinder

    static = _parts_copy(tmp_path)
    settings.BASE_DIR = tmp_path
    settings.STATICFILES_DIRS = [static]
    key = hashlib.sha256(str(tmp_path).encode()).hexdigest()[:12]
    planted_root = Path(tempfile.gettempdir()) / f"lmp-static-bundle-{key}"
    planted = planted_root / BUNDLE
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text("body { background: url(https://evil.example/x) }")
    future = 4_000_000_000
    os.utime(planted, (future, future))
    try:
        served = BundleFinder().find(BUNDLE)
        assert "evil.example" not in Path(served).read_text()
        assert Path(served).is_relative_to(tmp_path)
    finally:
        shutil.rmtree(planted_root)
