"""The bulk-edit workbook: written for download, read back on upload.

One sheet, one row per active customer of the license: a locked key (the license, the customer
and its version), then the cells a partner may change (legal name and the users of each pool
the tier has, from the seat policy's ``count_fields``). The subtitle states the limits. The same
column list writes and reads it, so a column is found by its position.

Reading refuses what would be unsafe or ambiguous before any rule is checked: a formula (typed
numbers only), a key of another license, more rows than ``MAX_ROWS``.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass
from typing import IO

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Protection

from licenses import policy
from licenses.choices import CustomerStatus
from licenses.models import CustomerAccount, VolumeLicense
from licenses.selectors import cloud_pool_for, license_customers
from licenses.services.bulk import BulkChange, customer_versions
from lmp.core.l10n import count as count_text
from lmp.core.xlsx import HEADER_FILL, HEADER_FONT, SUBTITLE_FONT, TITLE_FONT, text_cell

MAX_ROWS = 100_000
HEADER_ROW = 4
KEY_RE = re.compile(r"^L(\d+)-C(\d+)-V(\d+)$")
UNLOCKED = Protection(locked=False)


@dataclass(frozen=True)
class BulkColumn:
    field: str  # "key", "legal_name" or a count's field
    header: str
    width: float


def _legal_name_label() -> str:
    """The name's column: the label the Edit page gives the field ("Customer Legal Name")."""
    return CustomerAccount._meta.get_field("legal_name").verbose_name


def bulk_columns(license: VolumeLicense) -> list[BulkColumn]:
    """The sheet's columns for this license: the key, the name, the tier's counts."""
    counts = policy.count_fields(
        tier=license.tier, has_cloud=cloud_pool_for(license=license) is not None
    )
    return [
        BulkColumn("key", _("Key (do not change)"), 18),
        BulkColumn("legal_name", str(_legal_name_label()), 40),
        *(BulkColumn(c.field, str(c.label), 22) for c in counts),
    ]


def _limits(license: VolumeLicense) -> str:
    """The subtitle: what each count may be (the policy's figures)."""
    parts = []
    for c in policy.count_fields(
        tier=license.tier, has_cloud=cloud_pool_for(license=license) is not None
    ):
        if c.field == policy.SAT_USERS:
            parts.append(_("%(label)s: at most the tier users") % {"label": c.label})
        else:
            parts.append(
                _("%(label)s: whole number, at least %(minimum)s")
                % {
                    "label": c.label,
                    "minimum": count_text(c.minimum),
                }
            )
    parts.append(
        _("%(count)s unallocated now") % {"count": count_text(policy.unallocated(license))}
    )
    return "; ".join(parts)


def bulk_workbook_write(*, partner, license: VolumeLicense) -> tuple[IO[bytes], str]:
    """The editable workbook of the license's active customers the partner manages."""
    columns = bulk_columns(license)
    fields = [c.field for c in columns]
    # The customers onboarded onto this license that the partner manages (the service's scope).
    rows = license_customers(partner=partner, license=license).filter(
        license_id=license.pk, status=CustomerStatus.ACTIVE
    )
    rows = rows.order_by("name_key", "pk").values_list(
        "pk", "legal_name", "tier_users", "cloud_users", "sat_users"
    )
    rows = list(rows)
    versions = customer_versions(customer_ids=[r[0] for r in rows])

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_("Bulk edit")[:31])
    for index, column in enumerate(columns):
        ws.column_dimensions[chr(ord("A") + index)].width = column.width
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    ws.protection.sheet = True  # the key column stays locked; the others are unlocked cells
    ws.append([text_cell(ws, f"{license.get_tier_display()} — {_('Bulk edit')}", font=TITLE_FONT)])
    ws.append([text_cell(ws, _limits(license), font=SUBTITLE_FONT)])
    ws.append([])
    ws.append([text_cell(ws, c.header, font=HEADER_FONT, fill=HEADER_FILL) for c in columns])
    for pk, name, tier_users, cloud_users, sat_users in rows:
        values = {
            "key": f"L{license.pk}-C{pk}-V{versions.get(pk, 0)}",
            "legal_name": name,
            policy.TIER_USERS: tier_users or 0,
            policy.CLOUD_USERS: cloud_users or 0,
            policy.SAT_USERS: sat_users or 0,
        }
        cells = []
        for field in fields:
            if field == "key":
                cells.append(text_cell(ws, values[field]))
            elif field == "legal_name":
                cells.append(text_cell(ws, values[field], protection=UNLOCKED))
            else:
                cell = WriteOnlyCell(ws, value=values[field])
                cell.protection = UNLOCKED
                cells.append(cell)
        ws.append(cells)
    file = tempfile.TemporaryFile()  # noqa: SIM115 — the response streams and closes it
    wb.save(file)
    file.seek(0)
    filename = f"{slugify(license.get_tier_display())}-{license.pk}-bulk-edit.xlsx"
    return file, filename


def _number(value):
    """A count as typed: an int, a whole float as int, a numeric text as int, else as is."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if value is None or value == "":
        return 0
    return value


def bulk_workbook_read(*, file, license: VolumeLicense) -> list[BulkChange]:
    """The changes a workbook asks for; a ValidationError lists why the file is refused."""
    columns = bulk_columns(license)
    try:
        wb = load_workbook(file, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationError(_("This file is not an Excel workbook (.xlsx).")) from exc
    ws = wb.worksheets[0]
    errors: list[str] = []
    changes: list[BulkChange] = []
    for number, row in enumerate(ws.iter_rows(min_row=HEADER_ROW + 1), HEADER_ROW + 1):
        cells = list(row[: len(columns)])
        if not any(getattr(c, "value", None) not in (None, "") for c in cells):
            continue
        if len(changes) >= MAX_ROWS:
            raise ValidationError(
                _("The workbook has more than %(count)s rows: split it in several files.")
                % {"count": count_text(MAX_ROWS)}
            )
        values = {}
        formula = False
        for column, cell in zip(columns, cells, strict=False):
            value = cell.value
            if getattr(cell, "data_type", None) == "f" or (
                isinstance(value, str) and value.startswith("=")
            ):
                formula = True
            values[column.field] = value
        if formula:
            errors.append(
                _("Row %(row)s: formulas are not accepted, type the number.") % {"row": number}
            )
            continue
        match = KEY_RE.match(str(values.get("key") or "").strip())
        if not match:
            errors.append(
                _("Row %(row)s: the key is missing or was changed; download the workbook again.")
                % {"row": number}
            )
            continue
        license_id, customer_id, version = (int(g) for g in match.groups())
        if license_id != license.pk:
            raise ValidationError(
                _(
                    "This workbook belongs to another license (its key names license %(other)s): "
                    "download the workbook from this license's page."
                )
                % {"other": license_id}
            )
        changes.append(
            BulkChange(
                customer_id=customer_id,
                legal_name=str(values.get("legal_name") or ""),
                tier_users=_number(values.get(policy.TIER_USERS)),
                cloud_users=_number(values.get(policy.CLOUD_USERS)),
                sat_users=_number(values.get(policy.SAT_USERS)),
                version=version,
                row=number,
            )
        )
    wb.close()
    if errors:
        raise ValidationError(errors)
    return changes


BULK_SALT = "licenses.bulk_edit"
BULK_MAX_AGE = 3600  # seconds a preview may wait for its Apply


def bulk_token(*, license: VolumeLicense, changes: list[BulkChange]) -> str:
    """The previewed rows that change something, signed, for the Apply form (no server state)."""
    rows = [
        [c.customer_id, c.legal_name, c.tier_users, c.cloud_users, c.sat_users, c.version, c.row]
        for c in changes
    ]
    return signing.dumps({"license": license.pk, "rows": rows}, salt=BULK_SALT, compress=True)


def bulk_token_read(token: str, *, license: VolumeLicense) -> list[BulkChange] | None:
    """The rows a preview signed, if it was this license's and is recent; else None."""
    try:
        data = signing.loads(token, salt=BULK_SALT, max_age=BULK_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("license") != license.pk:
        return None
    return [BulkChange(*row) for row in data["rows"]]
