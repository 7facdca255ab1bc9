"""Worksheet XML, read fast and light: a part is streamed in chunks and cut into `<row>`s with
regular expressions, never built into a tree.

`SheetPart` gives the bytes before the rows (`head`), each row's bytes, and what follows them
(`trail`, `tail`); the reader and the editor (`xlsx_sheet`) both stand on it. `RowReader` reads a
row's cells with one expression that knows the shapes spreadsheet programs write — `<c r s t>`
holding a `<v>`, an inline string or a formula with its cached value. A row holding anything else
(rich text, comments, CDATA, character references, other attributes) is parsed with lxml and read
by `read_cell`, so a value means the same whichever way it was read. Values that repeat (a status,
a customer, a date) come back as one shared object, which keeps a big sheet light in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from typing import IO, Any, ClassVar

from lxml import etree

from .base import CellValue, RawSheet

Element = Any  # lxml ships no type stubs
Lookup = Callable[[int], str]  # shared string by index

PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True, no_network=True)
CHUNK = 1 << 16  # bytes read from the zip at a time (more buys no speed, only memory)
_CACHE_SIZE = 1 << 14  # distinct values remembered per kind before starting afresh
_DIGITS = "0123456789"
_P = rb"(?:[A-Za-z_][\w.\-]*:)?"  # an optional namespace prefix
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)(?=[\s/>])[^>]*>")
_SHEETDATA = re.compile(rb"<(" + _P + rb")sheetData(?=[\s/>])[^>]*?(/?)>")
ROW_NUM = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_MERGE = re.compile(rb"""<""" + _P + rb"""mergeCell(?=[\s/>])[^>]*?\sref\s*=\s*["']([^"']*)""")
_ENCODING = re.compile(rb"""(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.\-]+)""")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NAMED = re.compile(r"&(amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_GT = re.compile(rb"\s*>")
_SLOW: Any = object()  # not known yet


def local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


_COLUMN_CACHE: dict[str, int] = {}
BYTES_COLUMNS: dict[bytes, int] = {}
_LETTERS: dict[int, bytes] = {}


def col_index(letters: str) -> int:
    """`A` → 1, `AB` → 28."""
    n = _COLUMN_CACHE.get(letters)
    if n is None:
        n = 0
        for ch in letters.upper():
            if not "A" <= ch <= "Z":
                raise ValueError(f"{letters!r} is not a column")
            n = n * 26 + ord(ch) - 64
        if not 0 < n <= 16384:
            raise ValueError(f"{letters!r} is not a column")
        _COLUMN_CACHE[letters] = n
        BYTES_COLUMNS[letters.encode()] = n
    return n


def col_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def split_ref(ref: str) -> tuple[int, int]:
    """`AB12` → (12, 28)."""
    ref = ref.replace("$", "").strip()
    letters = ref.rstrip(_DIGITS)
    return int(ref[len(letters):]), col_index(letters)


def parse_range(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    r1, c1 = split_ref(first)
    r2, c2 = split_ref(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


class Tags:
    """Qualified tag names in one namespace (the main one is usually default, sometimes `x:`)."""

    __slots__ = ("c", "v", "f", "is_", "t", "r")
    _cache: ClassVar[dict[str, Tags]] = {}

    def __init__(self, ns: str) -> None:
        self.c, self.v, self.f, self.is_, self.t, self.r = (
            ns + name for name in ("c", "v", "f", "is", "t", "r"))

    @classmethod
    def of(cls, tag: str) -> Tags:
        ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
        if ns not in cls._cache:
            cls._cache[ns] = cls(ns)
        return cls._cache[ns]


def rich_text(el: Element, tags: Tags) -> str:
    """Text of an `<si>` or `<is>`: plain `<t>` or rich-text runs; phonetic hints left out."""
    parts = []
    for ch in el:
        if ch.tag == tags.t:
            parts.append(ch.text or "")
        elif ch.tag == tags.r:
            parts.extend(t.text or "" for t in ch if t.tag == tags.t)
    return "".join(parts)


def text_or_none(s: str) -> str | None:
    if not s:
        return None
    if "_x" in s:
        s = _ESCAPED.sub(lambda m: chr(int(m[1], 16)), s)
    return s


def number(v: str) -> CellValue:
    try:
        return float(v) if "." in v or "E" in v or "e" in v else int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return text_or_none(v)


def read_cell(c: Element, tags: Tags, shared: Lookup) -> tuple[CellValue, bool]:
    """(value, holds a formula). A formula's value is its cached result; errors are their text."""
    v = inline = None
    formula = False
    for ch in c:
        tag = ch.tag
        if tag == tags.v:
            v = ch.text
        elif tag == tags.f:
            formula = True
        elif tag == tags.is_:
            inline = ch
    if inline is not None:
        return text_or_none(rich_text(inline, tags)), formula
    if v is None:
        return None, formula
    kind = c.get("t")
    if kind is None or kind == "n":
        return number(v), formula
    if kind == "s":
        try:
            return text_or_none(shared(int(v))), formula
        except (ValueError, IndexError):
            return None, formula
    if kind in ("b", "d"):
        return bool_or_date(kind, v), formula
    return text_or_none(v), formula  # str (formula text result), e (#N/A …)


def bool_or_date(kind: str, v: str) -> CellValue:
    if kind == "b":
        return v.strip() in ("1", "true")
    try:
        stamp = dt.datetime.fromisoformat(v.strip())
    except ValueError:
        return text_or_none(v)
    return stamp if "T" in v else stamp.date()


def xml_text(raw: bytes) -> str | None:
    """Character data as an XML parser gives it; None when only a parser can say (character
    references, line ends to normalise)."""
    s = raw.decode()
    if "&" in s:
        if s.count("&") != len(_NAMED.findall(s)):
            return None
        s = _NAMED.sub(lambda m: _ENTITIES[m[1]], s)
    return None if "\r" in s else s


Read = Callable[[int], bytes]  # a stream's read(): up to n bytes, b"" at the end


def reader_of(source: IO[bytes] | bytes) -> Read:
    return io.BytesIO(source).read if isinstance(source, bytes) else source.read


def cut(buf: bytes, pos: int, read: Read, name: bytes, stop: bytes, rest: list[bytes]
        ) -> Iterator[tuple[bytes, bytes]]:
    """(bytes before, bytes of) each element `name` from `pos` up to the first `stop`, reading
    more as needed; then `rest` gets what follows the last one before `stop`, and all after.
    An element left open stays in what follows (for the caller to find broken)."""
    opener, closer = b"<" + name, b"</" + name
    while True:
        end = buf.find(stop, pos)
        limit = len(buf) if end < 0 else end
        at = pos
        while (start := buf.find(opener, at, limit)) >= 0:
            gt = buf.find(b">", start, limit)
            if gt < 0:
                break
            if buf[start + len(opener)] not in b" \t\r\n/>":  # another name: not ours
                at = start + 1
                continue
            close = gt + 1 if buf[gt - 1] == 47 else _close_end(buf, closer, gt, limit)  # 47: />
            if close < 0:
                break
            yield buf[pos:start], buf[start:close]
            pos = at = close
        if end >= 0:
            break
        chunk = read(max(CHUNK, len(buf) - pos))  # a big element: read as much again
        if not chunk:
            raise ValueError(f"{stop[2:].decode()} is not closed")
        buf = buf[pos:] + chunk
        pos = 0
    rest += (buf[pos:end], buf[end:] + read(-1))


def _close_end(buf: bytes, closer: bytes, at: int, limit: int) -> int:
    """Where the first `</name>` (or `</name >`) after `at` ends; -1 when there is none yet."""
    while (found := buf.find(closer, at, limit)) >= 0:
        at = found + len(closer)
        if buf[at:at + 1] == b">":
            return at + 1
        if spaced := _GT.match(buf, at, limit):
            return spaced.end()
    return -1


def _start(read: Read) -> bytes:
    """The first chunk; a part not in UTF-8 is read whole and re-encoded (we cut UTF-8)."""
    buf = read(CHUNK)
    declared = _ENCODING.match(buf)
    if buf.startswith((b"\xff\xfe", b"\xfe\xff")) or (
            declared and declared[1].lower() not in (b"utf-8", b"utf8")):
        buf = etree.tostring(etree.fromstring(buf + read(-1), PARSER), xml_declaration=True,
                             encoding="UTF-8", standalone=True)
    return buf


class NoSheetData(ValueError):
    """A worksheet part without a grid; `data` is the whole part."""

    def __init__(self, message: str, data: bytes) -> None:
        super().__init__(message)
        self.data = data


class SheetPart:
    """A worksheet part being read: `head` (through the sheetData start tag), then `rows()`
    yields (row number, bytes before the row, the row's bytes); after them `trail` (up to
    `</sheetData>`) and `tail` (the rest of the part) are known."""

    def __init__(self, source: IO[bytes] | bytes) -> None:
        self._read = reader_of(source)
        buf = _start(self._read)
        while True:
            root = _ROOT.search(buf)
            sd = _SHEETDATA.search(buf, root.end()) if root else None
            chunk = b"" if sd else self._read(max(CHUNK, len(buf)))  # (a long head: read more)
            if not chunk:
                break
            buf += chunk
        if root is None or sd is None:
            raise NoSheetData("it has no sheetData (is it a chart sheet?)", buf)
        self.prefix = p = sd[1]  # how this file spells the main namespace: b"" or b"x:"
        self.open, self.close = root[0], b"</" + root[1] + b">"
        if b"xmlns" in sd[0] and not sd[2]:  # prefixes declared on sheetData must resolve too
            self.open, self.close = self.open + sd[0], b"</" + p + b"sheetData>" + self.close
        self.probe = etree.fromstring(self.open + self.close, PARSER)
        self.depth = len(self.probe)
        self.tags = Tags.of(self.probe.tag)
        self.trail = self.tail = b""
        self._empty = bool(sd[2])
        if self._empty:  # <sheetData/>
            self.head = buf[:sd.start()] + b"<" + p + b"sheetData>"
            self._buf, self._pos = b"</" + p + b"sheetData>" + buf[sd.end():], 0
        else:
            self.head, self._buf, self._pos = buf[:sd.end()], buf, sd.end()

    def rows(self) -> Iterator[tuple[int, bytes, bytes]]:
        buf, self._buf = self._buf, b""
        if self._empty:
            self.tail = buf + self._read(-1)
            return
        rest: list[bytes] = []
        num = 0
        for lead, raw in cut(buf, self._pos, self._read, self.prefix + b"row",
                             b"</" + self.prefix + b"sheetData", rest):
            if lead and not lead.isspace():
                self.validate(lead)  # comments are fine; broken XML is not
            found = ROW_NUM.search(raw, 0, raw.index(b">"))
            num = int(found[1]) if found else num + 1
            yield num, lead, raw
        self.trail, self.tail = rest
        if self.trail and not self.trail.isspace():
            self.validate(self.trail)

    def check(self) -> None:
        """Everything but the rows must be sound XML (call once `rows()` is done)."""
        etree.fromstring(self.head + self.tail, PARSER)

    def validate(self, fragment: bytes) -> None:
        etree.fromstring(self.open + fragment + self.close, PARSER)

    def parse(self, fragment: bytes, parser: Any = PARSER) -> Element:
        """A fragment of sheetData (a row, a cell) as an element, its prefixes resolved."""
        wrapper = etree.fromstring(self.open + fragment + self.close, parser)
        return wrapper[0][0] if self.depth else wrapper[0]


class RowReader:
    """Cell values of rows cut from one `SheetPart`, each distinct value made once."""

    _patterns: ClassVar[dict[bytes, re.Pattern[bytes]]] = {}

    def __init__(self, part: SheetPart, shared: Lookup) -> None:
        self.part, self.shared = part, shared
        p = part.prefix
        if p not in self._patterns:  # column, type, v, inline text, formula, its v; or other
            q = re.escape(p)
            v = rb"<" + q + rb"v>([^<]*)</" + q + rb"v>"
            self._patterns[p] = re.compile(
                rb"<" + q + rb'c(?: r="([A-Z]{1,3})\d+")?(?: s="\d*")?(?: t="(\w+)")?(?:/>|>(?:'
                + v + rb"|<" + q + rb"is><" + q + rb't(?: xml:space="preserve")?>([^<]*)</' + q
                + rb"t></" + q + rb"is>|(<" + q + rb"f(?:\s[^>]*?)?(?:/>|>[^<]*</" + q + rb"f>))(?:"
                + v + rb")?)?</" + q + rb"c>)|(\S)")
        self._cells = self._patterns[p].findall
        self._numbers: dict[bytes, CellValue] = {}
        self._texts: dict[bytes, CellValue] = {}
        self._strings: dict[bytes, CellValue] = {}
        self._typed: dict[bytes, dict[bytes, CellValue]] = {b"b": {}, b"d": {}}
        self._bool_or_date: dict[bytes, Callable[[str], CellValue]] = {
            b"b": lambda v: bool_or_date("b", v), b"d": lambda v: bool_or_date("d", v)}

    def row(self, num: int, raw: bytes, formulas: set[tuple[int, int]] | None = None
            ) -> list[CellValue]:
        """Values by 0-based column (None where blank); `formulas` gets (row, col) of formulas."""
        start = raw.index(b">") + 1
        if raw[start - 2] == 47:  # <row/>
            return []
        found = self._fast(num, raw, formulas, start, raw.rindex(b"<"))
        return self._slow(num, raw, formulas) if found is None else found

    def values(self, raw: bytes) -> dict[int, CellValue]:
        """Column (1-based) → value, blank cells left out."""
        return {col: v for col, v in enumerate(self.row(0, raw), start=1) if v is not None}

    def cell(self, num: int, raw: bytes, col: int) -> CellValue:
        """The value in one column of row `num` (only that cell is read when it is found)."""
        letters = _LETTERS.get(col) or _LETTERS.setdefault(col, col_letter(col).encode())
        start = raw.find(b'<%sc r="%s%d"' % (self.part.prefix, letters, num))
        if start > 0:  # read up to the next cell (or what else follows: then all is read)
            end = raw.find(b"<" + self.part.prefix + b"c", start + 1)
            found = self._fast(num, raw, None, start, raw.rindex(b"<") if end < 0 else end)
            if found is not None:
                return found[col - 1] if col <= len(found) else None
        values = self.row(num, raw)
        return values[col - 1] if col <= len(values) else None

    def _fast(self, num: int, raw: bytes, formulas: set[tuple[int, int]] | None, start: int,
              end: int) -> list[CellValue] | None:
        values: list[CellValue] = []
        numbers, texts, strings, columns = self._numbers, self._texts, self._strings, BYTES_COLUMNS
        convert: Callable[[str], CellValue]
        col = 0
        for letters, kind, v, inline, formula, fv, other in self._cells(raw, start, end):
            if other:  # a cell of another shape, or something that is no cell
                return None
            col = (columns.get(letters) or col_index(letters.decode())) if letters else col + 1
            if formula:
                if formulas is not None:
                    formulas.add((num, col))
                v = fv
            if inline:
                key, cache, convert = inline, texts, text_or_none
            elif not v:  # no value, or an empty one
                continue
            elif not kind or kind == b"n":
                key, cache, convert = v, numbers, number
            elif kind == b"s":
                key, cache, convert = v, strings, self._shared
            elif kind == b"b" or kind == b"d":
                key, cache, convert = v, self._typed[kind], self._bool_or_date[kind]
            else:  # str (a formula's text), e (#N/A …), inlineStr with a <v>
                key, cache, convert = v, texts, text_or_none
            value = cache.get(key, _SLOW)
            if value is _SLOW:
                s = xml_text(key)
                if s is None:
                    return None
                value = cache[key] = convert(s)
            if value is not None:
                if col == len(values) + 1:
                    values.append(value)
                else:
                    if col > len(values):
                        values.extend([None] * (col - len(values)))
                    values[col - 1] = value
        for cache in (numbers, texts, strings, *self._typed.values()):
            if len(cache) > _CACHE_SIZE:
                cache.clear()
        return values

    def _shared(self, index: str) -> CellValue:
        try:
            return text_or_none(self.shared(int(index)))
        except (ValueError, IndexError):
            return None

    def _slow(self, num: int, raw: bytes, formulas: set[tuple[int, int]] | None
              ) -> list[CellValue]:
        el = self.part.parse(raw)
        tags = self.part.tags
        values: list[CellValue] = []
        col = 0
        for c in el.iterchildren(tags.c):
            ref = c.get("r")
            col = col_index(ref.rstrip(_DIGITS)) if ref else col + 1
            value, formula = read_cell(c, tags, self.shared)
            if formula and formulas is not None:
                formulas.add((num, col))
            if value is not None:
                if col > len(values):
                    values.extend([None] * (col - len(values)))
                values[col - 1] = value
        return values


def read_sheet(stream: IO[bytes] | bytes, name: str, shared: Lookup) -> RawSheet:
    sheet = RawSheet(name=name, header=[], rows=[])
    try:
        part = SheetPart(stream)
    except NoSheetData as exc:  # no cells to read (but it must be sound XML)
        etree.fromstring(exc.data, PARSER)
        return sheet
    reader = RowReader(part, shared)
    for num, _lead, raw in part.rows():
        values = reader.row(num, raw, sheet.formulas)
        if num == 1:
            sheet.header = values
        elif values:
            sheet.rows.append((num, values))
    part.check()
    for m in _MERGE.finditer(part.tail):
        with contextlib.suppress(ValueError):
            sheet.merged.append(parse_range(m[1].decode()))
    width = len(sheet.header)
    rows = sheet.rows
    for i, (num, values) in enumerate(rows):
        if len(values) < width:
            rows[i] = (num, values + [None] * (width - len(values)))
    return sheet


def read_shared_strings(stream: IO[bytes] | bytes) -> list[str]:
    read = reader_of(stream)
    buf = _start(read)
    while (root := _ROOT.search(buf)) is None and (chunk := read(max(CHUNK, len(buf)))):
        buf += chunk
    if root is None:
        raise ValueError("no shared strings")
    prefix = root[1].rpartition(b":")[0] + b":" if b":" in root[1] else b""
    q = re.escape(prefix)
    fast = re.compile(rb"<" + q + rb"si><" + q + rb't(?: xml:space="preserve")?>([^<]*)</' + q
                      + rb"t></" + q + rb"si>")
    close = b"</" + root[1] + b">"
    probe = etree.fromstring(root[0] + close, PARSER)
    tags = Tags.of(probe.tag)
    out: list[str] = []
    rest: list[bytes] = []
    if root[0].endswith(b"/>"):  # <sst/>
        etree.fromstring(buf, PARSER)
        return out
    for lead, raw in cut(buf, root.end(), read, prefix + b"si", b"</" + root[1], rest):
        if lead and not lead.isspace():
            etree.fromstring(root[0] + lead + close, PARSER)
        m = fast.fullmatch(raw)
        s = None if m is None else xml_text(m[1])
        out.append(rich_text(etree.fromstring(root[0] + raw + close, PARSER)[0], tags)
                   if s is None else s)
    trail, tail = rest
    etree.fromstring(buf[:root.end()] + trail + tail, PARSER)
    return out
