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
