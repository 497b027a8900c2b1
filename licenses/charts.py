"""The usage chart's geometry and words: a ``UsageSeries`` as an SVG's points, ticks, summary and
table, for ``templates/licenses/_usage_chart.html`` to draw (no JavaScript).

The SVG is drawn in a fixed ``viewBox`` and scales to its box (``static/css/charts.css`` makes its
text larger and hides every other month on a phone). Numbers and dates are the reader's
(``lmp.core.l10n.count``, ``date_format``); each line has its own stroke and dash pattern and a
legend, so colour is never the only difference.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from licenses.choices import SEAT_COMMITMENT_LABEL
from licenses.usage import UsageLine, UsageSeries
from lmp.core.l10n import count

# The drawing's own units (the viewBox); the plot inside it leaves room for the month labels.
# Room above the plot for the top grid line's label, below it for two lines of month labels.
WIDTH, HEIGHT = 720, 350
LEFT, RIGHT, TOP, BOTTOM = 4, 716, 34, 282
# A month label closer than this to an edge would be cut: it is left out.
EDGE = 32
# Months labelled on the axis: each quarter's first; those in ``MINOR`` are hidden on a phone.
LABELLED_MONTHS, MINOR_MONTHS = (1, 4, 7, 10), (4, 10)
# Each line's look: its CSS class and dash pattern (the legend repeats both).
# The table's months.
MONTHS = 24
STYLES = [("line-primary", ""), ("line-secondary", "9 5"), ("line-tertiary", "2 4")]


@dataclass(frozen=True)
class ChartLine:
    """One line of the chart, ready to draw: its label, points, look and optional area."""

    label: str
    css: str
    dash: str
    points: str
    area: str  # a polygon under the line ("" for none)
    step: bool


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    second: str = ""  # a second line (the year under a month)
    minor: bool = False


@dataclass(frozen=True)
class TableRow:
    label: str
    values: list[str]


@dataclass(frozen=True)
class UsageChart:
    """Everything the template draws; ``has_data`` False: the window has no figures at all."""

    id: str
    heading: str
    title: str
    description: str
    lines: list[ChartLine]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    no_data: tuple[float, float] | None  # (x, width) of the days without figures, if any
    columns: list[str]
    rows: list[TableRow]
    has_data: bool
    no_data_height: int = BOTTOM - TOP
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM


def nice_step(highest: int, intervals: int = 4) -> int:
    """A round step (1, 2, 2.5 or 5 times a power of ten, whole) giving about ``intervals``."""
    if highest <= 0:
        return 1
    raw = highest / intervals
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step >= raw and step == int(step):
            return int(step)
    return int(10 * power)


def _x(index: int, days: int) -> float:
    return LEFT + (RIGHT - LEFT) * index / max(days - 1, 1)


def _points(values, top: int, *, step: bool) -> list[tuple[float, float]]:
    """The line's points: only where it bends (a flat stretch is its two ends)."""

    def y(value: int) -> float:
        return BOTTOM - (BOTTOM - TOP) * value / top

    points: list[tuple[float, float]] = []
    days = len(values)
    for i, value in enumerate(values):
        if value is None:
            continue
        before = values[i - 1] if i else None
        after = values[i + 1] if i + 1 < days else None
        if step and before is not None and before != value:
            points.append((_x(i, days), y(before)))
        if value != before or value != after or before is None or after is None:
            points.append((_x(i, days), y(value)))
    return points


def _text(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _month_ticks(days: tuple[dt.date, ...]) -> list[Tick]:
    ticks = []
    for i, day in enumerate(days):
        position = _x(i, len(days))
        if day.day == 1 and day.month in LABELLED_MONTHS and EDGE <= position <= WIDTH - EDGE:
            ticks.append(
                Tick(
                    position=position,
                    # Translators: a month on the usage chart's axis, as a date format (Django's
                    # "date" filter): "M" gives "Jan", "N" "jan." in French.
                    label=date_format(day, pgettext("chart month (date format)", "M")),
                    second=date_format(day, "Y"),
                    minor=day.month in MINOR_MONTHS,
                )
            )
    return ticks


def _trend(label: str, values: tuple[int | None, ...], days: tuple[dt.date, ...]) -> str:
    """One sentence on a line: where it started and ended, and its highest in between."""
    known = [(day, value) for day, value in zip(days, values, strict=True) if value is not None]
    (start, first), (end, last) = known[0], known[-1]
    words = {
        "label": label,
        "first": count(first),
        "last": count(last),
        "start": date_format(start),
        "end": date_format(end),
    }
    if last > first:
        sentence = gettext(
            "%(label)s rose from %(first)s to %(last)s between %(start)s and %(end)s."
        )
    elif last < first:
        sentence = gettext(
            "%(label)s fell from %(first)s to %(last)s between %(start)s and %(end)s."
        )
    else:
        sentence = gettext("%(label)s stayed at %(last)s from %(start)s to %(end)s.")
    sentence %= words
    peak_day, peak = max(known, key=lambda known_day: (known_day[1], known_day[0]))
    if peak > max(first, last):
        sentence += " " + gettext("Highest: %(value)s on %(date)s.") % {
            "value": count(peak),
            "date": date_format(peak_day),
        }
    return sentence


def _month_rows(series: UsageSeries) -> list[TableRow]:
    """Each month's last day in the window (today for the month under way), oldest first."""
    rows = []
    days = series.days
    for i, day in enumerate(days):
        last_of_month = i + 1 == len(days) or days[i + 1].month != day.month
        if not last_of_month:
            continue
        if i + 1 == len(days):
            # Translators: the usage table's last row: the month under way, as of today.
            label = gettext("%(month)s (to %(date)s)") % {
                "month": date_format(day, "YEAR_MONTH_FORMAT"),
                "date": date_format(day),
            }
        else:
            label = date_format(day, "YEAR_MONTH_FORMAT")
        values = [
            gettext("no data") if line.values[i] is None else count(line.values[i])
            for line in series.lines
        ]
        rows.append(TableRow(label=label, values=values))
    # Two years: the month under way and the 23 before it (the window opens in the 24th).
    return rows[-MONTHS:]


def usage_chart(
    series: UsageSeries, *, id: str, heading: str, title: str, labels: dict[str, str]
) -> UsageChart:
    """The chart of ``series``; ``labels`` names each of its lines by key (legend and table)."""
    known = [v for line in series.lines for v in line.values if v is not None]
    has_data = bool(known)
    step = nice_step(max(known, default=0))
    top = max(step * math.ceil(max(known, default=0) / step), step)
    lines = []
    for number, line in enumerate(series.lines):
        css, dash = STYLES[number % len(STYLES)]
        is_commitment = _is_commitment(line)
        points = _points(line.values, top, step=is_commitment)
        area = ""
        if number == 0 and points:
            area = _text([(points[0][0], BOTTOM), *points, (points[-1][0], BOTTOM)])
        lines.append(
            ChartLine(
                label=labels[line.key],
                css=css,
                dash=dash,
                points=_text(points),
                area=area,
                step=is_commitment,
            )
        )
    y_ticks = [
        Tick(position=BOTTOM - (BOTTOM - TOP) * value / top, label=count(value))
        for value in range(0, top + 1, step)
    ]
    no_data = None
    if has_data and series.first_day is not None and series.first_day > series.days[0]:
        until = _x(series.days.index(series.first_day), len(series.days))
        no_data = (LEFT, round(until - LEFT, 1))
    if has_data:
        sentences = [_trend(labels[line.key], line.values, series.days) for line in series.lines]
        if no_data is not None:
            sentences.append(
                gettext("No figures before %(date)s: the history starts then.")
                % {"date": date_format(series.first_day)}
            )
        description = " ".join(sentences)
    else:
        description = gettext("No figures for this period: the history starts later.")
    return UsageChart(
        id=id,
        heading=heading,
        title=title,
        description=description,
        lines=lines,
        x_ticks=_month_ticks(series.days),
        y_ticks=y_ticks,
        no_data=no_data,
        columns=[labels[line.key] for line in series.lines],
        rows=_month_rows(series),
        has_data=has_data,
    )


def _is_commitment(line: UsageLine) -> bool:
    return line.key == "commitment"


def license_usage_chart(series: UsageSeries, *, license) -> UsageChart:
    """The license page's chart: the pool's allocated users against its seat commitment."""
    return usage_chart(
        series,
        id="usage",
        heading=gettext("Usage over time"),
        title=gettext("%(tier)s: allocated users and seat commitment, %(start)s to %(end)s")
        % {
            "tier": license.get_tier_display(),
            "start": date_format(series.days[0]),
            "end": date_format(series.days[-1]),
        },
        labels={"allocated": gettext("Allocated users"), "commitment": str(SEAT_COMMITMENT_LABEL)},
    )


def customer_usage_chart(series: UsageSeries, *, customer) -> UsageChart:
    """The customer history page's chart: its users on each pool it holds."""
    return usage_chart(
        series,
        id="usage",
        heading=gettext("Users over time"),
        title=gettext("%(name)s: users per pool, %(start)s to %(end)s")
        % {
            "name": customer.legal_name,
            "start": date_format(series.days[0]),
            "end": date_format(series.days[-1]),
        },
        labels={line.key: line.license.users_label for line in series.lines},
    )
