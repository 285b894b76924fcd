import pytest

from probing_rnns import tokenizers
from probing_rnns.tokenizers import SPACE, OktTokenizer, SyllableTokenizer, tokenize_corpus


def test_syllables_keep_word_boundaries():
    tok = SyllableTokenizer()
    assert tok("재미 없다") == ["재", "미", SPACE, "없", "다"]
    assert tok("  재미\t\n없다 ") == tok("재미 없다")  # runs of whitespace become one boundary
    assert tok("") == [] and tok("   ") == []


@pytest.mark.parametrize("text", ["아 더빙.. 진짜 짜증나네요 목소리", "Good 영화 👍 10점", "ㅋㅋㅋ"])
def test_syllables_round_trip(text):
    tok = SyllableTokenizer()
    assert tok.detokenize(tok(text)) == text


@pytest.fixture(scope="module")
def okt():
    return OktTokenizer()


@pytest.mark.parametrize("text", ["아 더빙.. 진짜 짜증나네요 목소리", "재미없지 않다", "Hello 세계 😀", ""])
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
