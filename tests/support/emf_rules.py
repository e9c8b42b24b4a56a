#!/usr/bin/env python3
"""Checks CloudWatch Embedded Metric Format (EMF) log lines against the specification.

Written from the AWS "Specification: Embedded metric format" and the CloudWatch API limits, not
from our writer, so that tests can hold the writer to it:

  python3 tests/support/emf_rules.py FILE   # one EMF event per line; exit 1 listing problems

validate(line) returns the rule violations of one line (empty when it is a valid EMF event).
Standard library only.
"""

import json
import math
import sys

MAX_EVENT_BYTES = 1024 * 1024
MIN_TIMESTAMP_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
MAX_TIMESTAMP_MS = 4_102_444_800_000  # 2100-01-01T00:00:00Z
MAX_NAME_LENGTH = 255
MAX_DIMENSION_VALUE_LENGTH = 1024
MAX_DIMENSIONS_PER_SET = 30
MAX_METRICS_PER_DIRECTIVE = 100
MAX_VALUES_PER_METRIC = 100
STORAGE_RESOLUTIONS = (1, 60)
NAMESPACE_CHARACTERS = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-/#: ")
UNITS = frozenset([
    "Seconds", "Microseconds", "Milliseconds",
    "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
    "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
    "Gigabits/Second", "Terabits/Second", "Count/Second",
    "None",
])


class _Duplicate(Exception):
    pass


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _unique_object(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise _Duplicate(key)
        obj[key] = value
    return obj


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_blank(text):
    return text.strip() == ""


def _is_printable_ascii(text):
    return all(0x20 <= ord(c) < 0x7F for c in text)


def _check_namespace(namespace, where, problems):
    if not isinstance(namespace, str):
        problems.append(f"{where}.Namespace must be a string")
        return
    if not 1 <= len(namespace) <= MAX_NAME_LENGTH:
        problems.append(f"{where}.Namespace must have 1-{MAX_NAME_LENGTH} characters")
    if _is_blank(namespace):
        problems.append(f"{where}.Namespace must contain a non-whitespace character")
    if namespace.startswith(":"):
        problems.append(f"{where}.Namespace must not start with ':'")
    if namespace.startswith("AWS/"):
        problems.append(f"{where}.Namespace 'AWS/' is reserved for AWS services")
    bad = sorted(set(namespace) - NAMESPACE_CHARACTERS)
    if bad:
        problems.append(f"{where}.Namespace has invalid characters {''.join(bad)!r}")


def _check_dimensions(dimensions, root, where, problems):
    if not isinstance(dimensions, list):
        problems.append(f"{where}.Dimensions must be an array of dimension sets")
        return
    for s, dimension_set in enumerate(dimensions):
        here = f"{where}.Dimensions[{s}]"
        if not isinstance(dimension_set, list):
            problems.append(f"{here} must be an array of dimension names")
            continue
        if len(dimension_set) > MAX_DIMENSIONS_PER_SET:
            problems.append(
                f"{here} has {len(dimension_set)} dimensions, more than {MAX_DIMENSIONS_PER_SET}")
        if len(set(map(str, dimension_set))) != len(dimension_set):
            problems.append(f"{here} names a dimension twice")
        for name in dimension_set:
            if not isinstance(name, str):
                problems.append(f"{here} has a dimension name that is not a string: {name!r}")
                continue
            if not 1 <= len(name) <= MAX_NAME_LENGTH:
                problems.append(f"{here} dimension name must have 1-{MAX_NAME_LENGTH} characters")
            elif _is_blank(name) or name.startswith(":") or not _is_printable_ascii(name):
                problems.append(f"{here} dimension name {name!r} must be printable ASCII, "
                                f"not blank, not starting with ':'")
            if name not in root:
                problems.append(f"{here} dimension {name!r} has no top-level member")
                continue
            value = root[name]
            if not isinstance(value, str):
                problems.append(f"dimension {name!r} must have a string value, not {value!r}")
            elif not 1 <= len(value) <= MAX_DIMENSION_VALUE_LENGTH:
                problems.append(f"dimension {name!r} value must have 1-"
                                f"{MAX_DIMENSION_VALUE_LENGTH} characters")
            elif _is_blank(value) or not _is_printable_ascii(value):
                problems.append(f"dimension {name!r} value {value!r} must be printable ASCII "
                                f"and not blank")


def _check_metrics(metrics, root, where, problems):
    if not isinstance(metrics, list):
        problems.append(f"{where}.Metrics must be an array")
        return
    if len(metrics) > MAX_METRICS_PER_DIRECTIVE:
        problems.append(
            f"{where}.Metrics has {len(metrics)} metrics, more than {MAX_METRICS_PER_DIRECTIVE}")
    seen = set()
    for m, definition in enumerate(metrics):
        here = f"{where}.Metrics[{m}]"
        if not isinstance(definition, dict):
            problems.append(f"{here} must be an object")
            continue
        name = definition.get("Name")
        if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH or _is_blank(name):
            problems.append(f"{here}.Name must be a non-blank string of 1-{MAX_NAME_LENGTH} "
                            f"characters")
            continue
        if name in seen:
            problems.append(f"{here} metric {name!r} is defined twice in one directive")
        seen.add(name)
        if "Unit" in definition and definition["Unit"] not in UNITS:
            problems.append(f"{here}.Unit {definition['Unit']!r} is not a CloudWatch unit")
        if "StorageResolution" in definition and (
                not _is_integer(definition["StorageResolution"])
                or definition["StorageResolution"] not in STORAGE_RESOLUTIONS):
            problems.append(f"{here}.StorageResolution must be 1 or 60")
        if name not in root:
            problems.append(f"metric {name!r} has no top-level member")
            continue
        value = root[name]
        if isinstance(value, list):
            if not value or len(value) > MAX_VALUES_PER_METRIC:
                problems.append(f"metric {name!r} must have 1-{MAX_VALUES_PER_METRIC} values, "
                                f"not {len(value)}")
            if not all(_is_number(v) for v in value):
                problems.append(f"metric {name!r} has a value that is not a finite number")
        elif not _is_number(value):
            problems.append(f"metric {name!r} must be a finite number or an array of them, "
                            f"not {value!r}")


def validate(line: str) -> list:
    """Returns the EMF rule violations of one log line (an empty list when it is valid)."""
    problems = []
    if len(line.encode("utf-8", "surrogatepass")) > MAX_EVENT_BYTES:
        problems.append(f"event larger than {MAX_EVENT_BYTES} bytes")
    try:
        root = json.loads(line, object_pairs_hook=_unique_object,
                          parse_constant=_reject_constant)
    except _Duplicate as e:
        return problems + [f"member {e.args[0]!r} appears twice in one object"]
    except ValueError as e:
        return problems + [f"not valid JSON: {e}"]
    if not isinstance(root, dict):
        return problems + ["event must be a JSON object"]
    aws = root.get("_aws")
    if not isinstance(aws, dict):
        return problems + ["_aws metadata object missing"]
    timestamp = aws.get("Timestamp")
    if not _is_integer(timestamp):
        problems.append("_aws.Timestamp must be an integer (epoch milliseconds)")
    elif not MIN_TIMESTAMP_MS <= timestamp < MAX_TIMESTAMP_MS:
        problems.append(f"_aws.Timestamp {timestamp} is not epoch milliseconds in 2000-2099")
    directives = aws.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return problems + ["_aws.CloudWatchMetrics must be a non-empty array"]
    for d, directive in enumerate(directives):
        where = f"_aws.CloudWatchMetrics[{d}]"
        if not isinstance(directive, dict):
            problems.append(f"{where} must be an object")
            continue
        for member in ("Namespace", "Dimensions", "Metrics"):
            if member not in directive:
                problems.append(f"{where}.{member} missing")
        if "Namespace" in directive:
            _check_namespace(directive["Namespace"], where, problems)
        if "Dimensions" in directive:
            _check_dimensions(directive["Dimensions"], root, where, problems)
        if "Metrics" in directive:
            _check_metrics(directive["Metrics"], root, where, problems)
    return problems


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} FILE", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            # Only "\n" ends a line: str.splitlines() would also split at U+2028 and friends,
            # which JSON strings may hold unescaped.
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError) as e:
        print(f"{argv[1]}: {e}", file=sys.stderr)
        return 2
    failed = False
    events = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        events += 1
        for problem in validate(line):
            failed = True
            print(f"{argv[1]}:{number}: {problem}")
    if events == 0:
        print(f"{argv[1]}: no EMF events")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
