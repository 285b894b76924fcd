"""Tokenizers: syllables (음절) and Okt morphemes (형태소) for Korean, words for English; an on-disk cache for slow ones."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Protocol, Sequence

from tqdm import tqdm

CACHE_ENV = "PROBING_RNNS_CACHE"
SPACE = "▁"  # the syllable tokenizer's stand-in for a word boundary


class Tokenizer(Protocol):
    name: str
    cache_on_disk: bool  # slow tokenizers cache whole corpora (see tokenize_corpus)

    def __call__(self, text: str) -> list[str]: ...

    def detokenize(self, tokens: Sequence[str]) -> str: ...


class SyllableTokenizer:
    """Every character is a token; runs of whitespace become one `▁`.

    >>> SyllableTokenizer()("재미 없다")
    ['재', '미', '▁', '없', '다']
    """

    name = "syllable"
    cache_on_disk = False

    def __call__(self, text: str) -> list[str]:
        return list(SPACE.join(text.split()))

    def detokenize(self, tokens: Sequence[str]) -> str:
        return "".join(tokens).replace(SPACE, " ")


class OktTokenizer:
    """Morphemes from KoNLPy's Okt (Open Korean Text); needs a Java runtime.

    >>> OktTokenizer()("재미없지 않다")  # doctest: +SKIP
    ['재미없지', '않다']
    """

    cache_on_disk = True

    def __init__(self, norm: bool = False, stem: bool = False):
        from konlpy.tag import Okt  # starts a JVM: import only when asked for

        self.norm, self.stem = norm, stem
        self.name = f"okt{'-norm' if norm else ''}{'-stem' if stem else ''}"
        self._okt = Okt()

    def __call__(self, text: str) -> list[str]:
        return self._okt.morphs(text, norm=self.norm, stem=self.stem)

    def detokenize(self, tokens: Sequence[str]) -> str:
        return " ".join(tokens)  # Okt drops spacing, so this is only an approximation


class EnglishTokenizer:
    """Lower-cased words (with their apostrophe part) and punctuation marks, for the English side of translation.

    >>> EnglishTokenizer()("Tom didn't go, did he?")
    ['tom', "didn't", 'go', ',', 'did', 'he', '?']
    """

    name = "english"
    cache_on_disk = False
    _token = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")

    def __call__(self, text: str) -> list[str]:
        return self._token.findall(text.lower())

    def detokenize(self, tokens: Sequence[str]) -> str:
        return re.sub(r" ([.,!?;:])", r"\1", " ".join(tokens))


def get_tokenizer(name: str) -> Tokenizer:
    """"syllable", "english", or "okt" with optional "-norm" / "-stem" (e.g. "okt-norm-stem")."""
    if name == "syllable":
        return SyllableTokenizer()
    if name == "english":
        return EnglishTokenizer()
    if name in ("okt", "okt-norm", "okt-stem", "okt-norm-stem"):
        return OktTokenizer(norm="norm" in name, stem="stem" in name)
    raise ValueError(f"unknown tokenizer {name!r}: use 'syllable', 'english' or 'okt[-norm][-stem]'")


def cache_dir() -> Path:
    """`$PROBING_RNNS_CACHE` if set, else `~/.cache/probing_rnns`."""
    return Path(os.environ.get(CACHE_ENV, Path.home() / ".cache" / "probing_rnns")).expanduser()


def tokenize_corpus(texts: Sequence[str], tokenizer: Tokenizer, progress: bool = True) -> list[list[str]]:
    """Tokenize every text; a slow tokenizer's result is cached, keyed by tokenizer and texts."""
    if not tokenizer.cache_on_disk:
        return [tokenizer(t) for t in texts]
    key = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:20]
    path = cache_dir() / "tokens" / f"{tokenizer.name}-{len(texts)}-{key}.json.gz"
    if path.is_file():
        return json.loads(gzip.decompress(path.read_bytes()))
    tokens = [tokenizer(t) for t in tqdm(texts, desc=f"{tokenizer.name} 토큰화", disable=not progress)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(json.dumps(tokens, ensure_ascii=False).encode("utf-8")))
    tmp.replace(path)  # atomic: a killed run never leaves half a cache file
    return tokens
