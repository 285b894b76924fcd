"""Korean full-text search for the book's site: a Sphinx search language for `language: ko`.

Sphinx has no Korean search language; it falls back to English, which indexes whole eojeol:
"어텐션을", "어텐션의" and "어텐션" are three different words, and a search for one misses the
others. Korean attaches particles and endings to words and writes many compounds without spaces, so
this language indexes every run of Hangul syllables by its syllables and its syllable bigrams:

    index   "어텐션을"  → 어 텐 션 을 어텐 텐션 션을
    query   "어텐션"    → 어텐 텐션          (one syllable, e.g. "셀", is searched as itself)

Sphinx's search requires every query term, so a page matches when it holds every bigram of the
query: every page whose text contains the word is found (with a rare extra page that holds the
bigrams apart). Latin words are split off Hangul ("LSTM의" → lstm, 의) and stemmed as in English.
The query side is `korean_search.js` (splitQuery and Stemmer, put into language_data.js), and
`korean_search_scorer.js` ranks the page whose title holds the query first.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.search.en import SearchEnglish

HERE = Path(__file__).parent
HANGUL_RUN = re.compile(r"[가-힣]+")  # precomposed syllables U+AC00–U+D7A3
_PIECE = re.compile(r"[가-힣]+|[^가-힣]+")


def syllable_terms(run: str) -> list[str]:
    """What the index holds for a run of Hangul syllables: each syllable and each bigram."""
    return list(run) + [run[i : i + 2] for i in range(len(run) - 1)]


def query_terms(run: str) -> list[str]:
    """What a query's run of Hangul syllables is searched as (as splitQuery in korean_search.js)."""
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def pieces(word: str) -> list[str]:
    """A word split into its Hangul and non-Hangul runs: "LSTM의" → ["LSTM", "의"]."""
    return _PIECE.findall(word)


def split_query(query: str) -> list[str]:
    """The terms a query is searched as: what splitQuery in korean_search.js returns."""
    return [
        term
        for word in SearchKorean._word_re.findall(query)
        for piece in pieces(word)
        for term in (query_terms(piece) if HANGUL_RUN.fullmatch(piece) else [piece])
    ]


class SearchKorean(SearchEnglish):
    """Hangul by syllables and syllable bigrams; everything else as in SearchEnglish."""

    lang = "ko"
    language_name = "Korean"
    js_splitter_code = (HERE / "korean_search.js").read_text(encoding="utf-8")
    # The English (Porter) stemmer for Latin words, wrapped so that it leaves Hangul alone.
    js_stemmer_code = (
        SearchEnglish.js_stemmer_code
        + """
var PorterStemmer = Stemmer;
Stemmer = function() {
  const porter = new PorterStemmer();
  this.stemWord = (word) => (/[가-힣]/.test(word) ? word : porter.stemWord(word));
};
"""
    )

    def split(self, input: str) -> list[str]:  # noqa: A002 (Sphinx's parameter name)
        """Index terms of a text (the query side splits by query_terms instead)."""
        terms: list[str] = []
        for word in self._word_re.findall(input):
            for piece in pieces(word):
                terms.extend(syllable_terms(piece) if HANGUL_RUN.fullmatch(piece) else [piece])
        return terms

    def stem(self, word: str) -> str:
        return word if HANGUL_RUN.search(word) else super().stem(word)


def use_korean_scorer(app, config) -> None:
    """Rank a page whose title holds the query first, unless the book sets its own scorer."""
    if not config.html_search_scorer:
        config.html_search_scorer = str(HERE / "korean_search_scorer.js")


def setup(app):
    app.add_search_language(SearchKorean)
    app.connect("config-inited", use_korean_scorer)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
