"""The book's glossary (book/glossary.md) as data, and the checks that keep every page on it.

A glossary row holds the one Korean rendering the book uses, the English term, and renderings a
learner meets in other books (or earlier drafts used), which no page may use. The page that
introduces a term is computed, never typed: the first page, in table-of-contents order, that glosses
it as `한국어(English)`, else the first page that uses it. tests/test_glossary.py and the glossary
page both use this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "book" / "glossary.md"
NOT_PROSE_PAGES = ("book/glossary", "book/references")  # they list terms and sources, not use them

HANGUL = "가-힣"
SOURCE_TAG = re.compile(r"\s*\([^()]*\)\s*$")  # "삭제 게이트 (위키독스)": the book that uses it
# A gloss: an English term in parentheses right after the Korean, as in 셀 상태(cell state) ...
GLOSS = re.compile(rf"\(([A-Za-z][^(){HANGUL}\n]*)\)")
# ... or both in the parentheses, as in (기울기 소실, vanishing gradient)
INNER_GLOSS = re.compile(rf"\(([{HANGUL}][^(),\n]*),\s*([A-Za-z][^(){HANGUL}\n]*)\)")
# Parentheses holding no Korean (glosses, shapes, names): English variants there are fine
ASCII_PARENS = re.compile(rf"\([^(){HANGUL}\n]*\)")
# Glosses of names, not of terms: data splits as the code names them, a project, score functions
NOT_TERMS = {"train", "validation", "test", "the-clean-rnns", "dot, general, concat"}


@dataclass(frozen=True)
class Term:
    korean: str  # the one rendering the book uses
    english: str
    elsewhere: tuple[str, ...]  # renderings in other books or old drafts, maybe tagged "(d2l-ko)"

    @property
    def variants(self) -> tuple[str, ...]:
        """The renderings no page may use: `elsewhere` without the books' names."""
        return tuple(SOURCE_TAG.sub("", v).strip() for v in self.elsewhere)

    @property
    def english_names(self) -> set[str]:
        """Every way a page may write the English term in a gloss, lower-cased."""
        outside = re.sub(r"\s*\([^)]*\)", "", self.english)  # "backend (gloo, nccl)" → "backend"
        inside = [p for group in re.findall(r"\(([^)]*)\)", self.english) for p in group.split(",")]
        parts = [self.english, outside, *outside.split(","), *inside]
        return {p.strip().lower() for p in parts if p.strip()}


def read_glossary(path: Path = GLOSSARY) -> list[Term]:
    """The rows of the glossary's table: | 한국어 | English | 다른 책의 표기 |."""
    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    header, _, *body = rows
    if [c.strip() for c in header.strip("|").split("|")] != ["한국어", "English", "다른 책의 표기"]:
        raise ValueError(
            f"{path.name}: the table's columns must be 한국어 | English | 다른 책의 표기"
        )
    terms = []
    for line in body:
        korean, english, elsewhere = (c.strip() for c in line.strip().strip("|").split("|"))
        terms.append(
            Term(korean, english, tuple(v.strip() for v in elsewhere.split(",") if v.strip()))
        )
    return terms


def toc_pages(root: Path = ROOT) -> list[str]:
    """The book's pages in reading order, as the table of contents lists them ("book/02_rnn")."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [ch["file"] for part in toc["parts"] for ch in part["chapters"]]


@dataclass(frozen=True)
class Page:
    name: str  # "book/02_rnn"
    prose: str  # what a reader reads: no code cells, inline code, math or link targets
    code: str  # the code cells (their Korean strings and comments reach readers too)


# math, comments, code, links, labels
NOT_PROSE = [
    r"(?s)\$\$.*?\$\$",
    r"(?s)<!--.*?-->",
    r"\$[^$\n]+\$",
    r"`[^`\n]+`",
    r"<https?://[^>]+>",
    r"\]\([^)]*\)",
    r"(?m)^\(\S+\)=$",
    r"(?m)^\+\+\+.*$",
]


def split_page(name: str, text: str) -> Page:
    """Separate a MyST notebook's prose from its code. Code cells and code fences go to `code`;
    directive fences such as {admonition} stay in the prose."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)  # front matter
    prose, code, open_fences = [], [], []  # open_fences: (marker, holds code), outermost first
    for line in text.splitlines():
        fence = re.match(r"^\s*(`{3,}|~{3,})(.*)$", line)
        in_code = any(holds_code for _, holds_code in open_fences)
        if fence:
            marker, info = fence.group(1), fence.group(2).strip()
            last = open_fences[-1][0] if open_fences else ""
            if not info and last[:1] == marker[:1] and len(marker) >= len(last):
                open_fences.pop()
                continue
            if not in_code:
                is_code = not info.startswith("{") or info.startswith("{code-cell}")
                open_fences.append((marker, is_code))
                continue
        (code if in_code else prose).append(line)
    body = "\n".join(prose)
    for pattern in NOT_PROSE:
        body = re.sub(pattern, " ", body)
    return Page(name, body, "\n".join(code))


def read_pages(root: Path = ROOT) -> list[Page]:
    """Every page of the table of contents that uses terms, in reading order."""
    return [
        split_page(name, (root / f"{name}.md").read_text(encoding="utf-8"))
        for name in toc_pages(root)
        if name not in NOT_PROSE_PAGES
    ]


def occurrences(word: str, text: str) -> list[int]:
    """Where `word` starts in `text` as a word of its own on the left (Korean particles follow it
    on the right)."""
    left = rf"(?<![{HANGUL}A-Za-z])" if re.match(rf"[{HANGUL}A-Za-z]", word) else ""
    return [m.start() for m in re.finditer(left + re.escape(word), text)]


def masked(text: str, words: list[str]) -> str:
    """`text` with `words` blanked out, so that 장기 의존 is not found inside 장기 의존성."""
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, " " * len(word))
    return text


@dataclass(frozen=True)
class Finding:
    page: str
    term: str  # what the glossary says
    found: str  # what the page says
    context: str

    def __str__(self) -> str:
        return f"{self.page}: {self.found!r} → {self.term!r} … {self.context} …"


def around(text: str, start: int, width: int = 30) -> str:
    return " ".join(text[max(0, start - width) : start + width].split())


def variant_uses(terms: list[Term], pages: list[Page]) -> list[Finding]:
    """Every use of a ruled-out rendering: Korean ones in prose and code, English ones in prose
    outside parentheses (an English gloss after the Korean term is fine)."""
    preferred = [t.korean for t in terms]
    findings = []
    for term in terms:
        for variant in term.variants:
            hides = [p for p in preferred if variant in p and p != variant]
            korean = re.search(f"[{HANGUL}]", variant) is not None
            for page in pages:
                for text in (
                    (page.prose, page.code) if korean else (ASCII_PARENS.sub(" ", page.prose),)
                ):
                    text = masked(text, hides)
                    findings += [
                        Finding(page.name, term.korean, variant, around(text, i))
                        for i in occurrences(variant, text)
                    ]
    return findings


def is_term_gloss(english: str) -> bool:
    """A gloss of a term has a lower-case word. Not an abbreviation (LSTM, GRU), a proper name
    (Luong), a shape, a citation, an address or a code name."""
    words = re.findall(r"[A-Za-z]+", english)
    return (
        any(len(w) >= 3 and w.islower() for w in words)
        and "et al" not in english
        and not re.search(r"\d{4}|\w\.\w", english)
        and english.lower() not in NOT_TERMS
    )


@dataclass(frozen=True)
class Gloss:
    page: str
    english: str
    before: str  # the text right before the parenthesis (or the Korean inside it)


def glosses(pages: list[Page]) -> list[Gloss]:
    """Every gloss of a term on the pages, page by page in reading order."""
    found = []
    for page in pages:
        for m in GLOSS.finditer(page.prose):
            before = " ".join(page.prose[max(0, m.start() - 40) : m.start()].split())
            found.append(Gloss(page.name, m.group(1).strip(), before))
        found += [
            Gloss(page.name, m.group(2).strip(), m.group(1).strip())
            for m in INNER_GLOSS.finditer(page.prose)
        ]
    return [g for g in found if is_term_gloss(g.english)]


def gloss_candidates(english: str, terms: list[Term]) -> list[Term]:
    """The rows a gloss such as "linear / cosine decay" or "Pearson correlation" may stand for."""
    parts = {english.lower()} | {p.strip().lower() for p in re.split(r",|/", english) if p.strip()}

    def matches(part: str, name: str) -> bool:
        return part == name or name.startswith(part + " ") or part.startswith(name + " ")

    return [t for t in terms if any(matches(p, n) for p in parts for n in t.english_names)]


def gloss_problems(terms: list[Term], pages: list[Page]) -> list[Finding]:
    """Glosses of terms the glossary lacks, and glosses whose Korean is not the glossary's."""
    findings = []
    for gloss in glosses(pages):
        candidates = gloss_candidates(gloss.english, terms)
        if not candidates:
            findings.append(
                Finding(gloss.page, "(용어집에 없음)", gloss.english, gloss.before[-25:])
            )
        elif not any(gloss.before.endswith(t.korean) for t in candidates):
            wanted = " / ".join(t.korean for t in candidates)
            findings.append(Finding(gloss.page, wanted, gloss.english, gloss.before[-25:]))
    return findings


def first_pages(terms: list[Term], pages: list[Page]) -> dict[str, str | None]:
    """For each term (by its Korean rendering), the page that introduces it: the first page that
    glosses it, else the first page that uses it; None if no page does."""
    glossed: dict[str, str] = {}
    for gloss in glosses(pages):
        for term in gloss_candidates(gloss.english, terms):
            if gloss.before.endswith(term.korean):
                glossed.setdefault(term.korean, gloss.page)
    used = {
        t.korean: next((p.name for p in pages if occurrences(t.korean, p.prose)), None)
        for t in terms
    }
    return {t.korean: glossed.get(t.korean, used[t.korean]) for t in terms}


def by_page(first: dict[str, str | None], pages: list[Page]) -> list[tuple[str, list[str]]]:
    """The terms each page introduces, in reading order; pages that introduce none are left out."""
    rows = [(page.name, [term for term, p in first.items() if p == page.name]) for page in pages]
    return [(name, terms) for name, terms in rows if terms]
