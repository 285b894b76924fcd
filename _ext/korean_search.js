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
