"""Schemathesis hooks for tests/test_api_contract.py (loaded through SCHEMATHESIS_HOOKS).

A license id Schemathesis generates as a whole number becomes the test partner's license
(LMP_FUZZ_LICENSE): random ids would only ever reach the 404, never the operation. Ids it
generates of the wrong type (a text, a float) are left as they are: they must be refused.
"""

from __future__ import annotations

import os

import schemathesis

LICENSE = int(os.environ.get("LMP_FUZZ_LICENSE", "0"))


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if not path_parameters:
        return path_parameters
    value = path_parameters.get("license_pk")
    if LICENSE and isinstance(value, int) and not isinstance(value, bool):
        path_parameters["license_pk"] = LICENSE
    return path_parameters
