"""Schemathesis hooks for tests/api/test_api_contract.py (loaded through SCHEMATHESIS_HOOKS).

Ids Schemathesis generates as whole numbers become the test partner's own (LMP_FUZZ_LICENSE,
and LMP_FUZZ_IDS: the customers' and the onboarding orders' ids, and the months of its
statements, as JSON): random ids would only ever reach the 404, never the operation. Ids of the
wrong type (a text, a float) and months that are not of the form 2026-11 are left as they are:
they must be refused.
"""

from __future__ import annotations

import json
import os
import re

import schemathesis

LICENSE = int(os.environ.get("LMP_FUZZ_LICENSE", "0"))
IDS: dict[str, list] = json.loads(os.environ.get("LMP_FUZZ_IDS", "{}"))
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if not path_parameters:
        return path_parameters
    if LICENSE and _whole(path_parameters.get("license_pk")):
        path_parameters["license_pk"] = LICENSE
    path = context.operation.path if context.operation is not None else ""
    kind = "customers" if "/customers/{id}" in path else "onboarding-orders"
    ids = IDS.get(kind)
    if ids and _whole(path_parameters.get("id")):
        path_parameters["id"] = ids[path_parameters["id"] % len(ids)]
    month, months = path_parameters.get("month"), IDS.get("statements")
    if months and isinstance(month, str) and MONTH.fullmatch(month):
        path_parameters["month"] = months[sum(map(ord, month)) % len(months)]
    return path_parameters


# LMP_FUZZ_RESPONSES: a file each response's operation and status are appended to, one line each
# ("GET /api/v1/licenses/ 200"): the test checks that the run reached every operation's success.
RESPONSES = os.environ.get("LMP_FUZZ_RESPONSES", "")


@schemathesis.hook
def after_call(context, case, response):
    if RESPONSES:
        with open(RESPONSES, "a", encoding="utf-8") as out:
            out.write(
                f"{case.operation.method.upper()} {case.operation.path} {response.status_code}\n"
            )
