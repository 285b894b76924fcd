"""Run the repository's own tests from a chapter and see which pass and which fail.

Some exercises break the library on purpose (drop the tanh of the RNN cell, forget the forget gate
in a hand-written backward pass) and ask which tests notice. Their solutions patch the code, call
`run_tests` and read the outcome, instead of predicting it in prose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent / "tests"


@dataclass
class Outcomes:
    """A pytest plugin that records the outcome of every test it sees (ids without the file
    name)."""

    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # files that could not be collected

    # pytest hook: one report per phase of a test
    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call":
            (self.failed if report.failed else self.passed).append(report.nodeid.split("::")[-1])

    def pytest_collectreport(self, report) -> None:  # pytest hook: a file (or class) collected
        if report.failed:
            self.errors.append(f"{report.nodeid}: {report.longreprtext.strip().splitlines()[-1]}")

    @staticmethod
    def functions(ids: list[str]) -> list[str]:
        """Test function names, each once, without their parameters: "test_x[RNN-naive]" →
        "test_x"."""
        return sorted({test_id.split("[")[0] for test_id in ids})


def run_tests(test_file: str | Path, keyword: str = "") -> Outcomes:
    """Run one test file of tests/ (or a path) in this process, optionally only tests matching
    `keyword`.

    The process's current code runs, so a patch applied around this call is what the tests see.
    """
    path = Path(test_file) if Path(test_file).is_absolute() else TESTS / test_file
    if not path.is_file():
        raise FileNotFoundError(
            f"테스트 파일이 없습니다: {path} (no such test file; the tests ship with the "
            "repository, not with an installed package)"
        )
    outcomes = Outcomes()
    args = [
        str(path),
        "-p",
        "no:terminal",
        "-p",
        "no:cacheprovider",
        *(["-k", keyword] if keyword else []),
    ]
    pytest.main(args, plugins=[outcomes])
    if outcomes.errors:
        raise RuntimeError(
            "테스트를 모으지 못했습니다 (collection failed): " + "; ".join(outcomes.errors)
        )
    return outcomes
