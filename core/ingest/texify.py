"""Render the TeX that arXiv metadata carries readably: accents as Unicode, math left intact.

`S{\\o}ren` → `Søren`, `\\emph{descending}` → `descending`, `\\tilde{O}ptimal` → `Õptimal`;
anything between `$…$` (or `\\(…\\)`) is returned exactly as written. The parsing is
pylatexenc's; this module decides what it keeps (`\\texttt`, `\\textsc` and friends keep their
text), protects what arXiv's plain text means literally (`%`, `&`, `~`, `#` are not TeX in
"50% & ~3x"), and bounds the work: over-long or deeply nested input is returned unconverted.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from pylatexenc import latexwalker
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.macrospec import MacroSpec

log = logging.getLogger(__name__)

MAX_TEX = 4_000  # characters; twice the longest abstract arXiv accepts (1,920)
MAX_DEPTH = 40  # nesting of groups and math; beyond it the parser would recurse too deep

# characters that arXiv's plain text uses literally, hidden from the parser and restored after
_LITERAL = {"%": "\ue000", "&": "\ue001", "~": "\ue002", "#": "\ue003"}
_PROTECT = re.compile(r"(?<!\\)[%&#]|(?<![\\])~")
_PLACEHOLDERS = re.compile("[\ue000-\ue003]")
_RESTORE = {v: k for k, v in _LITERAL.items()}
_KEEP_TEXT = (
    "texttt", "textsc", "textsf", "textrm", "textup", "textnormal", "textmd", "textsl",
    "mathrm", "mathtt", "mathsf", "url", "underline", "mbox", "text",
)  # fmt: skip


def _roman(node: Any, l2tobj: LatexNodes2Text) -> str:
    """`\\RNum{4}` (a common macro in arXiv titles) → `IV`."""
    arg = l2tobj.nodelist_to_text([node.nodeargd.argnlist[0]]).strip() if node.nodeargd else ""
    if not arg.isdigit() or not 0 < int(arg) < 40:
        return arg
    value, out = int(arg), ""
    for number, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out, value = out + letters, value - number
    return out


def _converter() -> tuple[LatexNodes2Text, Any]:
    walker = latexwalker.get_default_latex_context_db()
    walker.add_context_category(
        "paperbot", prepend=True, macros=[MacroSpec("href", "{{"), MacroSpec("RNum", "{")]
    )
    text = get_default_latex_context_db()
    text.add_context_category(
        "paperbot",
        prepend=True,
        macros=[
            *(MacroTextSpec(name, simplify_repl="%(1)s") for name in _KEEP_TEXT),
            MacroTextSpec("href", simplify_repl="%(2)s"),
            MacroTextSpec("RNum", simplify_repl=_roman),
            MacroTextSpec("LaTeX", simplify_repl="LaTeX"),
            MacroTextSpec("TeX", simplify_repl="TeX"),
        ],
    )
    return LatexNodes2Text(latex_context=text, math_mode="verbatim"), walker


_TO_TEXT, _WALKER_CONTEXT = _converter()


def texify(text: str | None) -> str:
    """Return `text` with TeX outside math rendered as Unicode; math is kept verbatim."""
    if not text:
        return text or ""
    if "\\" not in text and "{" not in text:
        return text
    if len(text) > MAX_TEX or _depth(text) > MAX_DEPTH:
        return text
    pieces = [piece if is_math else _render(piece) for is_math, piece in _split_math(text)]
    return unicodedata.normalize("NFC", " ".join("".join(pieces).split()))


def _render(text: str) -> str:
    """One stretch of text without math: only its TeX words go through pylatexenc.

    pylatexenc reads a character at a time (~50 µs per character), so the plain words around
    the TeX are kept as they are and each run of words from a backslash or brace to where its
    braces close is converted on its own: `\\emph{two words} and more` parses 16 characters.
    """
    if "\\" not in text and "{" not in text:
        return text
    out: list[str] = []
    span: list[str] = []
    depth, eat_space = 0, False
    for part in _WORDS.split(text):
        if eat_space and part.isspace():  # TeX ends a control word at the space after it
            eat_space = False
            continue
        eat_space = False
        if not span and not _TEX_WORD.search(part):
            out.append(part)
            continue
        span.append(part)
        depth += sum(1 if brace == "{" else -1 for brace in _BRACE.findall(part))
        if depth <= 0 and part and not part.isspace():
            out.append(_convert("".join(span)))
            eat_space = bool(_CONTROL_WORD_END.search(part))
            span, depth = [], 0
    if span:
        out.append(_convert("".join(span)))
    return "".join(out)


def _convert(text: str) -> str:
    """pylatexenc on one short piece, with the characters plain text means literally protected."""
    protected = _PROTECT.sub(lambda m: _LITERAL[m.group(0)], _PLACEHOLDERS.sub("", text))
    try:
        rendered = _TO_TEXT.latex_to_text(protected, latex_context=_WALKER_CONTEXT, tolerant_parsing=True)
    except Exception as exc:  # a parser fault on one odd string must not lose the paper
        log.debug("TeX left as written (%s: %s)", type(exc).__name__, exc)
        return text
    return _PLACEHOLDERS.sub(lambda m: _RESTORE[m.group(0)], rendered)


_WORDS = re.compile(r"(\s+)")
_TEX_WORD = re.compile(r"[\\{}]")
_BRACE = re.compile(r"(?<!\\)[{}]")
_CONTROL_WORD_END = re.compile(r"(?<!\\)\\[A-Za-z]+$")
_MATH_TOKEN = re.compile(r"\\[\\$()\[\]]|\$\$|\$")
_CLOSER = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}


def _split_math(text: str) -> list[tuple[bool, str]]:
    """Cut `text` into (is_math, piece) in one pass; an unclosed opener is plain text."""
    pieces: list[tuple[bool, str]] = []
    last, start, closer = 0, 0, None
    for match in _MATH_TOKEN.finditer(text):
        token = match.group(0)
        if closer is None and token in _CLOSER:
            pieces.append((False, text[last : match.start()]))
            start, closer = match.start(), _CLOSER[token]
        elif closer is not None and token == closer:
            pieces.append((True, text[start : match.end()]))
            last, closer = match.end(), None
    pieces.append((False, text[last:]))
    return [(is_math, piece) for is_math, piece in pieces if piece]


def _depth(text: str) -> int:
    """The deepest nesting of `{`, `\\(` and `\\[` in one linear pass (no parse)."""
    depth = deepest = 0
    for match in re.finditer(r"\\[(\[]|\\[)\]]|(?<!\\)[{}]", text):
        token = match.group(0)
        if token in ("{", "\\(", "\\["):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


_GLUED = re.compile(
    r"\\(?:emph|textit|textbf|textsc|texttt|textsf|textrm|textup|textnormal|textsl|textmd|underline|mbox)"
    r"(?=[^\W_])"
)
_GLUED_ACCENT = re.compile(r"\\(tilde|hat|bar|dot|ddot|breve|check|vec)([^\W\d_])")
_GLUED_ROMAN = re.compile(r"\\RNum(\d{1,2})(?!\d)")


def rerender_stored(text: str | None) -> str | None:
    """Repair text that the earlier converter stored: it dropped braces but kept the command,
    so `\\emph{x}` was saved as `\\emphx`. Outside math the known glued commands get their
    braces back and the result is rendered again; text without a backslash is left alone."""
    if not text or "\\" not in text:
        return text
    pieces = []
    for is_math, piece in _split_math(text):
        if not is_math:
            piece = _GLUED.sub(lambda m: m.group(0) + "{}", piece)
            piece = _GLUED_ACCENT.sub(lambda m: f"\\{m.group(1)}{{{m.group(2)}}}", piece)
            piece = _GLUED_ROMAN.sub(lambda m: "\\RNum{" + m.group(1) + "}", piece)
        pieces.append(piece)
    return texify("".join(pieces))
