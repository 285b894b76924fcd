/**
 * Search result scores (html_search_scorer, set by _ext/korean_search.py): Sphinx's defaults, plus
 * a bonus for a page whose title holds every word of the query, and more when they are in the
 * title's head (before its colon), so the chapter about a word comes before the pages that only use
 * it or name it in a subtitle. The query is read from the address, as searchtools.js does.
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
  pageTitleHead: 50, // more when the words are in the title's head, before its colon ("9. 어텐션: …")

  // result: [docname, title, anchor, descr, score, filename]; title is "page title > section title"
  score: (result) => {
    const [, title, , , score] = result;
    const query = new URLSearchParams(window.location.search).get("q") || "";
    const words = query.toLowerCase().split(/\s+/).filter((word) => word);
    const pageTitle = title.split(" > ")[0].toLowerCase();
    const head = pageTitle.split(":")[0];
    const all = (text) => words.length && words.every((word) => text.includes(word));
    return score + (all(pageTitle) ? Scorer.pageTitle : 0) + (all(head) ? Scorer.pageTitleHead : 0);
  },
};
