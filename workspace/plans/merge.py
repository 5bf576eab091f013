"""Three-way merge of section texts saved concurrently, and word-level diffs for people."""

import difflib
import re
from dataclasses import dataclass

from merge3 import Merge3


@dataclass(frozen=True)
class MergeResult:
    """``text`` is the merged text when the edits did not overlap, else None."""

    text: str | None

    @property
    def clean(self) -> bool:
        return self.text is not None


def three_way(base: str, mine: str, theirs: str) -> MergeResult:
    """Merge ``mine`` and ``theirs``, both made from ``base``, line by line.

    A Markdown paragraph is a line, so edits to different paragraphs merge and edits to the
    same one overlap. Identical changes on both sides are taken once."""
    if mine == theirs:
        return MergeResult(mine)
    if theirs == base:
        return MergeResult(mine)
    if mine == base:
        return MergeResult(theirs)
    lines = []
    merger = Merge3(_lines(base), _lines(mine), _lines(theirs))
    for group in merger.merge_groups():
        if group[0] == "conflict":
            return MergeResult(None)
        lines.extend(group[1])
    # Drop the newline _lines gave the last line, so a merge of three texts without a
    # final newline has none either.
    return MergeResult("".join(lines).removesuffix("\n"))


def three_way_title(base: str, mine: str, theirs: str) -> str | None:
    """A title is one unit: changed on one side it wins; changed differently, no merge."""
    if mine == theirs or theirs == base:
        return mine
    if mine == base:
        return theirs
    return None


def _lines(text: str) -> list[str]:
    # Every line ends with a newline, so a change to the last line merges like any other.
    text = text.replace("\r\n", "\n")
    return [line + "\n" for line in text.split("\n")] if text else []


def normalise(text: str) -> str:
    """Line endings as one newline and no trailing blank lines: what a browser sends back is
    not a change."""
    return text.replace("\r\n", "\n").rstrip("\n").rstrip()


# Word-level diff --------------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Piece:
    """A run of text that is the same (``op`` "equal"), only in the new text ("insert") or
    only in the old text ("delete")."""

    op: str
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """The changes from ``old`` to ``new`` word by word (spaces and punctuation are their
    own tokens, so a changed word shows alone)."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("equal", "".join(a[a1:a2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(Piece("delete", "".join(a[a1:a2])))
        if op in ("insert", "replace"):
            pieces.append(Piece("insert", "".join(b[b1:b2])))
    return pieces


def changed(pieces: list[Piece]) -> bool:
    return any(p.op != "equal" for p in pieces)
