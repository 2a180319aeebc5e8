"""Article loading: HTML pages and text copied from web pages → :class:`Page`.

HTML goes through BeautifulSoup (the stdlib ``html.parser`` backend, which tolerates broken
markup): title and date/author from ``<title>``/``<meta>``/``<time>``, the main content
container chosen by its amount of Han text, scripts/styles/navigation dropped, block elements
turned into lines and ``<h1>``–``<h6>`` kept as headings. Plain text is split into lines
directly. Both then go through the same line filter: page-chrome lines (view counters, bylines,
小编导语, disclaimers, contact lines, 延伸阅读/最新文章/随机看看 link lists, user badges, repeated
titles and truncated excerpts) are dropped by the rules in ``rules/page_chrome.toml``, and
headings are recognised (一、… / （一）… / 1.1 … / 2.1.1 … / # … / 第一章 / short questions).

:attr:`Page.text` keeps the article's own characters (original script and any pinyin readings):
normalise it with :func:`notice_nlp.normalize` for matching. Section spans index ``Page.text``.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notice_nlp.resources import load_toml
from notice_nlp.text.decode import decode
from notice_nlp.text.normalize import normalize

__all__ = ["Page", "Section", "load_page", "read_source", "looks_like_html"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HTML_HINT = re.compile(r"<(?:!doctype|html|head|body|div|p|article|section|title|meta|span|h[1-6]|br|ul|li|table)\b", re.I)
_SENTENCE_END = re.compile(r"[。！？!?；;…]\s*[”’」』)）]*$")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_AUTHOR = re.compile(r"作者\s*[:：]\s*([^\s|｜,，]{1,20})")

MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and the text under it: ``[start, end)`` of :attr:`Page.text`.

    ``heading`` is ``None`` for text before the first heading. ``heading_start/heading_end``
    locate the heading line itself (equal to ``start`` when there is no heading).
    """

    heading: str | None
    level: int
    start: int
    end: int
    heading_start: int
    heading_end: int


@dataclass(frozen=True)
class Page:
    title: str | None
    text: str
    sections: tuple[Section, ...]
    meta: dict[str, str] = field(default_factory=dict)
    format: str = "text"  # "html" | "text"
    dropped_lines: int = 0

    @property
    def headings(self) -> list[str]:
        return [s.heading for s in self.sections if s.heading]


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class _HeadingRule:
    kind: str
    pattern: re.Pattern[str]
    level: int | None


@dataclass(frozen=True)
class _ChromeRules:
    drop: tuple[re.Pattern[str], ...]
    list_start: tuple[re.Pattern[str], ...]
    list_end_min_chars: int
    headings: tuple[_HeadingRule, ...]
    heading_max_chars: int


@functools.cache
def _chrome_rules() -> _ChromeRules:
    spec = load_toml("page_chrome.toml")
    return _ChromeRules(
        drop=tuple(re.compile(p, re.I) for p in spec["drop_line"]),
        list_start=tuple(re.compile(p, re.I) for p in spec["list_start"]),
        list_end_min_chars=int(spec["list_end_min_chars"]),
        headings=tuple(
            _HeadingRule(h["kind"], re.compile(h["pattern"]), h.get("level")) for h in spec["heading"]
        ),
        heading_max_chars=int(spec["heading_max_chars"]),
    )


def _heading_level(line: str) -> int | None:
    """Level of a heading line (normalised), or None when the line is not a heading."""
    rules = _chrome_rules()
    if len(line) > rules.heading_max_chars + 8:
        return None
    for rule in rules.headings:
        m = rule.pattern.match(line)
        if not m:
            continue
        if rule.kind == "markdown":
            return len(m.group(1))
        if len(line) > rules.heading_max_chars or (
            _SENTENCE_END.search(line) and rule.kind != "question"
        ):
            continue
        if rule.kind == "dotted_number":
            number = next(g for g in m.groups() if g is not None)
            if not re.search(r"[\u4e00-\u9fff]", line):
                continue
            return number.count(".") + 1
        return rule.level or 1
    return None


# --------------------------------------------------------------------------- line filter


@dataclass
class _Line:
    text: str  # original characters
    norm: str  # normalised, stripped, for matching
    heading_level: int | None = None  # forced by HTML <h1>–<h6>


def _extract_meta(lines: list[_Line], meta: dict[str, str]) -> None:
    for ln in lines[:40]:
        if "date" not in meta:
            m = _DATE.search(ln.norm)
            if m and len(ln.norm) <= 60:
                meta["date"] = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        if "author" not in meta:
            m = _AUTHOR.search(ln.norm)
            if m:
                meta["author"] = m.group(1)


def _has_body_after(lines: list[_Line], line: _Line) -> bool:
    i = next(k for k, ln in enumerate(lines) if ln is line)
    return any(ln.norm for ln in lines[i + 1 :])


def _filter_lines(lines: list[_Line], title: str | None) -> tuple[list[tuple[_Line, int | None]], str | None, int]:
    """Drop chrome, find headings and (for text) the title. Returns kept lines with levels."""
    rules = _chrome_rules()
    kept: list[tuple[_Line, int | None]] = []
    dropped = 0
    in_list = False
    norm_title = normalize(title).text.strip() if title else None
    for ln in lines:
        s = ln.norm
        if not s:
            continue
        if any(p.search(s) for p in rules.list_start):
            in_list = True
            dropped += 1
            continue
        level = ln.heading_level or _heading_level(s)
        if in_list:
            # link lists are full of short question-like titles: only a numbered or tagged
            # heading, or a paragraph of article text, ends the list
            long_text = len(s) >= rules.list_end_min_chars and _SENTENCE_END.search(s)
            structural = level is not None and (ln.heading_level is not None or not s.endswith(("?", "？")))
            if not structural and not long_text:
                dropped += 1
                continue
            in_list = False
        if any(p.search(s) for p in rules.drop):
            dropped += 1
            continue
        if (
            norm_title is None and level is None and not kept and len(s) <= 60
            and not _SENTENCE_END.search(s) and _has_body_after(lines, ln)
        ):
            # the first short line of a text page is its title (when text follows it)
            title, norm_title = ln.text.strip(), s
            continue
        if norm_title and s == norm_title:
            dropped += 1  # the title repeated inside the page
            continue
        kept.append((ln, level))
    # a truncated excerpt of a later paragraph (page summaries) is chrome too
    norms = [ln.norm for ln, _ in kept]
    final: list[tuple[_Line, int | None]] = []
    for i, (ln, level) in enumerate(kept):
        s = norms[i]
        if level is None and len(s) >= 20 and any(
            len(o) > len(s) and s in o for o in norms[i + 1 : i + 40]
        ):
            dropped += 1
            continue
        final.append((ln, level))
    return final, title, dropped


def _assemble(kept: list[tuple[_Line, int | None]]) -> tuple[str, tuple[Section, ...]]:
    parts: list[str] = []
    sections: list[Section] = []
    pos = 0
    cur_heading: str | None = None
    cur_level = 0
    cur_start = 0
    cur_hs = cur_he = 0
    min_level = min((lv for _, lv in kept if lv), default=1)
    for ln, level in kept:
        text = ln.text.strip()
        if level is not None:
            if pos > cur_start or cur_heading is not None:
                sections.append(Section(cur_heading, cur_level, cur_start, max(cur_start, pos - 1), cur_hs, cur_he))
            cur_heading = text
            cur_level = level - min_level + 1
            cur_start = pos
            cur_hs, cur_he = pos, pos + len(text)
        parts.append(text)
        pos += len(text) + 1
    end = max(0, pos - 1)
    if parts and (end > cur_start or cur_heading is not None):
        sections.append(Section(cur_heading, cur_level, cur_start, end, cur_hs, cur_he))
    return "\n".join(parts), tuple(sections)


def _text_lines(text: str) -> list[_Line]:
    norm = normalize(text).text
    raw = _LINE_BREAK.split(text)
    norm_lines = norm.split("\n")
    if len(raw) != len(norm_lines):  # defensive: fall back to per-line normalisation
        norm_lines = [normalize(r).text for r in raw]
    return [_Line(r, n.strip()) for r, n in zip(raw, norm_lines)]


# --------------------------------------------------------------------------- HTML

_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "form", "button", "svg", "select", "nav", "aside", "footer", "header", "menu")
_CHROME_ATTR = re.compile(r"(^|[\s_-])(nav|navbar|menu|footer|header|sidebar|side|breadcrumbs?|crumbs?|comments?|share|social|related|recommend|hot|copyright|advert|ads?|banner|toolbar|login|pagination|pager)($|[\s_-])", re.I)
_MAIN_ATTR = re.compile(r"article|content|post|entry|main|detail|text|body", re.I)
_BLOCK = {"p", "div", "section", "article", "main", "li", "ul", "ol", "br", "tr", "table", "blockquote", "pre", "dd", "dt", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "figure", "figcaption"}
_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")


def _main_container(body: Any) -> Any:
    """The smallest candidate container (``<article>``, ``<main>``, or a div/section whose class
    or id says content) that still holds half of the page's Han text; else the body.

    Han counts and sizes are computed in one bottom-up pass (nested containers must not make
    this quadratic)."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment

    han: dict[int, int] = {}
    size: dict[int, int] = {}
    tags = [body, *body.find_all(True)]
    for tag in reversed(tags):  # children come after their parent in document order
        h = n = 0
        for child in tag.children:
            if isinstance(child, Tag):
                h += han.get(id(child), 0)
                n += size.get(id(child), 0)
            elif isinstance(child, NavigableString) and not isinstance(child, Comment):
                h += len(_HAN_CHAR.findall(child))
                n += len(child)
        han[id(tag)], size[id(tag)] = h, n
    total = han[id(body)] or 1
    best, best_size = body, size[id(body)]
    for tag in tags[1:]:
        if tag.name not in ("article", "main", "div", "section"):
            continue
        attrs = " ".join([*(tag.get("class") or []), str(tag.get("id") or "")])
        if not (tag.name in ("article", "main") or _MAIN_ATTR.search(attrs)):
            continue
        if han[id(tag)] >= 0.5 * total and size[id(tag)] < best_size:
            best, best_size = tag, size[id(tag)]
    return best


def _html_lines(soup: Any) -> list[_Line]:
    from bs4 import NavigableString, Tag
    from bs4.element import Comment

    out: list[list[str]] = [[]]
    levels: list[int | None] = [None]

    def newline(level: int | None = None) -> None:
        if out[-1]:
            out.append([])
            levels.append(None)
        levels[-1] = level

    # iterative walk (an explicit stack): deeply nested markup must not exhaust the call stack
    _END = object()
    stack: list[Any] = list(reversed(list(soup.children)))
    while stack:
        node = stack.pop()
        if node is _END:
            newline()
        elif isinstance(node, Comment):
            continue
        elif isinstance(node, NavigableString):
            out[-1].append(str(node))
        elif isinstance(node, Tag):
            name = node.name.lower()
            if name in _BLOCK:
                newline(int(name[1]) if re.fullmatch(r"h[1-6]", name) else None)
                stack.append(_END)
            stack.extend(reversed(list(node.children)))
    lines: list[_Line] = []
    for parts, level in zip(out, levels):
        raw = re.sub(r"[ \t\r\n\u00a0]+", " ", "".join(parts)).strip()
        if raw:
            ln = _Line(raw, normalize(raw).text.strip(), level)
            lines.append(ln)
    return lines


def _load_html(html: str) -> Page:
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(html, "html.parser")
    meta: dict[str, str] = {}
    title: str | None = None
    for tag in soup.find_all("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        content = (tag.get("content") or "").strip()
        if not content:
            continue
        if key in ("og:title", "twitter:title") and title is None:
            title = content
        elif key in ("article:published_time", "pubdate", "publishdate", "date", "og:published_time", "datepublished", "publish_date"):
            meta.setdefault("date", content)
        elif key in ("author", "article:author", "og:author"):
            meta.setdefault("author", content)
        elif key in ("description", "og:description"):
            meta.setdefault("description", content)
        elif key in ("keywords",):
            meta.setdefault("keywords", content)
    time_tag = soup.find("time")
    if isinstance(time_tag, Tag) and "date" not in meta:
        meta["date"] = str(time_tag.get("datetime") or time_tag.get_text(strip=True))
    if title is None and soup.title and soup.title.string:
        title = re.split(r"\s+[-_|–—]\s+|_|｜", soup.title.string.strip())[0].strip() or None
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed if hasattr(tag, "decomposed") else False:
            continue
        attrs = " ".join([*(tag.get("class") or []), str(tag.get("id") or "")]) if tag.attrs else ""
        if attrs and _CHROME_ATTR.search(attrs) and not _MAIN_ATTR.search(attrs):
            tag.decompose()
    body = soup.body or soup
    main = _main_container(body)
    lines = _html_lines(main)
    h1 = [ln for ln in lines if ln.heading_level == 1]
    if title is None and h1:
        title = h1[0].text
    if title:
        nt = normalize(title).text.strip()
        lines = [ln for ln in lines if not (ln.heading_level and ln.norm == nt)]
    _extract_meta(lines, meta)
    kept, title, dropped = _filter_lines(lines, title)
    text, sections = _assemble(kept)
    return Page(title, text, sections, meta, "html", dropped)


def _load_text(text: str) -> Page:
    lines = _text_lines(text)
    meta: dict[str, str] = {}
    _extract_meta(lines, meta)
    kept, title, dropped = _filter_lines(lines, None)
    body, sections = _assemble(kept)
    return Page(title, body, sections, meta, "text", dropped)


def looks_like_html(text: str) -> bool:
    head = text[:5000]
    return len(_HTML_HINT.findall(head)) >= 2 or head.lstrip().lower().startswith(("<!doctype html", "<html"))


def read_source(source: str | bytes | os.PathLike[str], *, encoding: str | None = None) -> str:
    """Turn a path, bytes or text into text (decoding bytes with :func:`decode`)."""
    if isinstance(source, os.PathLike):
        path = Path(source)
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"{path}: file is {size} bytes, over the {MAX_BYTES}-byte limit")
        return decode(path.read_bytes(), encoding)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return decode(source, encoding)
    if isinstance(source, str):
        return source
    raise TypeError(f"source: expected str, bytes or a path, got {type(source).__name__}")


def load_page(source: str | bytes | os.PathLike[str], *, html: bool | None = None, encoding: str | None = None) -> Page:
    """Load an article from HTML or plain text (a ``str``, ``bytes`` or a :class:`~pathlib.Path`).

    ``html`` forces the HTML or text path; by default it is detected from the content.
    """
    text = read_source(source, encoding=encoding)
    if "\x00" in text:
        text = text.replace("\x00", "")
    is_html = looks_like_html(text) if html is None else html
    if is_html:
        return _load_html(text)
    return _load_text(text)
