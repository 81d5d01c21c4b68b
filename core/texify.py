"""Render the TeX that arXiv metadata carries readably: accents as Unicode, math left intact.

`S{\\o}ren` → `Søren`, `R\\'emi` → `Rémi`, `{\\L}a\\'ncucki` → `Łańcucki`; anything between
`$…$` (or `\\(…\\)`) is returned exactly as written.
"""

from __future__ import annotations

import re
import unicodedata

_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
_LETTERS = {
    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ss": "ß", "ae": "æ", "AE": "Æ",
    "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð",
    "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ",
}  # fmt: skip
_ESCAPES = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}"}

_MATH = re.compile(r"(?<!\\)\$\$.+?(?<!\\)\$\$|(?<!\\)\$.+?(?<!\\)\$|\\\(.+?\\\)", re.S)
_SYMBOL_ACCENT = r"['`^\"~=.]"
_LETTER_ACCENT = r"[uvHckrdb](?![A-Za-z])"
_ACCENT = re.compile(
    rf"\\(?:({_SYMBOL_ACCENT})\s*|({_LETTER_ACCENT})\s*)"
    r"(?:\{\s*(\\[ij]\b|[A-Za-z])\s*\}|(\\[ij]\b|[A-Za-z]))"
)
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|dh|DH|th|TH|ng|NG|o|O|l|L|i|j)(?![A-Za-z])(?:\{\})?\s?")
_ESCAPE = re.compile(r"\\([&%$#_{}])")
_BRACES = re.compile(r"\{([^{}\\$]*)\}")


def texify(text: str | None) -> str:
    """Return `text` with TeX accents and letters outside math rendered as Unicode."""
    if not text:
        return text or ""
    pieces: list[str] = []
    last = 0
    for math in _MATH.finditer(text):
        pieces.append(_render(text[last : math.start()]))
        pieces.append(math.group(0))
        last = math.end()
    pieces.append(_render(text[last:]))
    return "".join(pieces)


def _render(text: str) -> str:
    if "\\" not in text and "{" not in text:
        return text
    text = _ACCENT.sub(_accent, text)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    text = _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], text)
    previous = None
    while previous != text:  # {G}aussian → Gaussian, {{nested}} → nested
        previous, text = text, _BRACES.sub(r"\1", text)
    return unicodedata.normalize("NFC", text)


def _accent(match: re.Match[str]) -> str:
    mark = _ACCENTS[match.group(1) or match.group(2)]
    base = match.group(3) or match.group(4)
    if base in ("\\i", "ı"):
        base = "i"
    elif base in ("\\j", "ȷ"):
        base = "j"
    return unicodedata.normalize("NFC", base + mark)
