"""A vocabulary (어휘): tokens ↔ ids, built on training data only."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Iterable, Sequence

SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")


@dataclass
class Vocab:
    """`itos[i]` is the token with id `i`; ids 0–3 are `<pad> <unk> <bos> <eos>`."""

    itos: list[str]
    stoi: dict[str, int] = field(init=False, repr=False)

    pad_id, unk_id, bos_id, eos_id = range(4)

    def __post_init__(self) -> None:
        if tuple(self.itos[:4]) != SPECIALS:
            raise ValueError(f"a vocabulary starts with {SPECIALS}")
        self.stoi = {tok: i for i, tok in enumerate(self.itos)}

    @classmethod
    def build(
        cls, token_lists: Iterable[Sequence[str]], min_freq: int = 1, max_size: int | None = None
    ) -> Vocab:
        """Tokens seen at least `min_freq` times, most frequent first (ties: alphabetical), at most
        `max_size` besides the specials."""
        counts = Counter(chain.from_iterable(token_lists))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        words = [tok for tok, n in ranked if n >= min_freq and tok not in SPECIALS]
        return cls(list(SPECIALS) + words[:max_size])

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(
        self, tokens: Sequence[str], add_bos: bool = False, add_eos: bool = False
    ) -> list[int]:
        """Ids of `tokens`; a token not in the vocabulary becomes `<unk>`."""
        ids = [self.stoi.get(tok, self.unk_id) for tok in tokens]
        return [self.bos_id] * add_bos + ids + [self.eos_id] * add_eos

    def decode(self, ids: Iterable[int], skip_specials: bool = True) -> list[str]:
        """Tokens of `ids`; `<pad> <bos> <eos>` are left out unless `skip_specials=False` (`<unk>`
        stays)."""
        skip = {self.pad_id, self.bos_id, self.eos_id} if skip_specials else set()
        return [self.itos[i] for i in ids if i not in skip]

    def coverage(self, token_lists: Iterable[Sequence[str]]) -> float:
        """Share of tokens (running words) that are in the vocabulary, i.e. 1 − `<unk>` rate."""
        counts = Counter(tok in self.stoi for tok in chain.from_iterable(token_lists))
        total = counts[True] + counts[False]
        return counts[True] / total if total else 1.0

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.itos, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Vocab:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))
