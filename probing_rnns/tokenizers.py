"""Tokenizers: syllables (음절), jamo (자모), Okt morphemes (형태소) and learned subwords (서브워드)
for Korean, words for English; an on-disk cache for slow ones. Every tokenizer normalises its text
(`normalize_text`)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import sys
import unicodedata
from functools import cache
from pathlib import Path
from typing import Protocol, Sequence

from tqdm import tqdm

CACHE_ENV = "PROBING_RNNS_CACHE"
# the syllable tokenizer's stand-in for a word boundary (SentencePiece uses the same mark)
SPACE = "▁"
SUBWORD_VOCAB_SIZE = 8_000  # pieces of a subword model unless the name says otherwise ("bpe-4000")
_SUBWORD_NAME = re.compile(r"(bpe|unigram)(?:-(\d+))?")


@cache
def _format_characters() -> dict[int, None]:
    """Every Unicode format character (category Cf), as a `str.translate` table deleting them."""
    return {c: None for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}


def normalize_text(text: str) -> str:
    """The one text normalisation, applied by every tokenizer: format characters out, then NFC.

    Format characters (Unicode category Cf: the zero-width space U+200B, the joiners U+200C and
    U+200D, the word joiner U+2060, the byte-order mark U+FEFF, the soft hyphen U+00AD, …) are
    invisible and mean nothing to the models; Korean text needs none of them. NFC composes
    decomposed Hangul, as some macOS apps paste it (ᄇ + ᅢ → 배), and maps CJK compatibility
    ideographs to their unified forms. It is not NFKC, which would also turn compatibility jamo
    such as "ㅋ" into conjoining jamo.

    >>> normalize_text("\u1107\u1162\u110b\u116e\u200b") == "배우"
    True
    """
    return unicodedata.normalize("NFC", text.translate(_format_characters()))


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
        return list(SPACE.join(normalize_text(text).split()))

    def detokenize(self, tokens: Sequence[str]) -> str:
        return "".join(tokens).replace(SPACE, " ")


# Hangul syllables U+AC00–U+D7A3 are numbered (initial × 21 + medial) × 28 + final: 19 initial
# consonants, 21 medial vowels, 27 final consonants or none (final 0).
HANGUL_BASE, INITIALS, MEDIALS, FINALS = 0xAC00, 19, 21, 28
# the first conjoining jamo of each kind; final k (1–27) is U+11A7 + k
INITIAL_BASE, MEDIAL_BASE, FINAL_BASE = 0x1100, 0x1161, 0x11A7


def syllable_jamo(syllable: str) -> str:
    """A Hangul syllable's conjoining jamo: initial, medial and, if it has one, final consonant.

    >>> [hex(ord(j)) for j in syllable_jamo("값")]
    ['0x1100', '0x1161', '0x11b9']
    """
    initial, rest = divmod(ord(syllable) - HANGUL_BASE, MEDIALS * FINALS)
    medial, final = divmod(rest, FINALS)
    return (
        chr(INITIAL_BASE + initial)
        + chr(MEDIAL_BASE + medial)
        + (chr(FINAL_BASE + final) if final else "")
    )


@cache
def _jamo_table() -> dict[int, str]:
    """Every Hangul syllable → its jamo, as a `str.translate` table."""
    first, last = HANGUL_BASE, HANGUL_BASE + INITIALS * MEDIALS * FINALS
    return {code: syllable_jamo(chr(code)) for code in range(first, last)}


class JamoTokenizer:
    """Every Hangul syllable becomes its jamo (자모 분해), every other character stays one token;
    runs of whitespace become one `▁`, as in SyllableTokenizer.

    The jamo are Unicode's conjoining jamo, whose initials (U+1100–), medials (U+1161–) and finals
    (U+11A8–) are disjoint: a syllable without a final consonant simply has no final token, where
    each syllable ends is never in doubt, and an initial ㄱ is another token than a final ㄱ.
    Compatibility jamo typed on their own, as NSMC's "ㅋㅋ" (U+314B), are not syllables and pass
    through unchanged: ㅋ is another token than the initial of 크. `detokenize` recomposes with NFC,
    whose Hangul composition is the same arithmetic backwards; the text was NFC before, so the
    round trip gives it back exactly (whitespace collapsed, as for syllables).

    >>> JamoTokenizer()("가 값") == ["\u1100", "\u1161", SPACE, "\u1100", "\u1161", "\u11b9"]
    True
    """

    name = "jamo"
    cache_on_disk = False

    def __call__(self, text: str) -> list[str]:
        return list(SPACE.join(normalize_text(text).split()).translate(_jamo_table()))

    def detokenize(self, tokens: Sequence[str]) -> str:
        return unicodedata.normalize("NFC", "".join(tokens).replace(SPACE, " "))


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
        return self._okt.morphs(normalize_text(text), norm=self.norm, stem=self.stem)

    def detokenize(self, tokens: Sequence[str]) -> str:
        return " ".join(tokens)  # Okt drops spacing, so this is only an approximation


class SubwordTokenizer:
    """Subword pieces from a SentencePiece model (BPE or unigram) trained on training texts only.

    Frequent words stay whole, rare ones split into pieces; `▁` starts a word. Texts are normalised
    and their whitespace collapsed as in SyllableTokenizer, and SentencePiece's own normalisation is
    off (its NFKC would turn "ㅋ" into a conjoining jamo), so the two see the same text and differ
    only in where they cut. Trained models are cached.

    >>> tok = SubwordTokenizer.train(reviews, vocab_size=8000)  # doctest: +SKIP
    >>> tok("아 더빙.. 진짜 짜증나네요 목소리")  # doctest: +SKIP
    ['▁아', '▁더빙', '..', '▁진짜', '▁짜증', '나네요', '▁목소리']
    """

    cache_on_disk = False  # encoding is fast; the trained model is what is cached

    def __init__(self, model_path: str | Path, name: str):
        import sentencepiece as spm  # imported only when a subword tokenizer is asked for

        self.model_path, self.name = Path(model_path), name
        self._sp = spm.SentencePieceProcessor(model_file=str(self.model_path))

    @classmethod
    def train(
        cls, texts: Sequence[str], vocab_size: int = SUBWORD_VOCAB_SIZE, model_type: str = "bpe"
    ) -> SubwordTokenizer:
        """Train on `texts` (or reuse the cached model trained on the same texts with the same
        settings)."""
        options = subword_options(vocab_size, model_type)
        texts = [normalize_text(t) for t in texts]
        path = subword_model_path(texts, options)
        if not path.is_file():
            write_atomically(
                path, train_sentencepiece([_collapse_spaces(t) for t in texts], options)
            )
        return cls(path, f"{model_type}-{vocab_size}")

    @classmethod
    def from_model(cls, model: bytes, name: str) -> SubwordTokenizer:
        """The tokenizer of a serialized model (`model_bytes()`, e.g. saved with a classifier)."""
        path = cache_dir() / "subword" / f"{name}-{hashlib.sha256(model).hexdigest()[:20]}.model"
        if not path.is_file():
            write_atomically(path, model)
        return cls(path, name)

    def model_bytes(self) -> bytes:
        """The serialized SentencePiece model: what a saved classifier needs to tokenize."""
        return self.model_path.read_bytes()

    def __call__(self, text: str) -> list[str]:
        return self._sp.encode(_collapse_spaces(normalize_text(text)), out_type=str)

    def detokenize(self, tokens: Sequence[str]) -> str:
        return "".join(tokens).replace(SPACE, " ").strip()

    @property
    def num_pieces(self) -> int:
        """Pieces of the model (<unk> included); a Vocab built on its output may keep fewer
        (min_freq)."""
        return self._sp.get_piece_size()


def _collapse_spaces(text: str) -> str:
    return " ".join(text.split())


def subword_options(vocab_size: int, model_type: str) -> dict:
    """SentencePiece training options: deterministic (one thread, no sampling or shuffling),
    Korean-friendly."""
    if model_type not in ("bpe", "unigram"):
        raise ValueError(f"unknown subword model {model_type!r}: use 'bpe' or 'unigram'")
    return {
        "vocab_size": vocab_size,
        # vocab_size is a maximum: a small corpus may support fewer pieces
        "hard_vocab_limit": False,
        "model_type": model_type,
        # the rarest 0.05% of characters (emoji, hanja) get no piece: they come
        "character_coverage": 0.9995,
        # out as themselves (SentencePiece's <unk>) and, like every token, are kept only if the
        # Vocab keeps them
        "normalization_rule_name": "identity",  # characters as they are (see SubwordTokenizer)
        "bos_id": -1,
        "eos_id": -1,  # only <unk>: the Vocab adds its own specials
        # more than NSMC's 150k training reviews: every text is used, in order
        "input_sentence_size": 1_000_000,
        "shuffle_input_sentence": False,
        "num_threads": 1,
        "minloglevel": 2,  # errors only
    }


def subword_model_path(texts: Sequence[str], options: dict) -> Path:
    """Where the model trained on `texts` with `options` is cached, keyed by both."""
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode("utf-8"))
    digest.update("\x00".join(texts).encode("utf-8"))
    return (
        cache_dir() / "subword" / f"{options['model_type']}-{options['vocab_size']}-{len(texts)}-"
        f"{digest.hexdigest()[:20]}.model"
    )


def train_sentencepiece(texts: Sequence[str], options: dict) -> bytes:
    """A SentencePiece model (serialized) trained on `texts`."""
    import sentencepiece as spm  # imported only when a subword model is trained

    spm.set_random_generator_seed(0)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(texts), model_writer=model, **options)
    return model.getvalue()


class EnglishTokenizer:
    """Lower-cased words (with their apostrophe part) and punctuation marks, for the English side of
    translation.

    >>> EnglishTokenizer()("Tom didn't go, did he?")
    ['tom', "didn't", 'go', ',', 'did', 'he', '?']
    """

    name = "english"
    cache_on_disk = False
    _token = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")

    def __call__(self, text: str) -> list[str]:
        return self._token.findall(normalize_text(text).lower())

    def detokenize(self, tokens: Sequence[str]) -> str:
        return re.sub(r" ([.,!?;:])", r"\1", " ".join(tokens))


def get_tokenizer(name: str, train_texts: Sequence[str] | None = None) -> Tokenizer:
    """ "syllable", "jamo", "english", "okt" with optional "-norm" / "-stem" (e.g. "okt-norm-stem"),
    or a subword model "bpe" / "unigram" with optional "-<vocab size>" (e.g. "bpe-4000"), trained on
    `train_texts`."""
    subword = _SUBWORD_NAME.fullmatch(name)
    if subword:
        if train_texts is None:
            raise ValueError(
                f"{name!r} is learned from data: "
                f"get_tokenizer({name!r}, train_texts=<training texts only>)"
            )
        model_type, size = subword.groups()
        return SubwordTokenizer.train(
            train_texts, int(size) if size else SUBWORD_VOCAB_SIZE, model_type
        )
    if name == "syllable":
        return SyllableTokenizer()
    if name == "english":
        return EnglishTokenizer()
    if name == "jamo":
        return JamoTokenizer()
    if name in ("okt", "okt-norm", "okt-stem", "okt-norm-stem"):
        return OktTokenizer(norm="norm" in name, stem="stem" in name)
    raise ValueError(
        f"unknown tokenizer {name!r}: "
        "use 'syllable', 'jamo', 'english', 'okt[-norm][-stem]' or 'bpe|unigram[-size]'"
    )


def saved_tokenizer(tokenizer: Tokenizer) -> dict:
    """What rebuilds `tokenizer` elsewhere (`load_tokenizer`): its name, and a learned model."""
    model = tokenizer.model_bytes() if isinstance(tokenizer, SubwordTokenizer) else None
    return {"name": tokenizer.name, "model": model}


def load_tokenizer(saved: dict) -> Tokenizer:
    """The tokenizer `saved_tokenizer` described: a learned one from its model, others by name."""
    if saved["model"] is not None:
        return SubwordTokenizer.from_model(saved["model"], saved["name"])
    return get_tokenizer(saved["name"])


def cache_dir() -> Path:
    """`$PROBING_RNNS_CACHE` if set, else `~/.cache/probing_rnns`."""
    return Path(os.environ.get(CACHE_ENV, Path.home() / ".cache" / "probing_rnns")).expanduser()


def tokenize_corpus(
    texts: Sequence[str], tokenizer: Tokenizer, progress: bool = True
) -> list[list[str]]:
    """Tokenize every text; a slow tokenizer's result is cached, keyed by tokenizer and texts."""
    if not tokenizer.cache_on_disk:
        return [tokenizer(t) for t in texts]
    key = hashlib.sha256("\x00".join(map(normalize_text, texts)).encode("utf-8")).hexdigest()[:20]
    path = cache_dir() / "tokens" / f"{tokenizer.name}-{len(texts)}-{key}.json.gz"
    if path.is_file():
        return json.loads(gzip.decompress(path.read_bytes()))
    tokens = [
        tokenizer(t) for t in tqdm(texts, desc=f"{tokenizer.name} 토큰화", disable=not progress)
    ]
    write_atomically(path, gzip.compress(json.dumps(tokens, ensure_ascii=False).encode("utf-8")))
    return tokens


def write_atomically(path: Path, content: bytes) -> None:
    """Write via a temporary file and a rename, so a killed run never leaves half a cache file.

    The temporary name is per process: ranks under torchrun may write the same cache file at
    once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(content)
    tmp.replace(path)
