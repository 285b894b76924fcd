import json
import math

import pytest
import torch

from probing_rnns import errors
from probing_rnns.batching import make_loader
from probing_rnns.data import Review
from probing_rnns.sentiment import Predictions


def predictions(labels: list[int], probs: list[float]) -> Predictions:
    return Predictions(
        torch.tensor(labels), torch.tensor(probs), torch.ones(len(labels), dtype=torch.long)
    )


# labels:  1    1    0    0    1    0
# probs:  .9   .2   .7   .1   .45  .95   → correct: T F F T F F
PRED = predictions([1, 1, 0, 0, 1, 0], [0.9, 0.2, 0.7, 0.1, 0.45, 0.95])
TEXTS = ["a", "b", "c", "d", "e", "f"]


def test_confident_mistakes_are_only_mistakes_surest_first():
    rows = errors.confident_mistakes(TEXTS, PRED, k=10)
    # mistakes b (confidence .8), c (.7), e (.55), f (.95) → f, b, c, e
    assert [r["리뷰"] for r in rows] == ["f", "b", "c", "e"]
    assert [r["정답"] for r in rows] == ["부정", "긍정", "부정", "긍정"]
    assert rows[0]["긍정 확률"] == pytest.approx(0.95)
    assert [r["리뷰"] for r in errors.confident_mistakes(TEXTS, PRED, k=2)] == ["f", "b"]


def test_confident_mistakes_of_a_perfect_model_is_empty():
    assert errors.confident_mistakes(["x", "y"], predictions([0, 1], [0.1, 0.8]), k=5) == []


def test_subset_accuracy_value_and_standard_error():
    selected = torch.tensor([True, True, False, True, False, False])  # a, b, d: 2 of 3 right
    row = errors.subset_accuracy(PRED, selected)
    assert row["리뷰 수"] == 3
    assert row["정확도"] == pytest.approx(2 / 3)
    assert row["표준오차"] == pytest.approx(math.sqrt(2 / 3 * 1 / 3 / 3))
    everything = errors.subset_accuracy(PRED, torch.ones(6, dtype=torch.bool))
    assert everything["정확도"] == pytest.approx(2 / 6)


def test_empty_subset_has_count_zero_and_no_nan():
    row = errors.subset_accuracy(PRED, torch.zeros(6, dtype=torch.bool))
    assert row == {"리뷰 수": 0, "정확도": None, "표준오차": None}
    json.dumps(row, allow_nan=False)  # JSON-safe
    assert errors.difference_from_rest(PRED, torch.zeros(6, dtype=torch.bool)) == {
        "차이": None,
        "표준오차": None,
    }
    assert errors.difference_from_rest(PRED, torch.ones(6, dtype=torch.bool)) == {
        "차이": None,
        "표준오차": None,
    }


def test_difference_from_rest():
    # a, d: both right; rest 0 of 4
    selected = torch.tensor([True, False, False, True, False, False])
    diff = errors.difference_from_rest(PRED, selected)
    assert diff["차이"] == pytest.approx(1.0)
    assert diff["표준오차"] == pytest.approx(0.0)
    negative = PRED.labels == 0  # c, d, f: only d is right
    # d (1 of 1) vs c, f (0 of 2)
    among = errors.difference_from_rest(PRED, selected, within=negative)
    assert among["차이"] == pytest.approx(1.0)
    positive = PRED.labels == 1  # a, b, e: a right; a selected → 1 of 1 vs 0 of 2
    assert errors.difference_from_rest(
        PRED, torch.tensor([False, True] + [False] * 4), within=positive
    )["차이"] == pytest.approx(0 - 1 / 2)


def test_contains_any_and_matches():
    texts = ["재미없지 않다", "최고", "안 봄", "불안한 연출", "good 영화"]
    assert errors.contains_any(texts, ["않", "안 "]).tolist() == [True, False, True, False, False]
    assert errors.contains_any(texts, []).tolist() == [False] * 5
    assert errors.matches(texts, r"[A-Za-z]").tolist() == [False, False, False, False, True]
    assert errors.matches(texts, r"(없|나쁘)지 ?않").tolist() == [True, False, False, False, False]
    assert errors.contains_any([], ["않"]).shape == (0,)


def test_conflicting_duplicates_on_a_hand_made_list():
    reviews = [
        Review("굿", 1),
        Review("굿", 1),
        Review("굿", 0),
        Review("최악", 0),
        Review("최악", 0),
        Review("ㅋ", 0),
        Review("ㅋ", 1),
        Review("별로", 0),
    ]
    assert errors.conflicting_duplicates(reviews) == [
        {"리뷰": "굿", "부정": 1, "긍정": 2},  # 3 occurrences first
        {"리뷰": "ㅋ", "부정": 1, "긍정": 1},
    ]
    # best possible: 굿 → 긍정 (2 of 3), 최악 2 of 2, ㅋ 1 of 2, 별로 1 of 1 → 6 of 8
    assert errors.accuracy_ceiling(reviews) == pytest.approx(6 / 8)
    assert errors.conflicting_duplicates([Review("a", 0), Review("a", 0)]) == []
    assert errors.accuracy_ceiling([Review("a", 0), Review("b", 1)]) == 1.0
    with pytest.raises(ValueError):
        errors.accuracy_ceiling([])


@pytest.mark.parametrize("bucket", [True, False])
def test_in_loader_order_lines_texts_up_with_predictions(bucket):
    texts = ["가나다", "가", "가나", "가나다라", "나", "다라"]
    encoded = [list(range(1, len(t) + 1)) for t in texts]
    labels = [0, 1, 0, 1, 1, 0]
    loader = make_loader(encoded, labels, batch_size=2, bucket=bucket)
    ordered = errors.in_loader_order(list(zip(texts, labels)), loader)
    batches = list(loader)
    assert [label for _, label in ordered] == torch.cat([b.labels for b in batches]).tolist()
    assert [len(t) for t, _ in ordered] == torch.cat([b.lengths for b in batches]).tolist()
    if bucket:
        # bucketing really reorders: the test would catch a missing reorder
        assert [t for t, _ in ordered] != texts
