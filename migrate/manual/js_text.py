"""Numbers and JSON as JavaScript writes them, for byte-exact exports.

Twenty's server export turns every non-string value into text with `JSON.stringify`
(`packages/twenty-shared/src/utils/csv/formatValueForCSV.ts`), so a number reads as
`Number.prototype.toString` does: shortest round-trip digits, plain notation from 1e-6 up to
1e21, exponent form (`1e-7`, `1.5e+21`) outside that range.
"""

from __future__ import annotations

import json
import math
from typing import Any


def number_text(value: float) -> str:
    """`String(value)` in JavaScript for a finite number (ECMAScript Number::toString).

    Python's `repr` gives the same shortest round-trip digits; only the layout differs."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number here")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    if number == 0:
        return "0"
    mantissa, _, exponent = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    point = len(whole) + int(exponent or 0)
    digits = all_digits.lstrip("0")
    point -= len(all_digits) - len(digits)
    digits = digits.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        head = digits[0] + ("." + digits[1:] if k > 1 else "")
        body = f"{head}e{'+' if e >= 0 else '-'}{abs(e)}"
    return ("-" if number < 0 else "") + body


def json_text(value: Any) -> str:
    """`JSON.stringify(value)` for JSON-shaped Python values (no spaces, JS numbers)."""
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
