#!/usr/bin/env python3
"""Validates the hearth/v1 contract's examples and the C encoder's output against the JSON Schemas.

usage: validate_schemas.py FIRMWARE_INTERFACE_DIR EMIT_BINARY

- every schema is a valid draft 2020-12 schema;
- every message kind has at least one valid and one invalid example;
- examples/messages/valid/<kind>.<case>.json validate, examples/messages/invalid/... do not;
- every line "<kind> <json>" printed by EMIT_BINARY (hearth-fw-emit) validates, and every kind the
  device sends is among them;
- no valid message exceeds the contract's size limit (compact JSON).
Exits 77 (ctest: skipped) when python3-jsonschema is missing, unless CI=true.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

try:
    from jsonschema import Draft202012Validator
except ImportError:
    print("python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(1 if os.environ.get("CI") == "true" else 77)

DEVICE_KINDS = {"reading", "status", "describe", "ack", "claim"}  # what firmware publishes
SIZE_LIMIT = {"describe": 2048}
DEFAULT_LIMIT = 1024


def main() -> int:
    root = Path(sys.argv[1])
    emit = sys.argv[2]
    failures = []
    validators = {}
    for path in sorted((root / "schemas").glob("*.schema.json")):
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        validators[path.name.split(".")[0]] = Draft202012Validator(schema)

    seen = {"valid": set(), "invalid": set()}
    for outcome in ("valid", "invalid"):
        for path in sorted((root / "examples" / "messages" / outcome).glob("*.json")):
            kind = path.name.split(".")[0]
            if kind not in validators:
                failures.append(f"{path}: no schema for kind '{kind}'")
                continue
            seen[outcome].add(kind)
            message = json.loads(path.read_text())
            errors = [e.message for e in validators[kind].iter_errors(message)]
            if outcome == "valid" and errors:
                failures.append(f"{path}: should be valid: {errors[0]}")
            if outcome == "invalid" and not errors:
                failures.append(f"{path}: should be invalid but validates")
            size = len(json.dumps(message, separators=(",", ":")))
            if outcome == "valid" and size > SIZE_LIMIT.get(kind, DEFAULT_LIMIT):
                failures.append(f"{path}: {size} bytes is over the limit")
    for outcome, kinds in seen.items():
        for kind in sorted(set(validators) - kinds):
            failures.append(f"no {outcome} example for '{kind}'")

    out = subprocess.run([emit], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        failures.append(f"{emit} failed: {out.stderr.strip()}")
    emitted = set()
    lines = out.stdout.splitlines()
    for line in lines:
        kind, _, payload = line.partition(" ")
        emitted.add(kind)
        errors = [e.message for e in validators[kind].iter_errors(json.loads(payload))] if kind in validators else [
            "unknown kind"]
        if errors:
            failures.append(f"encoder output for {kind} invalid: {errors[0]}: {payload}")
        if len(payload) > SIZE_LIMIT.get(kind, DEFAULT_LIMIT):
            failures.append(f"encoder output for {kind} is {len(payload)} bytes")
    for kind in sorted(DEVICE_KINDS - emitted):
        failures.append(f"the C encoder emitted no '{kind}' message")

    examples = sum(len(list((root / "examples" / "messages" / o).glob("*.json"))) for o in seen)
    for f in failures:
        print("FAIL", f)
    print(f"{len(validators)} schemas, {examples} examples, {len(lines)} encoder messages: "
          f"{'ok' if not failures else str(len(failures)) + ' failures'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
