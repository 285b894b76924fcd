/**
 * Korean query splitter (from _ext/korean_search.py, put into language_data.js).
 * Words split as Sphinx's default splitQuery does; a word's Hangul runs are searched as their
 * syllable bigrams (a single syllable as itself), which the index holds for every Hangul run, so
 * "어텐션" finds "어텐션을" and "셀프어텐션". Mirrors korean_search.query_terms.
 */
function splitQuery(query) {
  const terms = [];
  for (const word of query.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu)) {
    for (const piece of word.match(/[가-힣]+|[^가-힣]+/g) || []) {
      if (!/^[가-힣]/.test(piece) || piece.length === 1) terms.push(piece);
      else for (let i = 0; i + 2 <= piece.length; i++) terms.push(piece.slice(i, i + 2));
    }
  }
  return terms;
}

/**
 * Highlight the words the reader typed ("어텐션"), not the bigrams they are searched as ("어텐",
 * "텐션": the second no longer matches once the first is wrapped in a highlight). Replaces the
 * highlight terms that searchtools.js's _parseQuery returns and stores for the opened page.
 */
if (typeof Search !== "undefined" && typeof Search._parseQuery === "function") {
  const parseQuery = Search._parseQuery;
  Search._parseQuery = (query) => {
    // [query, searchTerms, excludedTerms, highlightTerms, objectTerms]
    const parsed = parseQuery(query);
    const words = query.toLowerCase().split(/\s+/).filter((word) => word && word[0] !== "-");
    parsed[3] = new Set(words);
    if (typeof SPHINX_HIGHLIGHT_ENABLED !== "undefined" && SPHINX_HIGHLIGHT_ENABLED)
      localStorage.setItem("sphinx_highlight_terms", words.join(" "));
    return parsed;
  };
}
