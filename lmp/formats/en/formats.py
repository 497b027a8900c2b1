"""How every page writes a date and a date with its time, in English.

Templates use ``|date`` (a date), ``|date:"DATETIME_FORMAT"`` (a date with its time) and
``|time`` (the time alone); Python uses ``django.utils.formats.date_format``. They replace
Django's own English formats ("Dec. 6, 2026, 6:55 p.m.") with the portal's.
"""

from __future__ import annotations

DATE_FORMAT = "M j, Y"  # Dec 6, 2026
DATETIME_FORMAT = "M j, Y H:i"  # Dec 6, 2026 18:55
TIME_FORMAT = "H:i"  # 18:55
