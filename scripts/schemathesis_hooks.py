"""Schemathesis hooks for payterm's Cloud API (loaded by scripts/schemathesis.sh).

JSON Schema 2020-12, which OpenAPI 3.1 uses, counts `2.0` as an integer, and schemathesis draws
such spellings for integer fields. payterm refuses an amount written with a fraction or an
exponent even when its value is whole (`1000.0`, `1e3`: 400, issue 22 item 10), as the
document's descriptions say. So the cases meant to be accepted spell whole numbers as integers;
cases meant to be refused are left as drawn.
"""

import schemathesis
from schemathesis.generation import GenerationMode


def _integers(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integers(item) for item in value]
    return value


@schemathesis.hook
def map_case(ctx, case):
    meta = getattr(case, "meta", None)
    if meta is not None and meta.generation.mode == GenerationMode.POSITIVE and isinstance(case.body, (dict, list)):
        case.body = _integers(case.body)
    return case
