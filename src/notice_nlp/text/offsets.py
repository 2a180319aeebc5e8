"""Offset bookkeeping for text rewrites.

Every normalisation step turns its input into an output by replacing a few non-overlapping
spans (an *edit*: ``(start, end, replacement)`` on the input). :class:`StepMap` remembers those
edits and maps a span of the output back to the input; a chain of step maps takes a span of
the final text back to the original. Regions no edit touched map one-to-one; a span that
touches a replacement widens to the whole replaced input span, so a highlight always covers
what the sender actually wrote.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Edit", "StepMap", "apply_edits", "rewrite"]

Edit = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class StepMap:
    """Output→input position map of one rewrite step.

    ``in_starts[i], in_ends[i]`` is the input span of edit *i*, ``out_starts[i], out_ends[i]``
    the output span its replacement occupies. Edits are sorted and disjoint.
    """

    in_starts: tuple[int, ...]
    in_ends: tuple[int, ...]
    out_starts: tuple[int, ...]
    out_ends: tuple[int, ...]

    def start(self, pos: int) -> int:
        """Input position of the output position ``pos`` used as a span start."""
        i = bisect_right(self.out_starts, pos) - 1
        if i < 0:
            return pos
        if pos < self.out_ends[i]:
            return self.in_starts[i]
        return pos + self.in_ends[i] - self.out_ends[i]

    def end(self, pos: int) -> int:
        """Input position of the output position ``pos`` used as an exclusive span end."""
        if pos <= 0:
            return self.start(pos)
        q = pos - 1
        i = bisect_right(self.out_starts, q) - 1
        if i < 0:
            return pos
        if q < self.out_ends[i]:
            return self.in_ends[i]
        return pos + self.in_ends[i] - self.out_ends[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        if end <= start:
            p = self.start(start)
            return p, p
        return self.start(start), self.end(end)


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, StepMap | None]:
    """Apply sorted, non-overlapping edits; return the new text and its map (None if unchanged)."""
    ordered: Sequence[Edit] = sorted(edits, key=lambda e: (e[0], e[1]))
    if not ordered:
        return text, None
    pieces: list[str] = []
    in_s: list[int] = []
    in_e: list[int] = []
    out_s: list[int] = []
    out_e: list[int] = []
    cursor = 0
    out_len = 0
    for start, end, repl in ordered:
        if start < cursor:
            continue  # overlapping edit: the earlier one wins
        if start > cursor:
            pieces.append(text[cursor:start])
            out_len += start - cursor
        pieces.append(repl)
        in_s.append(start)
        in_e.append(end)
        out_s.append(out_len)
        out_len += len(repl)
        out_e.append(out_len)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), StepMap(tuple(in_s), tuple(in_e), tuple(out_s), tuple(out_e))


def rewrite(text: str, edits: Sequence[tuple[int, int, str] | tuple[int, int, str, str, str]]) -> tuple[str, StepMap | None]:
    """Apply SORTED, DISJOINT edits (extra tuple items are ignored); return the new text and its
    map, or None when no edit moves a position.

    A one-character-for-one-character replacement maps exactly like untouched text (a span
    touching it widens to itself), so the map leaves it out; a step that only makes such
    replacements (，→, in almost every message) needs no map at all. For any other edits the
    map answers exactly as the one :func:`apply_edits` builds.
    """
    pieces: list[str] = []
    in_s: list[int] = []
    in_e: list[int] = []
    out_s: list[int] = []
    out_e: list[int] = []
    cursor = 0
    shift = 0  # output position - input position after the edits so far
    for edit in edits:
        start, end, repl = edit[0], edit[1], edit[2]
        pieces.append(text[cursor:start])
        pieces.append(repl)
        cursor = end
        n = len(repl)
        if n == 1 and end - start == 1:
            continue
        in_s.append(start)
        in_e.append(end)
        out_s.append(start + shift)
        out_e.append(start + shift + n)
        shift += n - (end - start)
    pieces.append(text[cursor:])
    new = "".join(pieces)
    if not in_s:
        return new, None
    return new, StepMap(tuple(in_s), tuple(in_e), tuple(out_s), tuple(out_e))
