"""The chapters' computed verdicts turn with the numbers."""

import pytest

from probing_rnns import sentiment
from probing_rnns.verdicts import (
    beyond_seeds,
    bleu_points,
    changed_fields,
    percent_points,
    sample_gap,
    seed_gap,
)


def test_changed_fields_names_exactly_the_fields_that_differ():
    a = sentiment.Config()
    assert changed_fields(a, a) == set()
    assert changed_fields(a, sentiment.Config(cell="gru", epochs=9)) == {"cell", "epochs"}


def test_changed_fields_refuses_configs_of_different_types():
    with pytest.raises(TypeError):
        changed_fields(sentiment.Config(), object())


def test_seed_gap_turns_with_the_side_and_with_the_spread():
    mean, std = {"a": 0.86, "b": 0.85}, {"a": 0.001, "b": 0.002}
    beyond = seed_gap(mean, std, "a", "b")
    assert beyond == (
        "평균 1.00%p 높습니다. 시드 사이 표준편차의 두 배(0.40%p)와 견주면 "
        "시드의 우연으로 보기 어렵습니다"
    )
    assert "낮습니다" in seed_gap(mean, std, "b", "a")
    within = seed_gap(mean, {"a": 0.001, "b": 0.02}, "a", "b")
    assert within.endswith("이 예산에서는 구별되지 않습니다") and "4.00%p" in within
    assert "같습니다" in seed_gap({"a": 1.0, "b": 1.0}, {"a": 0.0, "b": 0.0}, "a", "b")
    tiny = seed_gap({"a": 0.871733, "b": 0.8717}, {"a": 0.0028, "b": 0.0011}, "a", "b")
    assert tiny.startswith("평균은 표시한 자리까지 같습니다.") and "0.00%p" not in tiny


def test_beyond_seeds_is_the_sign_of_a_gap_wider_than_twice_the_larger_std():
    mean = {"a": 0.86, "b": 0.85}
    assert beyond_seeds(mean, {"a": 0.001, "b": 0.002}, "a", "b") == 1
    assert beyond_seeds(mean, {"a": 0.001, "b": 0.002}, "b", "a") == -1
    assert beyond_seeds(mean, {"a": 0.001, "b": 0.0051}, "a", "b") == 0  # band 1.02 %p
    assert beyond_seeds(mean, {"a": 0.0, "b": 0.0}, "a", "a") == 0


def test_points_format_differences():
    assert percent_points(0.0123) == "1.23%p"
    assert bleu_points(0.284) == "0.28 BLEU"
    assert seed_gap(
        {"x": 8.48, "y": 8.75}, {"x": 0.92, "y": 0.5}, "x", "y", bleu_points
    ).startswith("평균 0.27 BLEU 낮습니다")


def test_sample_gap_compares_with_twice_the_standard_error_of_a_difference():
    # n = 2000: 2 × √(0.5 / 2000) = 3.16 %p
    assert sample_gap(0.80, 0.75, 2000) == (
        "5.0%p 높습니다. 표준오차의 두 배(3.2%p)와 견주면 "
        "평가 표본의 우연만으로는 설명하기 어렵습니다"
    )
    assert sample_gap(0.75, 0.77, 2000).startswith("2.0%p 낮습니다") and sample_gap(
        0.75, 0.77, 2000
    ).endswith("구별되지 않습니다")
    assert "구별되지 않습니다" not in sample_gap(0.75, 0.77, 200_000)
