"""selfcheck.run_tests: the chapters' way of asking which tests a deliberate bug breaks."""

import pytest

from probing_rnns import selfcheck

SAMPLE = """
import pytest

def test_passes():
    assert 1 + 1 == 2

@pytest.mark.parametrize("x", [1, 2])
def test_fails_for_two(x):
    assert x == 1
"""


def test_run_tests_reports_each_outcome(tmp_path):
    path = tmp_path / "test_sample.py"
    path.write_text(SAMPLE)
    outcomes = selfcheck.run_tests(path)
    assert outcomes.passed == ["test_passes", "test_fails_for_two[1]"]
    assert outcomes.failed == ["test_fails_for_two[2]"]
    assert selfcheck.Outcomes.functions(outcomes.failed) == ["test_fails_for_two"]


def test_run_tests_selects_by_keyword(tmp_path):
    # a new module name: Python has imported test_sample already
    path = tmp_path / "test_keyword_sample.py"
    path.write_text(SAMPLE)
    outcomes = selfcheck.run_tests(path, keyword="passes")
    assert outcomes.passed == ["test_passes"] and outcomes.failed == []


def test_a_file_that_cannot_be_collected_is_an_error(tmp_path):
    path = tmp_path / "test_broken_sample.py"
    path.write_text("import no_such_module_anywhere\n")
    with pytest.raises(RuntimeError, match="no_such_module_anywhere"):
        selfcheck.run_tests(path)


def test_a_missing_test_file_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="테스트 파일이 없습니다"):
        selfcheck.run_tests("test_no_such_file.py")
