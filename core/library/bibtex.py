"""A small, strict BibTeX reader: entries with their fields, or one error naming the line.

Zotero, Mendeley, JabRef and Google Scholar all write the classic syntax: `@type{key,` then
`name = {value}` / `"value"` / `123` / a `@string` macro, joined by `#`, fields separated by
commas, the entry closed by the brace (or parenthesis) that opened it. `@comment` and
`@preamble` are skipped. Values keep their TeX; the caller renders what it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import InputError

MAX_DEPTH = 64  # brace nesting; real titles protect a word or two
_NAME = "_-:.+/'"  # besides letters and digits, in keys, field names and macros


@dataclass
class BibEntry:
    kind: str  # article, misc, ... (lower case)
    key: str
    line: int  # where the entry starts, for messages
    fields: dict[str, str] = field(default_factory=dict)  # names in lower case


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.macros: dict[str, str] = {}

    def line(self, pos: int | None = None) -> int:
        return self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def fail(self, what: str, pos: int | None = None) -> InputError:
        return InputError(f"line {self.line(pos)}: {what}")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def name(self, what: str) -> str:
        self.skip_space()
        start = self.pos
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] in _NAME):
            self.pos += 1
        if start == self.pos:
            found = self.text[self.pos : self.pos + 1] or "the end of the file"
            raise self.fail(f"expected {what}, found {found!r}")
        return self.text[start : self.pos]

    def braced(self, start: int) -> str:
        """From an opening brace at `pos` to its match; the content without the outer braces."""
        depth = 0
        for index in range(self.pos, len(self.text)):
            char = self.text[index]
            if char == "\\":
                continue
            if char == "{" and (index == 0 or self.text[index - 1] != "\\"):
                depth += 1
                if depth > MAX_DEPTH:
                    raise self.fail("braces nested too deep", index)
            elif char == "}" and self.text[index - 1] != "\\":
                depth -= 1
                if depth == 0:
                    content = self.text[self.pos + 1 : index]
                    self.pos = index + 1
                    return content
        raise self.fail("unterminated entry", start)

    def quoted(self, start: int) -> str:
        depth = 0
        for index in range(self.pos + 1, len(self.text)):
            char = self.text[index]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif char == '"' and depth <= 0 and self.text[index - 1] != "\\":
                content = self.text[self.pos + 1 : index]
                self.pos = index + 1
                return content
        raise self.fail("unterminated entry", start)

    def value(self, start: int) -> str:
        """One field value: parts joined by `#`."""
        parts: list[str] = []
        while True:
            char = self.peek()
            if char == "{":
                parts.append(self.braced(start))
            elif char == '"':
                parts.append(self.quoted(start))
            elif char.isdigit():
                parts.append(self.name("a number"))
            elif char == "":
                raise self.fail("unterminated entry", start)
            else:
                macro = self.name("a value")
                parts.append(self.macros.get(macro.lower(), macro))
            if self.peek() != "#":
                return "".join(parts)
            self.pos += 1


def read_bibtex(text: str, *, max_entries: int) -> list[BibEntry]:
    """Every entry of `text`; InputError("line N: ...") at the first thing that is not BibTeX."""
    reader = _Reader(text)
    entries: list[BibEntry] = []
    while True:
        at = text.find("@", reader.pos)
        if at < 0:
            return entries
        reader.pos = at + 1
        start = reader.pos
        kind = _entry_type(reader)
        opener = reader.peek()
        if not kind or not opener or opener not in "{(":  # an @ in text between entries (an email)
            reader.pos = start
            continue
        if kind == "comment":
            _skip_group(reader, at)
            continue
        reader.pos += 1
        closer = "}" if opener == "{" else ")"
        if kind in {"preamble", "string"}:
            _read_special(reader, kind, closer, at)
            continue
        if len(entries) >= max_entries:
            raise reader.fail(f"more than {max_entries} entries; split the file")
        entries.append(_read_entry(reader, kind, closer, at))


def _entry_type(reader: _Reader) -> str:
    """The word after `@` (letters only), lower case; "" when there is none."""
    start = reader.pos
    while reader.pos < len(reader.text) and reader.text[reader.pos].isalpha():
        reader.pos += 1
    return reader.text[start : reader.pos].lower()


def _skip_group(reader: _Reader, start: int) -> None:
    if reader.peek() == "{":
        reader.braced(start)
    else:
        end = reader.text.find(")", reader.pos)
        if end < 0:
            raise reader.fail("unterminated entry", start)
        reader.pos = end + 1


def _read_special(reader: _Reader, kind: str, closer: str, start: int) -> None:
    if kind == "preamble":
        reader.value(start)
    else:
        name = reader.name("a macro name").lower()
        if reader.peek() != "=":
            raise reader.fail(f"expected '=' after @string name {name!r}")
        reader.pos += 1
        reader.macros[name] = reader.value(start)
    if reader.peek() != closer:
        raise reader.fail(f"expected {closer!r} to close @{kind}")
    reader.pos += 1


def _read_entry(reader: _Reader, kind: str, closer: str, start: int) -> BibEntry:
    line = reader.line(start)
    key = "" if reader.peek() == "," else reader.name("a citation key")
    entry = BibEntry(kind=kind, key=key, line=line)
    while True:
        char = reader.peek()
        if char == closer:
            reader.pos += 1
            return entry
        if char in {"", "@"}:
            raise reader.fail("unterminated entry", start)
        if char != ",":
            raise reader.fail(f"expected ',' or {closer!r} in entry {key!r}, found {char!r}")
        reader.pos += 1
        if reader.peek() in {closer, ""}:
            continue
        if reader.peek() == "@":
            raise reader.fail("unterminated entry", start)
        name = reader.name("a field name").lower()
        if reader.peek() != "=":
            raise reader.fail(f"expected '=' after field {name!r}")
        reader.pos += 1
        entry.fields[name] = reader.value(start)
