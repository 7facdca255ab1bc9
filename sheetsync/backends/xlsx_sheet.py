"""Worksheet XML: read cells fast; edit a few cells and splice them back between untouched bytes.

Reading streams the part through lxml's iterparse, one `<row>` at a time. Editing never builds a
tree of the sheet: the part is split into the bytes before `<sheetData>`, one byte chunk per
`<row>` and the bytes after; a row that changes is split again into one chunk per `<c>`, and only
the cells written are replaced (a single cell is parsed with lxml when its value must be read,
so values mean the same on both paths). Every other cell and row, and everything outside
sheetData — data validations, extLst, legacyDrawing, conditional formats, column widths — keeps
its exact bytes, which is also what makes a 10,000-row sheet quick and light to patch.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import IO, Any, ClassVar, Protocol

from lxml import etree

from ..errors import WorkbookError
from ..schema import header_key
from ..values import date_to_serial, key_text, text
from .base import Append, CellValue, KeyedUpdate, RawSheet, Replace

Element = Any  # lxml ships no type stubs
Lookup = Callable[[int], str]  # shared string by index

PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True, no_network=True)
_TIDY = etree.XMLParser(resolve_entities=False, huge_tree=True, no_network=True,
                        remove_comments=True, remove_pis=True, strip_cdata=True)
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
MAX_CELL_TEXT = 32767  # Excel refuses to open a cell holding more
_DIGITS = "0123456789"
_P = rb"(?:[A-Za-z_][\w.\-]*:)?"  # an optional namespace prefix
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)(?=[\s/>])[^>]*>")
_SHEETDATA = re.compile(rb"<(" + _P + rb")sheetData(?=[\s/>])[^>]*?(/?)>")
_ROW_START = re.compile(rb"<(" + _P + rb")row(?=[\s/>])")
_ROW_NUM = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_DIMENSION = re.compile(rb"""<""" + _P + rb"""dimension\s[^>]*?\bref\s*=\s*["']([^"']*)""")
_CELL = re.compile(  # groups: prefix, attributes, column letters of `r`, content
    rb"<(" + _P + rb""")c(?=[\s/>])((?:[^>]*?\sr\s*=\s*["']\$?([A-Z]{1,3})\$?\d+["'])?"""
    rb"[^>]*?)(?:/>|>(.*?)</\1c\s*>)", re.S)
_VALUE_ATTRS = re.compile(rb"""\s(?:t|cm|vm)\s*=\s*(?:"[^"]*"|'[^']*')""")
_STYLE = re.compile(rb"""\ss\s*=\s*["'](\d*)["']""")
_ATTR = re.compile(rb"""([^\s=/<>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SPANS = re.compile(rb"""\sspans\s*=\s*["'](\d+):(\d+)["']""")
_EXTLST = re.compile(rb"<" + _P + rb"extLst(?=[\s/>])")
_HAS_VALUE = re.compile(rb"<" + _P + rb"(?:v|is)(?=[\s/>])")
_HAS_FORMULA = re.compile(rb"<" + _P + rb"f(?=[\s/>])")
_COLS = re.compile(rb"<" + _P + rb"cols(?=[\s>]).*?</" + _P + rb"cols\s*>", re.S)
_REPORT_JUNK = re.compile(  # merges and filters of a report sheet no longer fit its new cells
    rb"<(" + _P + rb")(mergeCells|autoFilter)(?=[\s/>])(?:[^>]*?/>|.*?</\1\2\s*>)", re.S)
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")  # Excel would decode a literal "_x0041_"
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ENCODING = re.compile(rb"""(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.\-]+)""")


class StyleBook(Protocol):
    def is_date(self, style: str | None) -> bool: ...

    def date_style(self, base: str | None, with_time: bool) -> str: ...


def local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


_COLUMN_CACHE: dict[str, int] = {}
_BYTES_COLUMNS: dict[bytes, int] = {}


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
        _BYTES_COLUMNS[letters.encode()] = n
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


def _text_or_none(s: str) -> str | None:
    if not s:
        return None
    if "_x" in s:
        s = _ESCAPED.sub(lambda m: chr(int(m[1], 16)), s)
    return s


def _number(v: str) -> CellValue:
    try:
        return float(v) if "." in v or "E" in v or "e" in v else int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return _text_or_none(v)


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
        return _text_or_none(rich_text(inline, tags)), formula
    if v is None:
        return None, formula
    kind = c.get("t")
    if kind is None or kind == "n":
        return _number(v), formula
    if kind == "s":
        try:
            return _text_or_none(shared(int(v))), formula
        except (ValueError, IndexError):
            return None, formula
    if kind == "b":
        return v.strip() in ("1", "true"), formula
    if kind == "d":
        try:
            stamp = dt.datetime.fromisoformat(v.strip())
        except ValueError:
            return _text_or_none(v), formula
        return (stamp if "T" in v else stamp.date()), formula
    return _text_or_none(v), formula  # str (formula text result), e (#N/A …)


def _iterparse(stream: IO[bytes], tag: str | tuple[str, ...]) -> Any:
    return etree.iterparse(stream, events=("end",), tag=tag, resolve_entities=False,
                           huge_tree=True, no_network=True)


def read_shared_strings(stream: IO[bytes]) -> list[str]:
    out: list[str] = []
    for _, si in _iterparse(stream, "{*}si"):
        out.append(rich_text(si, Tags.of(si.tag)))
        si.clear()
        while si.getprevious() is not None:
            del si.getparent()[0]
    return out


def read_sheet(stream: IO[bytes], name: str, shared: Lookup) -> RawSheet:
    sheet = RawSheet(name=name, header=[], rows=[])
    rownum = 0
    for _, el in _iterparse(stream, ("{*}row", "{*}mergeCell")):
        parent = el.getparent()
        if local(el.tag) == "mergeCell":
            with contextlib.suppress(ValueError):
                sheet.merged.append(parse_range(el.get("ref") or ""))
            continue
        if parent is None or local(parent.tag) != "sheetData":
            continue
        r = el.get("r")
        rownum = int(r) if r else rownum + 1
        tags = Tags.of(el.tag)
        v_tag, columns = tags.v, _COLUMN_CACHE
        values: list[CellValue] = []
        col = 0
        for c in el.iterchildren(tags.c):
            ref = c.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                col = columns.get(letters) or col_index(letters)
            else:
                col += 1
            kind, v, plain = c.get("t"), None, True
            for ch in c:  # the common cell is a lone <v>: read it here, the rest in read_cell
                if ch.tag == v_tag:
                    v = ch.text
                else:
                    plain = False
            if not plain:
                value, formula = read_cell(c, tags, shared)
                if formula:
                    sheet.formulas.add((rownum, col))
            elif v is None:
                continue
            elif kind is None or kind == "n":
                value = _number(v)
            elif kind == "s":
                try:
                    value = _text_or_none(shared(int(v)))
                except (ValueError, IndexError):
                    value = None
            else:
                value = read_cell(c, tags, shared)[0]
            if value is not None:
                if col == len(values) + 1:
                    values.append(value)
                else:
                    if col > len(values):
                        values.extend([None] * (col - len(values)))
                    values[col - 1] = value
        el.clear()
        while el.getprevious() is not None:
            del parent[0]
        if rownum == 1:
            sheet.header = values
        elif values:
            sheet.rows.append((rownum, values))
    width = len(sheet.header)
    for _, values in sheet.rows:
        if len(values) < width:
            values.extend([None] * (width - len(values)))
    return sheet


_UNSET = object()


class _Row:
    __slots__ = ("num", "lead", "raw", "cells", "edits")

    def __init__(self, num: int, lead: bytes, raw: bytes) -> None:
        self.num, self.lead, self.raw = num, lead, raw
        self.cells: dict[int, re.Match[bytes]] | None = None  # column → the cell's bytes
        self.edits: dict[int, bytes | None] = {}  # column → new cell bytes (None: remove)


class Worksheet:
    """One worksheet part being edited; `finish()` gives its new bytes as pieces."""

    def __init__(self, sheet: str, data: bytes, shared: Lookup, styles: StyleBook,
                 date1904: bool) -> None:
        self.sheet, self.shared, self.styles, self.date1904 = sheet, shared, styles, date1904
        self.formula_removed = False  # the caller then drops calcChain.xml
        self.changed = False
        self._orphans: dict[str, tuple[str, str]] = {}  # shared-formula si → (text, master ref)
        self._col_styles: list[tuple[int, int, str]] | None = None
        self._col_style_bytes: dict[int, bytes | None] = {}
        self._row_styles: dict[tuple[int, bytes], object] = {}
        self._extent: list[int] = []  # min row, min col, max row, max col written
        self._replaced = self._inserted = False
        declared = _ENCODING.match(data)
        if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (
                declared and declared[1].lower() not in (b"utf-8", b"utf8")):
            data = etree.tostring(etree.fromstring(data, PARSER), xml_declaration=True,
                                  encoding="UTF-8", standalone=True)  # we splice UTF-8 bytes
        root = _ROOT.search(data)
        sd = _SHEETDATA.search(data, root.end()) if root else None
        if root is None or sd is None:
            raise ValueError("it has no sheetData (is it a chart sheet?)")
        self.prefix = p = sd[1]  # how this file spells the main namespace: b"" or b"x:"
        self._open, self._close = root[0], b"</" + root[1] + b">"
        if b"xmlns" in sd[0] and not sd[2]:  # prefixes declared on sheetData must resolve too
            self._open, self._close = self._open + sd[0], b"</" + p + b"sheetData>" + self._close
        probe = etree.fromstring(self._open + self._close, PARSER)
        self._depth = len(probe)
        self.tags = Tags.of(probe.tag)
        self._inherited = [  # declarations lxml repeats on a serialised row; the root has them
            b" xmlns" + (b":" + k.encode() if k else b"") + b'="' +
            uri.replace("&", "&amp;").replace('"', "&quot;").encode() + b'"'
            for k, uri in (probe[0] if len(probe) else probe).nsmap.items()]
        self.rows: list[_Row] = []
        self.trail = b""
        if sd[2]:  # <sheetData/>
            self.head = data[:sd.start()] + b"<" + p + b"sheetData>"
            self.tail = b"</" + p + b"sheetData>" + data[sd.end():]
            end = pos = 0
        else:
            end = data.rfind(b"</" + p + b"sheetData")
            if end < sd.end():
                raise ValueError("sheetData is not closed")
            self.head, self.tail, pos = data[:sd.end()], data[end:], sd.end()
        etree.fromstring(self.head + self.tail, PARSER)  # all but the rows must be sound XML
        num = 0
        while m := _ROW_START.search(data, pos, end):
            gt = data.index(b">", m.end(), end)
            if data[gt - 1] == 47:  # "/": an empty <row .../>
                stop = gt + 1
            else:
                closing = b"</" + m[1] + b"row>"
                stop = data.find(closing, gt, end) + len(closing)
                if stop < len(closing):
                    spaced = re.compile(rb"</" + re.escape(m[1]) + rb"row\s*>")
                    found_end = spaced.search(data, gt, end)
                    if found_end is None:
                        raise ValueError(f"a row is not closed near byte {m.start()}")
                    stop = found_end.end()
            found = _ROW_NUM.search(data, m.start(), gt)
            num = int(found[1]) if found else num + 1
            self.rows.append(_Row(num, data[pos:m.start()], data[m.start():stop]))
            pos = stop
        self.trail = data[pos:end]

    # --- the three kinds of change ------------------------------------------------------------

    def keyed(self, update: KeyedUpdate) -> int:
        """Set cells of rows found by (key text, occurrence); returns how many rows were found."""
        key_col = self._columns(()).get(header_key(update.key_header))
        if key_col is None:
            raise WorkbookError(f'there is no "{update.key_header}" column in row 1',
                                self.sheet, 1, update.key_header)
        headers = dict.fromkeys(update.headers)
        for values in update.rows.values():
            headers.update(dict.fromkeys(values))
        cols = self._columns(headers)
        where = {h: cols[k] for h in headers if (k := header_key(h)) in cols}
        seen: dict[str, int] = {}
        found = 0
        for row in self.rows if update.rows else ():
            if row.num < 2:
                continue
            cell = self._scan(row).get(key_col)
            key = key_text(text(self._cell_value(cell))) if cell else ""
            if not key and not self._values(row):
                continue  # a blank row is not a row of the table
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            wanted = update.rows.get((key, occurrence))
            if wanted is not None:
                found += 1
                for header, value in wanted.items():
                    if header in where:
                        self._set(row, where[header], value)
                self._flush(row)
            row.cells = None
        return found

    def append(self, append: Append) -> None:
        rows = [r for r in append.rows if any(v is not None and v != "" for v in r.values())]
        if not rows:
            return
        headers: dict[str, None] = {}
        for values in rows:
            headers.update(dict.fromkeys(values))
        cols = self._columns(headers)
        last = self._last_used()
        for values in rows:
            last += 1
            row = self._row(last)
            for header, value in values.items():
                if (col := cols.get(header_key(header))) is not None:
                    self._set(row, col, value)
            self._flush(row)

    def replace(self, replace: Replace) -> None:
        """Rewrite the cells whole, keeping the old header row's look (row height, cell styles)."""
        header_styles: dict[int, bytes] = {}
        start = b""
        old = self._find(1)
        if old is not None:
            self._flush(old)
            for col, m in self._scan(old).items():
                if style := _attrs(m[2]).get(b"s"):
                    header_styles[col] = style
            kept = _attrs(old.raw[:old.raw.index(b">")])
            start = b"".join(b" %s=\"%s\"" % (k, kept[k]) for k in
                             (b"s", b"customFormat", b"ht", b"customHeight") if k in kept)
        if any(_HAS_FORMULA.search(r.raw) for r in self.rows):
            self.formula_removed = True
        self.rows, self.trail, self._orphans, self._replaced = [], b"", {}, True
        self.changed = True
        self._extent = [1, 1, 1, 1]
        self.tail = _REPORT_JUNK.sub(b"", self.tail)
        for num, values in enumerate(replace.rows, start=1):
            if not any(v is not None and v != "" for v in values):
                continue
            row = self._row(num)
            if num == 1:
                row.raw = b'<%srow r="1"%s/>' % (self.prefix, start)
            for col, value in enumerate(values, start=1):
                self._set(row, col, value, header_styles.get(col) if num == 1 else None)
            self._flush(row)

    def finish(self) -> list[bytes]:
        """The new part as pieces to write one after another (no 2nd copy of a big sheet)."""
        for row in self.rows:
            self._flush(row)
        if self._orphans:
            self._rewrite_shared_formulas()
        pieces = [self._dimension(self.head)]
        for row in self.rows:
            if self._inserted and _ROW_NUM.search(row.raw, 0, row.raw.index(b">")) is None:
                # a row without `r` is numbered by position, which an inserted row shifts
                at = _ROW_START.match(row.raw).end()  # type: ignore[union-attr]
                row.raw = row.raw[:at] + b' r="%d"' % row.num + row.raw[at:]
            pieces += (row.lead, row.raw)
        pieces += (self.trail, self.tail)
        return pieces

    # --- rows ------------------------------------------------------------------------------

    def _find(self, num: int) -> _Row | None:
        at = bisect.bisect_left(self.rows, num, key=lambda r: r.num)
        return self.rows[at] if at < len(self.rows) and self.rows[at].num == num else None

    def _row(self, num: int) -> _Row:
        """Row `num`, made (empty, in order) when the sheet has none."""
        at = bisect.bisect_left(self.rows, num, key=lambda r: r.num)
        if at < len(self.rows) and self.rows[at].num == num:
            return self.rows[at]
        row = _Row(num, b"", b'<%srow r="%d"/>' % (self.prefix, num))
        self._inserted = self._inserted or at < len(self.rows)
        self.rows.insert(at, row)
        return row

    def _scan(self, row: _Row, tidied: bool = False) -> dict[int, re.Match[bytes]]:
        if row.cells is None:
            raw = row.raw
            if not tidied and (b"<!" in raw or b"<?" in raw):  # comment, CDATA: lxml tidies
                self._normalise(row)
                return self._scan(row, tidied=True)
            cells = {}
            for m in _CELL.finditer(raw, raw.index(b">") + 1):
                letters = m[3]
                if letters is None:  # positions are implicit: write them before touching any
                    if tidied:
                        raise ValueError(f"row {row.num} has a cell reference that cannot be read")
                    self._normalise(row)
                    return self._scan(row, tidied=True)
                cells[_BYTES_COLUMNS.get(letters) or col_index(letters.decode())] = m
            row.cells = cells
        return row.cells

    def _normalise(self, row: _Row) -> None:
        el = self._parse_row(row.raw)
        col = 0
        for c in el:
            if c.tag == self.tags.c:
                ref = c.get("r")
                col = col_index(ref.rstrip(_DIGITS)) if ref else col + 1
                c.set("r", f"{col_letter(col)}{row.num}")
        row.raw, row.cells = self._serialize(el), None

    def _parse_row(self, raw: bytes) -> Element:
        wrapper = etree.fromstring(self._open + raw + self._close, _TIDY)
        return wrapper[0][0] if self._depth else wrapper[0]

    def _serialize(self, el: Element) -> bytes:
        data = etree.tostring(el, with_tail=False)
        end = data.index(b">")  # lxml escapes ">" in attribute values
        start = data[:end]
        for decl in self._inherited:
            start = start.replace(decl, b"", 1)
        return bytes(start + data[end:])

    def _flush(self, row: _Row) -> None:
        """Splice the row's pending cell edits into its bytes, cells kept in column order."""
        edits = row.edits
        if not edits:
            return
        raw = row.raw
        cells = self._scan(row)
        gt = raw.index(b">")
        if raw[gt - 1] == 47:  # <row .../> gets a body
            start, rest = raw[:gt - 1].rstrip() + b">", b"</" + self.prefix + b"row>"
        else:
            start, rest = raw[:gt + 1], b""
        used = [*cells, *edits]  # for the dimension and spans; a removed cell may count
        lo, hi = min(used), max(used)
        out = [_spans(start, lo, hi)]
        fresh = sorted(c for c in edits if c not in cells)
        pos = gt + 1
        for col, m in cells.items():  # copy runs of untouched cells in one slice
            while fresh and fresh[0] < col:
                out += (raw[pos:m.start()], edits[fresh.pop(0)] or b"")
                pos = m.start()
            if col in edits:
                out += (raw[pos:m.start()], edits[col] or b"")
                pos = m.end()
        rest = rest or raw[pos:]
        cut = found.start() if (found := _EXTLST.search(rest)) else rest.rfind(b"</")
        out += (rest[:cut], *(edits[c] or b"" for c in fresh), rest[cut:])
        row.raw, row.cells, row.edits = b"".join(out), None, {}
        self.changed = True
        ext = self._extent or [row.num, lo, row.num, hi]
        self._extent = [min(ext[0], row.num), min(ext[1], lo), max(ext[2], row.num),
                        max(ext[3], hi)]

    def _cell_value(self, m: re.Match[bytes] | None) -> CellValue:
        if m is None or m[4] is None:
            return None
        wrapper = etree.fromstring(self._open + m[0] + self._close, PARSER)
        return read_cell(wrapper[0][0] if self._depth else wrapper[0], self.tags, self.shared)[0]

    def _values(self, row: _Row) -> dict[int, CellValue]:
        self._flush(row)
        if not _HAS_VALUE.search(row.raw):
            return {}
        found = ((col, self._cell_value(m)) for col, m in self._scan(row).items())
        return {col: value for col, value in found if value is not None}

    def _columns(self, headers: Iterable[str]) -> dict[str, int]:
        """header_key → column (1-based) of row 1; headers it lacks are added at the right."""
        row = self._find(1)
        found: dict[str, int] = {}
        last = 0
        for col, value in sorted(self._values(row).items() if row else ()):
            if key := header_key(text(value)):
                found.setdefault(key, col)
                last = col
        last_style = _attrs(row.cells[last][2]).get(b"s") if row and row.cells and last else None
        for header in headers:
            key = header_key(header)
            if key and key not in found:
                row = row or self._row(1)
                last += 1
                fresh = last not in self._scan(row)
                self._set(row, last, header, last_style if fresh else None)
                found[key] = last
        if row:
            self._flush(row)
        return found

    def _last_used(self) -> int:
        for row in reversed(self.rows):
            if row.num <= 1:
                break
            if self._values(row):
                return row.num
        return 1

    # --- cells -----------------------------------------------------------------------------

    def _set(self, row: _Row, col: int, value: CellValue, style: bytes | None = None) -> None:
        """Queue a new value for one cell; `style` overrides the style a new cell would get."""
        if col in row.edits:  # the same cell twice (two headers naming one column)
            self._flush(row)
        m = self._scan(row).get(col)
        if isinstance(value, str):
            value = _clean(value)
        keep = b""  # a cell's own <extLst> stays
        if m is None:
            if value is None or value == "":
                return
            attrs = b' r="%s%d"' % (col_letter(col).encode(), row.num)
            style = style or self._default_style(row, col)
        else:
            attrs, inner = m[2], m[4] or b""
            if b"t=" in attrs or b"m=" in attrs:  # type, and metadata of the value replaced
                attrs = _VALUE_ATTRS.sub(b"", attrs)
            if inner:
                if _HAS_FORMULA.search(inner):
                    self._note_formula(m[0])
                if found := _EXTLST.search(inner):
                    keep = inner[found.start():]
            if value is None or value == "":
                if inner != keep:  # it holds a value: drop it, keep the cell if it has a look
                    row.edits[col] = None if not keep and not _STYLE.search(attrs) \
                        else self._cell(attrs, b"", keep)
                return
        if style:
            attrs = _with_style(attrs, style)
        p = self.prefix
        if isinstance(value, str):
            attrs += b' t="inlineStr"'
            content = b'<%sis><%st xml:space="preserve">%s</%st></%sis>' % (
                p, p, _escape(value), p, p)
        elif isinstance(value, bool):
            attrs += b' t="b"'
            content = b"<%sv>%s</%sv>" % (p, b"1" if value else b"0", p)
        elif isinstance(value, dt.date):
            attrs, serial = self._date(attrs, value, col)
            content = b"<%sv>%s</%sv>" % (p, serial, p)
        elif (number := _number_text(value)) is not None:
            content = b"<%sv>%s</%sv>" % (p, number.encode(), p)
        else:  # NaN, infinity, or an unexpected type: show it as text
            return self._set(row, col, _clean(str(value)), style)
        row.edits[col] = self._cell(attrs, content, keep)
        return None

    def _cell(self, attrs: bytes, content: bytes, keep: bytes) -> bytes:
        p = self.prefix
        if not content and not keep:
            return b"<%sc%s/>" % (p, attrs)
        return b"<%sc%s>%s%s</%sc>" % (p, attrs, content, keep, p)

    def _note_formula(self, cell: bytes) -> None:
        """A formula is overwritten; if it was a shared formula's master, remember its text."""
        self.formula_removed = True
        wrapper = etree.fromstring(self._open + cell + self._close, PARSER)
        c = wrapper[0][0] if self._depth else wrapper[0]
        for f in c.iter(self.tags.f):
            si = f.get("si")
            if f.get("t") == "shared" and si is not None and f.get("ref") and f.text:
                self._orphans[si] = (f.text, c.get("r"))

    def _date(self, attrs: bytes, value: dt.date, col: int) -> tuple[bytes, bytes]:
        """(attributes with a date style unless the cell already shows dates, serial number)."""
        stamp = value if isinstance(value, dt.datetime) else None
        serial: float = date_to_serial(value if stamp is None else stamp.date(), self.date1904)
        with_time = stamp is not None and stamp.time() != dt.time()
        if stamp is not None and with_time:
            seconds = stamp.hour * 3600 + stamp.minute * 60 + stamp.second
            serial += (seconds + stamp.microsecond / 1e6) / 86400
        current = m[1].decode() if (m := _STYLE.search(attrs)) else None
        if not self.styles.is_date(current):
            style = self._col_style(col)
            if style is None or with_time or not self.styles.is_date(style):
                style = self.styles.date_style(current, with_time)
            attrs = _with_style(attrs, style.encode())
        return attrs, (repr(serial) if with_time else str(int(serial))).encode()

    def _default_style(self, row: _Row, col: int) -> bytes | None:
        """The style a new cell takes: its row's, when the row has one, else its column's.
        Memoised: a first sync creates a dozen cells in each of thousands of rows."""
        key = (row.num, row.raw[:row.raw.index(b">")])
        row_style = self._row_styles.get(key, _UNSET)
        if row_style is _UNSET:
            start = _attrs(key[1])
            row_style = start[b"s"] if start.get(b"customFormat") in (b"1", b"true") \
                and start.get(b"s") else None
            self._row_styles[key] = row_style
        if row_style is not None:
            return row_style  # type: ignore[return-value]
        if col not in self._col_style_bytes:
            style = self._col_style(col)
            self._col_style_bytes[col] = style.encode() if style else None
        return self._col_style_bytes[col]

    def _col_style(self, col: int) -> str | None:
        if self._col_styles is None:
            self._col_styles = []
            if block := _COLS.search(self.head):
                wrapper = etree.fromstring(self._open + block[0] + self._close, PARSER)
                for el in (wrapper[0][0] if self._depth else wrapper[0]):
                    style = el.get("style")
                    if local(el.tag) == "col" and style and style != "0":
                        self._col_styles.append((int(el.get("min")), int(el.get("max")), style))
        return next((s for lo, hi, s in self._col_styles if lo <= col <= hi), None)

    def _rewrite_shared_formulas(self) -> None:
        """A shared formula's master cell was overwritten: give each dependent its own formula
        (Excel calls a file whose dependents point at a missing master corrupt)."""
        from openpyxl.formula.translate import Translator, TranslatorError

        for row in self.rows:
            if b"si=" not in row.raw:
                continue
            el = self._parse_row(row.raw)
            changed = False
            for f in el.iter(self.tags.f):
                si = f.get("si")
                if f.get("t") != "shared" or si not in self._orphans or (f.text or "").strip():
                    continue
                formula, origin = self._orphans[si]
                c = f.getparent()
                try:
                    f.text = Translator("=" + formula, origin).translate_formula(c.get("r"))[1:]
                except (TranslatorError, ValueError, TypeError):
                    c.remove(f)
                else:
                    for attr in ("t", "si", "ref"):
                        f.attrib.pop(attr, None)
                changed = True
            if changed:
                row.raw, row.cells = self._serialize(el), None
        self._orphans = {}

    def _dimension(self, head: bytes) -> bytes:
        m = _DIMENSION.search(head)
        if m is None or not self._extent:
            return head
        r1, c1, r2, c2 = self._extent
        if not self._replaced:
            try:
                o1, oc1, o2, oc2 = parse_range(m[1].decode())
            except ValueError:
                o1, oc1, o2, oc2 = r1, c1, r2, c2
            if o1 <= r1 and oc1 <= c1 and o2 >= r2 and oc2 >= c2:
                return head
            r1, c1, r2, c2 = min(o1, r1), min(oc1, c1), max(o2, r2), max(oc2, c2)
        ref = f"{col_letter(c1)}{r1}" + (f":{col_letter(c2)}{r2}" if (r1, c1) != (r2, c2) else "")
        return head[:m.start(1)] + ref.encode() + head[m.end(1):]


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    """Attributes of a start tag (or its attribute text) as written, in order."""
    return {m[1]: m[2] if m[2] is not None else m[3] for m in _ATTR.finditer(tag)}


def _with_style(attrs: bytes, style: bytes) -> bytes:
    m = _STYLE.search(attrs)
    return attrs + b' s="%s"' % style if m is None else \
        attrs[:m.start(1)] + style + attrs[m.end(1):]


def _spans(start: bytes, lo: int, hi: int) -> bytes:
    """A row start tag whose `spans` hint still covers its cells."""
    m = _SPANS.search(start)
    if m is None or (int(m[1]) <= lo and int(m[2]) >= hi):
        return start
    return start[:m.start(1)] + b"%d:%d" % (min(int(m[1]), lo), max(int(m[2]), hi)) \
        + start[m.end(2):]


def _clean(s: str) -> str:
    """Text XML 1.0 can carry and Excel will show as typed."""
    if not s.isprintable():
        s = _BAD_CHARS.sub("", s)
    if "_x" in s:
        s = _NEEDS_ESCAPE.sub(r"_x005F_\1", s)
    return s[:MAX_CELL_TEXT]


def _escape(s: str) -> bytes:
    # A bare CR would be read back as LF, so it is written as a character reference.
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace("\r", "&#13;").encode()


def _number_text(value: object) -> str | None:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    return None
