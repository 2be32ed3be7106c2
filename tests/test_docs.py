"""Every command `pace --help` lists is documented in the README, and the README starts with the two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from faces.cli.app import run_app

README = Path(__file__).parent.parent / "README.md"


def test_readme_opens_with_the_two_setup_commands() -> None:
    head = README.read_text().splitlines()[:12]
    assert any("make demo" in line for line in head) and any("make test" in line for line in head)


def test_every_command_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["--help"]) == 0
    listed = set(re.findall(r"│ (\w[\w-]*)\s{2,}", capsys.readouterr().out))
    assert {"seed", "ask", "eval"} <= listed
    readme = README.read_text()
    missing = sorted(c for c in listed if f"pace {c}" not in readme)
    assert not missing, f"commands missing from README.md: {missing}"
