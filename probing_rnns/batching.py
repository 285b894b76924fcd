"""Batches of token ids: padding (패딩) on either side, lengths and masks (마스크)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Sequence

import torch
from torch.utils.data import DataLoader, Sampler

PADDING_SIDES = ("left", "right")


@dataclass
class Batch:
    ids: torch.Tensor  # (B, T) token ids, padded with pad_id
    lengths: torch.Tensor  # (B,) number of real tokens
    mask: torch.Tensor  # (B, T) True where a real token is
    labels: torch.Tensor | None = None  # (B,)

    @property
    def loss_terms(self) -> int:
        """How many terms a classifier's mean loss over this batch averages: one per sequence."""
        return len(self.ids)


def pad_batch(
    seqs: Sequence[Sequence[int]],
    pad_id: int = 0,
    padding_side: str = "right",
    max_len: int | None = None,
) -> Batch:
    """Pad id sequences to one length T (at least 1); sequences longer than `max_len` keep their
    first tokens."""
    if padding_side not in PADDING_SIDES:
        raise ValueError(f"padding_side must be one of {PADDING_SIDES}, got {padding_side!r}")
    seqs = [list(s)[:max_len] for s in seqs]
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)  # (B,)
    T = max(1, int(lengths.max()) if len(seqs) else 1)
    ids = torch.full((len(seqs), T), pad_id, dtype=torch.long)  # (B, T)
    positions = torch.arange(T)  # (T,)
    if padding_side == "right":
        mask = positions[None, :] < lengths[:, None]  # (B, T)
    else:
        mask = positions[None, :] >= T - lengths[:, None]  # (B, T)
    ids[mask] = torch.tensor([tok for s in seqs for tok in s], dtype=torch.long)
    return Batch(ids, lengths, mask)


class BucketSampler(Sampler[list[int]]):
    """Batches whose sequences all have the same length (no padding, faster epochs), in a seeded
    random order.

    Each epoch shuffles the data, groups it by length, cuts each group into batches (the last one of
    a group may be smaller) and shuffles the batches. Without `shuffle`: by length, in a fixed
    order.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, shuffle: bool, seed: int = 0):
        self.lengths, self.batch_size, self.shuffle = list(lengths), batch_size, shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return sum(-(-count // self.batch_size) for count in Counter(self.lengths).values())

    def __iter__(self):
        n, size = len(self.lengths), self.batch_size
        order = (
            torch.randperm(n, generator=self.generator).tolist() if self.shuffle else list(range(n))
        )
        groups: dict[int, list[int]] = {}
        for i in order:
            groups.setdefault(self.lengths[i], []).append(i)
        batches = [
            group[i : i + size]
            for _, group in sorted(groups.items())
            for i in range(0, len(group), size)
        ]
        if self.shuffle:
            batches = [
                batches[i] for i in torch.randperm(len(batches), generator=self.generator).tolist()
            ]
        return iter(batches)


@dataclass
class PairBatch:
    """A batch of sentence pairs: source (right-padded) and target `<bos> … <eos>`
    (right-padded)."""

    src: Batch
    tgt: Batch

    @property
    def loss_terms(self) -> int:
        """How many terms the batch's mean loss averages: one per target token after `<bos>`."""
        return int(self.tgt.mask[:, 1:].sum())


def _collate(examples: list[tuple[Sequence[int], int]], **pad_kwargs) -> Batch:
    seqs, labels = zip(*examples)
    batch = pad_batch(seqs, **pad_kwargs)
    batch.labels = torch.tensor(labels, dtype=torch.long)
    return batch


def _collate_pairs(
    examples: list[tuple[Sequence[int], Sequence[int]]], pad_id: int, max_len: int | None
) -> PairBatch:
    src, tgt = zip(*examples)
    return PairBatch(pad_batch(src, pad_id, max_len=max_len), pad_batch(tgt, pad_id))


def _loader(
    dataset: list,
    lengths: list[int],
    batch_size: int,
    shuffle: bool,
    seed: int,
    bucket: bool,
    collate,
) -> DataLoader:
    if bucket:
        return DataLoader(
            dataset,
            batch_sampler=BucketSampler(lengths, batch_size, shuffle, seed),
            collate_fn=collate,
        )
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size, shuffle=shuffle, generator=generator, collate_fn=collate)


def make_loader(
    encoded: Sequence[Sequence[int]],
    labels: Sequence[int],
    batch_size: int = 64,
    shuffle: bool = False,
    seed: int = 0,
    pad_id: int = 0,
    padding_side: str = "right",
    max_len: int | None = None,
    bucket: bool = False,
) -> DataLoader:
    """A DataLoader of `Batch`es; with `shuffle`, the order depends on `seed` only.

    `bucket=True` batches sequences of equal length together (see `BucketSampler`).
    """
    if len(encoded) != len(labels):
        raise ValueError(f"{len(encoded)} sequences but {len(labels)} labels")
    collate = partial(_collate, pad_id=pad_id, padding_side=padding_side, max_len=max_len)
    lengths = [len(s) if max_len is None else min(len(s), max_len) for s in encoded]
    return _loader(list(zip(encoded, labels)), lengths, batch_size, shuffle, seed, bucket, collate)


def loader_order(loader: DataLoader) -> list[int]:
    """The dataset index of every example, in the order one pass of `loader` yields them.

    Loaders that do not shuffle (validation, test) give the same order every pass; with buckets it
    is by length, so two tokenizers order the same reviews differently."""
    return [index for batch in loader.batch_sampler for index in batch]


def make_pair_loader(
    src: Sequence[Sequence[int]],
    tgt: Sequence[Sequence[int]],
    batch_size: int = 64,
    shuffle: bool = False,
    seed: int = 0,
    pad_id: int = 0,
    max_len: int | None = None,
    bucket: bool = True,
) -> DataLoader:
    """A DataLoader of `PairBatch`es; `bucket=True` batches sources of equal length (see
    `BucketSampler`)."""
    if len(src) != len(tgt):
        raise ValueError(f"{len(src)} source sentences but {len(tgt)} target sentences")
    collate = partial(_collate_pairs, pad_id=pad_id, max_len=max_len)
    lengths = [len(s) if max_len is None else min(len(s), max_len) for s in src]
    return _loader(list(zip(src, tgt)), lengths, batch_size, shuffle, seed, bucket, collate)
