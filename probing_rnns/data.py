"""The book's datasets, read from the vendored `data/` folder and checked against their sha256.

NSMC (네이버 영화 리뷰 감성 말뭉치) for sentiment classification, and the Tatoeba Korean–English
sentence pairs for translation. Nothing is downloaded: the files ship with the repository.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import random
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Hashable, Sequence, TypeVar

DATA_ENV = "PROBING_RNNS_DATA"
DATA_SEED = 0  # every task draws its splits and subsets with this seed, whatever the run's seed

# sha256 of each file *after gunzip*, as given in the folder's SOURCE.md.
SHA256 = {
    "nsmc/ratings_train.txt.gz": "e03b7d14e9e41be8d464a28057cd25d7396c53e67aa7fd5f7e552c59b0ee2940",
    "nsmc/ratings_test.txt.gz": "8ac9f64052f11dbf6ae0acb5e038f03d90a76f0eda7820cfb3a92d02edfcebda",
    "tatoeba_kor_eng/kor.txt.gz": (
        "6c9d8de3e500306997e4083274fb0038ef521651ffb2b7923e4e607a59d09dbc"
    ),
}

T = TypeVar("T")


class DataFileError(OSError):
    """A vendored data file is missing or corrupt; the message says which and what to do."""


@dataclass(frozen=True)
class Review:
    """One NSMC review: `label` 0 = 부정 (negative), 1 = 긍정 (positive)."""

    text: str
    label: int
    id: str = ""


@dataclass(frozen=True)
class Pair:
    """One Tatoeba sentence pair; `attribution` credits the Tatoeba contributors (CC BY 2.0 FR)."""

    ko: str
    en: str
    attribution: str


def data_dir() -> Path:
    """`$PROBING_RNNS_DATA` if set, else the repository's `data/` folder."""
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser() if env else Path(__file__).resolve().parent.parent / "data"


def read_verified(relpath: str) -> str:
    """Gunzip `data_dir()/relpath`, check its sha256 and return the text."""
    path = data_dir() / relpath
    fix = (
        f"저장소의 data/ 폴더를 다시 받거나(git checkout -- data), 환경 변수 {DATA_ENV}로 "
        f"데이터 폴더를 지정하세요. (Restore data/ from the repository or set {DATA_ENV}.)"
    )
    if not path.is_file():
        raise DataFileError(f"데이터 파일이 없습니다 (missing data file): {path}\n{fix}")
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as err:
        raise DataFileError(
            f"데이터 파일이 손상되었습니다 (not a valid gzip file): {path} ({err})\n{fix}"
        ) from None
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256[relpath]:
        raise DataFileError(
            f"데이터 파일의 체크섬이 다릅니다 (sha256 mismatch): {path}\n"
            f"  기대값 expected {SHA256[relpath]}\n  실제값 actual   {digest}\n{fix}"
        )
    return raw.decode("utf-8")


@lru_cache(maxsize=None)
def _nsmc_rows(split: str) -> tuple[Review, ...]:
    text = read_verified(f"nsmc/ratings_{split}.txt.gz")
    # csv unquotes the 623 + 233 reviews written as """...""" (see data/nsmc/SOURCE.md).
    rows = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    header = next(rows)
    assert header == ["id", "document", "label"], header
    return tuple(Review(text=doc, label=int(label), id=rid) for rid, doc, label in rows)


def load_nsmc(split: str = "train", drop_empty: bool = True) -> list[Review]:
    """NSMC reviews of `split` ("train" or "test").

    Empty documents (5 in train, 3 in test) are dropped unless `drop_empty=False`;
    duplicate reviews are kept, as in the original benchmark.
    """
    if split not in ("train", "test"):
        raise ValueError(
            f"split은 'train' 또는 'test'입니다 (got {split!r}). "
            "검증 세트는 train_val_split()으로 train에서 떼어 냅니다."
        )
    rows = _nsmc_rows(split)
    return [r for r in rows if r.text.strip()] if drop_empty else list(rows)


@lru_cache(maxsize=None)
def _tatoeba_pairs() -> tuple[Pair, ...]:
    lines = read_verified("tatoeba_kor_eng/kor.txt.gz").splitlines()
    return tuple(
        Pair(ko=ko, en=en, attribution=credit)
        for en, ko, credit in (line.split("\t") for line in lines)
    )


def load_tatoeba_ko_en() -> list[Pair]:
    """All 5,749 Korean–English pairs, in file order (sorted by English length: shuffle before
    splitting).

    Credit: Tatoeba (tatoeba.org) and www.manythings.org/anki, CC BY 2.0 FR.
    """
    return list(_tatoeba_pairs())


def train_val_split(
    items: Sequence[T], val_size: int | float = 0.1, seed: int = 0
) -> tuple[list[T], list[T]]:
    """Shuffle `items` with `seed` and cut off a validation part (a count, or a fraction if < 1)."""
    n_val = round(len(items) * val_size) if isinstance(val_size, float) else val_size
    if not 0 < n_val < len(items):
        raise ValueError(
            f"val_size={val_size} leaves no training or no validation items (n={len(items)})"
        )
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    return shuffled[n_val:], shuffled[:n_val]


def subsample(items: Sequence[T], n: int, seed: int = 0) -> list[T]:
    """`n` items drawn without replacement with `seed` (all of them, shuffled, if n >= len)."""
    return random.Random(seed).sample(list(items), min(n, len(items)))


def linked_groups(items: Sequence[T], keys: Sequence[Callable[[T], Hashable]]) -> list[list[T]]:
    """The connected groups of `items`: two items are linked when any function in `keys` gives them
    the same value, and a group holds every item reachable through links (in first-seen order)."""
    first_with: dict[tuple[int, Hashable], int] = {}
    parent = list(range(len(items)))  # union-find forest over item indices

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, item in enumerate(items):
        for k, key in enumerate(keys):
            parent[root(i)] = root(first_with.setdefault((k, key(item)), i))
    groups: dict[int, list[T]] = {}
    for i, item in enumerate(items):
        groups.setdefault(root(i), []).append(item)
    return list(groups.values())


def group_split(
    items: Sequence[T], keys: Sequence[Callable[[T], Hashable]], sizes: Sequence[int], seed: int = 0
) -> list[list[T]]:
    """Cut `items` into parts of exactly `sizes` items plus the rest, keeping `linked_groups` whole.

    The groups are shuffled with `seed`, and each goes into the first part it still fits in (or the
    rest), so no part shares a key value with another: e.g. with keys = (source, translation), no
    sentence of the test part appears in the training part.
    """
    groups = linked_groups(items, keys)
    random.Random(seed).shuffle(groups)
    parts: list[list[T]] = [[] for _ in range(len(sizes) + 1)]
    for group in groups:
        fits = (p for p, size in enumerate(sizes) if len(parts[p]) + len(group) <= size)
        parts[next(fits, len(sizes))].extend(group)
    if any(len(part) != size for part, size in zip(parts, sizes)):
        raise ValueError(f"sizes {list(sizes)}: too few small groups among {len(items)} items")
    return parts
