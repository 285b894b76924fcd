import unicodedata

import pytest

from probing_rnns import data, tokenizers
from probing_rnns.tokenizers import (
    SPACE,
    EnglishTokenizer,
    JamoTokenizer,
    OktTokenizer,
    SubwordTokenizer,
    SyllableTokenizer,
    normalize_text,
    tokenize_corpus,
)

REVIEW = "배우들 연기가 정말 좋았다"
# zero-width space, the two joiners, word joiner, byte-order mark, soft hyphen
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


def test_syllables_keep_word_boundaries():
    tok = SyllableTokenizer()
    assert tok("재미 없다") == ["재", "미", SPACE, "없", "다"]
    assert tok("  재미\t\n없다 ") == tok("재미 없다")  # runs of whitespace become one boundary
    assert tok("") == [] and tok("   ") == []


@pytest.mark.parametrize(
    "text", ["아 더빙.. 진짜 짜증나네요 목소리", "Good 영화 👍 10점", "ㅋㅋㅋ"]
)
def test_syllables_round_trip(text):
    tok = SyllableTokenizer()
    assert tok.detokenize(tok(text)) == text


@pytest.mark.parametrize(
    "word, jamo",
    [
        ("값", "\u1100\u1161\u11b9"),  # ㄱ ㅏ ㅄ
        ("한국어", "\u1112\u1161\u11ab\u1100\u116e\u11a8\u110b\u1165"),  # ㅎㅏㄴ ㄱㅜㄱ ㅇㅓ
        ("않았다", "\u110b\u1161\u11ad\u110b\u1161\u11bb\u1103\u1161"),  # ㅇㅏㄶ ㅇㅏㅆ ㄷㅏ
    ],
)
def test_jamo_of_words(word, jamo):
    assert JamoTokenizer()(word) == list(jamo)
    assert JamoTokenizer().detokenize(list(jamo)) == word


def test_every_syllable_splits_into_its_canonical_decomposition():
    """Unicode's own decomposition (NFD) of all 11,172 syllables is the reference."""
    tok = JamoTokenizer()
    syllables = [chr(c) for c in range(0xAC00, 0xD7A4)]
    assert all(tok(s) == list(unicodedata.normalize("NFD", s)) for s in syllables)
    assert len(syllables) == 11_172 and tok("가") == ["\u1100", "\u1161"]  # no final: no token


@pytest.mark.parametrize("text", ["", "   \n", "Good movie 👍 10/10", "ㅋㅋㅋ ㅠㅠ", "漢字 ①"])
def test_jamo_leave_every_other_character_as_syllables_do(text):
    """No Hangul syllable: jamo tokens are syllable tokens (compatibility jamo included)."""
    assert JamoTokenizer()(text) == SyllableTokenizer()(text)


def test_jamo_round_trip_over_nsmc_reviews():
    tok, syllables = JamoTokenizer(), SyllableTokenizer()
    texts = [r.text for r in data.subsample(data.load_nsmc("test"), 500, seed=0)]
    for text in texts:
        tokens = tok(text)
        assert tok.detokenize(tokens) == syllables.detokenize(syllables(text))
        assert tok.detokenize(tokens) == " ".join(normalize_text(text).split())
    assert sum(map(len, map(tok, texts))) > 1.5 * sum(map(len, map(syllables, texts)))


def test_jamo_tokenizer_is_saved_and_loaded_by_name():
    tok = tokenizers.get_tokenizer("jamo")
    saved = tokenizers.saved_tokenizer(tok)
    assert saved == {"name": "jamo", "model": None}
    assert tokenizers.load_tokenizer(saved)(REVIEW) == JamoTokenizer()(REVIEW)


@pytest.fixture(scope="module")
def okt():
    return OktTokenizer()


@pytest.mark.parametrize(
    "text", ["아 더빙.. 진짜 짜증나네요 목소리", "재미없지 않다", "Hello 세계 😀", ""]
)
def test_okt_morphemes_cover_the_text(okt, text):
    assert "".join(okt(text)) == "".join(text.split())


def test_okt_options_change_the_name():
    assert OktTokenizer(norm=True, stem=True).name == "okt-norm-stem"


class CountingTokenizer:
    name = "counting"
    cache_on_disk = True

    def __init__(self):
        self.calls = 0

    def __call__(self, text):
        self.calls += 1
        return text.split()


def test_slow_tokenizer_results_are_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv(tokenizers.CACHE_ENV, str(tmp_path))
    tok = CountingTokenizer()
    first = tokenize_corpus(["a b", "c"], tok, progress=False)
    again = tokenize_corpus(["a b", "c"], tok, progress=False)
    assert first == again == [["a", "b"], ["c"]]
    assert tok.calls == 2  # the second call read the cache
    assert len(list((tmp_path / "tokens").glob("counting-*.json.gz"))) == 1
    assert tokenize_corpus(["a b", "d"], tok, progress=False) == [["a", "b"], ["d"]]
    assert tok.calls == 4  # other texts, other cache entry


SUBWORD_CORPUS = [
    "영화 정말 재밌다",
    "정말 재밌는 영화",
    "영화 최고 재밌다",
    "배우 연기 최고",
    "정말 최고의 영화",
] * 4


@pytest.fixture
def subword(tmp_path, monkeypatch):
    """A small BPE model trained (once, in an empty cache) on SUBWORD_CORPUS; counts SentencePiece
    trainings."""
    monkeypatch.setenv(tokenizers.CACHE_ENV, str(tmp_path))
    calls = []
    real_train = tokenizers.train_sentencepiece
    monkeypatch.setattr(
        tokenizers, "train_sentencepiece", lambda *args: calls.append(1) or real_train(*args)
    )
    return SubwordTokenizer.train(SUBWORD_CORPUS, vocab_size=40), calls


def test_subword_tokenizer_is_trained_and_deterministic(subword, tmp_path):
    tok, _ = subword
    assert tok.name == "bpe-40" and tok.num_pieces <= 40
    assert tok("정말 재밌는 영화") == ["▁정말", "▁재밌는", "▁영화"]  # seen words stay whole
    other = tmp_path / "again"
    other.mkdir()
    # a fresh training in another cache gives the same model
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(tokenizers.CACHE_ENV, str(other))
        again = SubwordTokenizer.train(SUBWORD_CORPUS, vocab_size=40)
    assert (
        again.model_path != tok.model_path
        and again.model_path.read_bytes() == tok.model_path.read_bytes()
    )
    assert again("배우 감독 재밌다") == tok("배우 감독 재밌다")


@pytest.mark.parametrize("text", ["정말 재밌는 영화", "  감독님\t연기가\n최고 ", "ㅋㅋ 좋아요 👍"])
def test_subword_pieces_round_trip(subword, text):
    tok, _ = subword
    pieces = tok(text)
    # whitespace normalized, nothing else
    assert "".join(pieces).replace(SPACE, " ").strip() == " ".join(text.split())
    assert tok.detokenize(pieces) == " ".join(text.split())


def test_seen_words_split_into_fewer_pieces_than_unseen_ones(subword):
    tok, _ = subword
    assert len(tok("재밌는")) < len(tok("감독님이")) and len(tok("재밌는")) == 1


def test_subword_model_is_cached_by_texts_and_settings(subword):
    tok, calls = subword
    assert len(calls) == 1
    assert SubwordTokenizer.train(SUBWORD_CORPUS, vocab_size=40).model_path == tok.model_path
    assert len(calls) == 1  # the second call loaded the cached model
    SubwordTokenizer.train(SUBWORD_CORPUS, vocab_size=30)
    SubwordTokenizer.train(SUBWORD_CORPUS[:-1], vocab_size=40)
    assert len(calls) == 3  # other settings or other texts: another model


def test_subword_empty_text_and_names(subword):
    tok, _ = subword
    assert tok("") == [] and tok("  \n") == []
    assert tokenizers.get_tokenizer("unigram-30", train_texts=SUBWORD_CORPUS).name == "unigram-30"
    with pytest.raises(ValueError, match="train_texts"):
        tokenizers.get_tokenizer("bpe")  # a subword model needs its training texts
    with pytest.raises(ValueError, match="unknown tokenizer"):
        tokenizers.get_tokenizer("bpe-many", train_texts=SUBWORD_CORPUS)


def test_normalize_text_composes_hangul_and_drops_invisible_characters():
    decomposed = unicodedata.normalize("NFD", REVIEW)
    assert decomposed != REVIEW and normalize_text(decomposed) == REVIEW
    for mark in INVISIBLE:
        assert normalize_text(f"정말{mark} 좋았다{mark}") == "정말 좋았다"
    assert normalize_text("ㅋㅋ ㅠㅠ ㄹㅇ") == "ㅋㅋ ㅠㅠ ㄹㅇ"  # compatibility jamo stay
    assert normalize_text("\uf933") == "\u76e7"  # a CJK compatibility ideograph: the unified one
    assert normalize_text("Ｆｕｌｌ　ｗｉｄｔｈ ①") == "Ｆｕｌｌ　ｗｉｄｔｈ ①"  # no NFKC folding
    assert normalize_text("👨\u200d👩 🇰🇷") == "👨👩 🇰🇷"  # the joiner goes, the flag's letters stay


def korean_tokenizers(okt, subword):
    return {"syllable": SyllableTokenizer(), "jamo": JamoTokenizer(), "okt": okt, "bpe": subword[0]}


@pytest.mark.parametrize("name", ["syllable", "jamo", "okt", "bpe"])
def test_decomposed_hangul_tokenizes_like_composed_hangul(okt, subword, name):
    tok = korean_tokenizers(okt, subword)[name]
    decomposed = unicodedata.normalize("NFD", REVIEW)
    assert len(decomposed) > len(REVIEW)
    assert tok(decomposed) == tok(REVIEW)


@pytest.mark.parametrize("name", ["syllable", "jamo", "okt", "bpe"])
@pytest.mark.parametrize("mark", INVISIBLE)
def test_an_invisible_character_adds_no_token(okt, subword, name, mark):
    tok = korean_tokenizers(okt, subword)[name]
    assert tok(f"배우들{mark} 연기가 정말{mark}{mark} 좋았다{mark}") == tok(REVIEW)


def test_english_tokens_ignore_invisible_characters():
    assert EnglishTokenizer()("I\u200b'm a stu\u00addent.") == EnglishTokenizer()("I'm a student.")


def test_subword_training_sees_normalised_texts(subword, tmp_path):
    tok, calls = subword
    decomposed = [unicodedata.normalize("NFD", t) + "\u200b" for t in SUBWORD_CORPUS]
    assert SubwordTokenizer.train(decomposed, vocab_size=40).model_path == tok.model_path  # same
    assert len(calls) == 1


def test_a_saved_subword_tokenizer_is_rebuilt_from_its_bytes(subword, tmp_path, monkeypatch):
    tok, _ = subword
    saved = tokenizers.saved_tokenizer(tok)
    monkeypatch.setenv(tokenizers.CACHE_ENV, str(tmp_path / "elsewhere"))  # another machine's cache
    rebuilt = tokenizers.load_tokenizer(saved)
    assert rebuilt.name == tok.name and rebuilt("배우 감독 재밌다") == tok("배우 감독 재밌다")
    syllables = tokenizers.load_tokenizer(tokenizers.saved_tokenizer(SyllableTokenizer()))
    assert syllables("재미") == ["재", "미"]
