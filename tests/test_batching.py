import random

import pytest
import torch

from probing_rnns.batching import loader_order, make_loader, pad_batch

SEQS = [[5, 6, 7], [8], [9, 10]]


def test_right_padding():
    batch = pad_batch(SEQS, pad_id=0, padding_side="right")
    assert batch.ids.tolist() == [[5, 6, 7], [8, 0, 0], [9, 10, 0]]
    assert batch.mask.tolist() == [[True] * 3, [True, False, False], [True, True, False]]
    assert batch.lengths.tolist() == [3, 1, 2]


def test_left_padding():
    batch = pad_batch(SEQS, pad_id=0, padding_side="left")
    assert batch.ids.tolist() == [[5, 6, 7], [0, 0, 8], [0, 9, 10]]
    assert batch.mask.tolist() == [[True] * 3, [False, False, True], [False, True, True]]


@pytest.mark.parametrize("side", ["left", "right"])
def test_mask_selects_exactly_the_sequences(side):
    rng = random.Random(0)
    seqs = [[rng.randrange(4, 50) for _ in range(rng.randrange(0, 12))] for _ in range(32)]
    batch = pad_batch(seqs, pad_id=1, padding_side=side)
    for row, mask, seq in zip(batch.ids, batch.mask, seqs):
        assert row[mask].tolist() == seq
        assert (row[~mask] == 1).all()
    assert batch.mask.sum(1).tolist() == [len(s) for s in seqs]


def test_truncation_and_empty_sequences():
    batch = pad_batch([[1, 2, 3, 4], []], max_len=2, padding_side="left")
    assert batch.ids.tolist() == [[1, 2], [0, 0]]
    assert batch.lengths.tolist() == [2, 0]
    assert pad_batch([[], []]).ids.shape == (2, 1)  # never a zero-length time axis


def test_unknown_padding_side():
    with pytest.raises(ValueError, match="padding_side"):
        pad_batch(SEQS, padding_side="middle")


def test_loader_is_seeded():
    encoded = [[i] * (i % 5 + 1) for i in range(20)]
    labels = [i % 2 for i in range(20)]

    def order(seed):
        return [b.labels.tolist() for b in make_loader(encoded, labels, 4, shuffle=True, seed=seed)]

    assert order(0) == order(0)
    assert order(0) != order(1)
    batch = next(iter(make_loader(encoded, labels, 4, padding_side="left")))
    assert batch.ids.shape == (4, 4) and batch.labels.dtype == torch.long


def test_loader_checks_lengths():
    with pytest.raises(ValueError):
        make_loader([[1]], [0, 1])


def test_bucket_sampler_makes_equal_length_batches_and_covers_everything():
    rng = random.Random(0)
    encoded = [[1] * rng.randrange(1, 100) for _ in range(1_000)]
    labels = list(range(1_000))
    loader = make_loader(encoded, labels, 32, shuffle=True, seed=0, bucket=True, max_len=60)
    batches = list(loader)
    assert len(batches) == len(loader.batch_sampler)
    # every example exactly once
    assert sorted(i for b in batches for i in b.labels.tolist()) == labels
    assert all(b.mask.all() for b in batches)  # no padding at all
    assert all(len(b.labels) <= 32 for b in batches) and max(b.ids.shape[1] for b in batches) == 60

    def lengths(seed):
        return [
            b.lengths.tolist()
            for b in make_loader(encoded, labels, 32, shuffle=True, seed=seed, bucket=True)
        ]

    assert lengths(0) == lengths(0) and lengths(0) != lengths(1)
    first, second = ([b.lengths.tolist() for b in loader] for _ in range(2))
    assert first != second  # a new order every epoch


@pytest.mark.parametrize("bucket", [True, False])
def test_loader_order_is_the_order_examples_come_in(bucket):
    """The labels are the examples' indices, so the batches themselves are the reference."""
    encoded = [[1] * n for n in (3, 1, 2, 3, 1, 5, 2)]
    loader = make_loader(encoded, list(range(7)), 2, bucket=bucket)
    assert loader_order(loader) == [i for b in loader for i in b.labels.tolist()]
    assert loader_order(loader) == ([1, 4, 2, 6, 0, 3, 5] if bucket else list(range(7)))
