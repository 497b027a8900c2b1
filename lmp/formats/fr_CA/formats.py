"""How every page writes numbers and dates in Canadian French (the Office québécois de la langue
française's usage): ``1 990`` grouped with a narrow no-break space, ``9,25`` with a decimal comma,
``6 déc. 2026``, ``18 h 55``. Money and percentages add their sign after a no-break space
(``lmp.core.l10n``). Django's own French formats (a wide no-break space, ``6 décembre 2026``)
are the fallback for the rest.
"""

from __future__ import annotations

DATE_FORMAT = "j N Y"  # 6 déc. 2026
DATETIME_FORMAT = "j N Y, H \\h i"  # 6 déc. 2026, 18 h 55
TIME_FORMAT = "H \\h i"  # 18 h 55
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-12-06, the Canadian numeric date
SHORT_DATETIME_FORMAT = "Y-m-d H \\h i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\u202f"  # narrow no-break space
NUMBER_GROUPING = 3
FIRST_DAY_OF_WEEK = 0  # Sunday, as in Canada
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
