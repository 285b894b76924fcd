/**
 * Search result scores (html_search_scorer, set by _ext/korean_search.py): Sphinx's defaults, plus
 * a bonus for a page whose title holds every word of the query, so the chapter about a word comes
 * before the pages that only use it. The query is read from the address, as searchtools.js does.
 */
var Scorer = {
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: {0: 15, 1: 5, 2: -5},
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
  pageTitle: 30,

  // result: [docname, title, anchor, descr, score, filename]; title is "page title > section title"
  score: (result) => {
    const [, title, , , score] = result;
    const query = new URLSearchParams(window.location.search).get("q") || "";
    const words = query.toLowerCase().split(/\s+/).filter((word) => word);
    const pageTitle = title.split(" > ")[0].toLowerCase();
    return words.length && words.every((word) => pageTitle.includes(word))
      ? score + Scorer.pageTitle
      : score;
  },
};
