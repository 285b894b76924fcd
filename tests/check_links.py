"""Check the built site for broken internal links: every local href/src must name a file that exists
and, when it has a #fragment, an element with that id in the target page.

    python tests/check_links.py _build/html
"""

from __future__ import annotations

import sys
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            elif name in ("href", "src") and value:
                self.links.append(value)


@lru_cache(maxsize=None)
def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def broken_links(site: Path) -> list[str]:
    """'page: link (why)' for each internal link of each page under `site` that leads nowhere.

    Files under _static/ are the theme's assets (some are unrendered Jinja macros), not pages.
    """
    problems = []
    for page_path in sorted(
        p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts
    ):
        for link in parse(page_path).links:
            url = urlsplit(link)
            if url.scheme or url.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue  # external: not this checker's business (no internet here)
            target = (page_path.parent / unquote(url.path)).resolve() if url.path else page_path
            if target.is_dir():
                target = target / "index.html"
            where = f"{page_path.relative_to(site)}: {link}"
            if not target.is_file():
                problems.append(f"{where} (no file {target})")
            elif (
                url.fragment
                and target.suffix == ".html"
                and unquote(url.fragment) not in parse(target).ids
            ):
                problems.append(f"{where} (no id #{url.fragment} in {target.name})")
    return problems


if __name__ == "__main__":
    site = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")
    if not (site / "index.html").is_file():
        sys.exit(f"{site}/index.html가 없습니다. 먼저 `make book`으로 사이트를 빌드하세요.")
    problems = broken_links(site)
    print("\n".join(problems) or "내부 링크 이상 없음")
    sys.exit(1 if problems else 0)
