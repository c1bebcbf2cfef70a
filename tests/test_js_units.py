"""The JavaScript unit tests (``tests/js/*.test.mjs``: the page's pure modules under ``node --test``),
run as part of the Python suite so that README's one test command covers them. No browser and no
build step: the modules in ``static/`` are imported as they are served. A missing ``node`` fails
this test rather than skipping it (``scripts/test.sh`` installs Debian's ``nodejs``)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JS_TESTS = sorted((ROOT / "tests" / "js").glob("*.test.mjs"))


def test_javascript_unit_tests_pass_under_node() -> None:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.fail("node is not installed: the JavaScript unit tests need it (apt-get install nodejs)")
    assert JS_TESTS, "no tests/js/*.test.mjs found"
    result = subprocess.run(
        [node, "--test", *(str(p.relative_to(ROOT)) for p in JS_TESTS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    counts = {name: int(n) for name, n in re.findall(r"^# (tests|pass|fail) (\d+)$", report, re.MULTILINE)}
    assert counts.get("fail") == 0 and counts.get("pass") == counts.get("tests"), report[-3000:]
    assert counts["tests"] >= len(JS_TESTS), "every file ran"
