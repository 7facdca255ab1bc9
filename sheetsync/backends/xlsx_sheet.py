"""Worksheet XML editing: a few cells are written and spliced back between untouched bytes.

Changes to a sheet are queued, then `Worksheet.write()` streams the part (`xlsx_read.SheetPart`)
through them one row at a time — each change is a stage that sees the rows in order — and writes
the rows out as they come, so neither the old nor the new sheet is ever whole in memory. A row
that changes is split into one chunk per `<c>`, and only the cells written are replaced (values
are read as the reader reads them, so they mean the same on both paths). Every other cell and
row, and everything outside sheetData — data validations, extLst, legacyDrawing, conditional
formats, column widths — keeps its exact bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import IO, Protocol

from lxml import etree

from ..errors import WorkbookError
from ..schema import header_key
from ..values import date_to_serial, key_text, text
from .base import Append, CellValue, KeyedUpdate, Replace
from .xlsx_read import (
    BYTES_COLUMNS,
    ROW_NUM,
    Element,
    Lookup,
    RowReader,
    SheetPart,
    col_index,
    col_letter,
    local,
    parse_range,
)

_TIDY = etree.XMLParser(resolve_entities=False, huge_tree=True, no_network=True,
                        remove_comments=True, remove_pis=True, strip_cdata=True)
MAX_CELL_TEXT = 32767  # Excel refuses to open a cell holding more
_DIGITS = "0123456789"
_LOOK_BACK = 256  # rows an append holds while it looks for the last one in use
_P = rb"(?:[A-Za-z_][\w.\-]*:)?"  # an optional namespace prefix
_ROW_START = re.compile(rb"<(" + _P + rb")row(?=[\s/>])")
_DIMENSION = re.compile(rb"""<""" + _P + rb"""dimension\s[^>]*?\bref\s*=\s*["']([^"']*)""")
_CELL = re.compile(  # groups: prefix, attributes, column letters of `r`, content
    rb"<(" + _P + rb""")c(?=[\s/>])((?:[^>]*?\sr\s*=\s*["']\$?([A-Z]{1,3})\$?\d+["'])?"""
    rb"[^>]*?)(?:/>|>(.*?)</\1c\s*>)", re.S)
_CELL_START = rb"""c(?=[\s/>])(?:[^>]*?\sr\s*=\s*["']\$?([A-Z]{1,3})\$?\d+["'])?"""  # group: column
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
_LETTERS: dict[int, bytes] = {}
_NO_STYLE = b"(not looked up)"  # compared by identity

Rows = Iterator["_Row"]


class StyleBook(Protocol):
    def is_date(self, style: str | None) -> bool: ...

    def date_style(self, base: str | None, with_time: bool) -> str: ...


class _Row:
    __slots__ = ("num", "lead", "raw", "cells", "edits", "fresh", "style", "checked", "odd",
                 "bounds")

    def __init__(self, num: int, lead: bytes, raw: bytes, fresh: bool = False) -> None:
        self.num, self.lead, self.raw, self.fresh = num, lead, raw, fresh  # fresh: we made it
        self.cells: dict[int, int] | None = {} if fresh else None  # column → where its cell
        # starts in `raw` (None: not looked at yet)
        self.edits: dict[int, bytes | None] = {}  # column → new cell bytes (None: remove)
        self.style: bytes | None = None if fresh and b"customFormat" not in raw else _NO_STYLE
        # (the style new cells take from the row, once looked up)
        self.checked: bytes | None = None  # the `raw` that `odd` and `bounds` are about
        self.odd = False  # it has comments, CDATA or an extLst: find cells by scanning
        self.bounds: tuple[int, int] | tuple[()] | None = None  # columns of the first and last
        # cells (() when unknown; None: not looked at yet)

    def plain(self) -> bool:
        """No comments, CDATA or extLst: a cell can be found by its reference."""
        raw = self.raw
        if self.checked is not raw:  # (`in` with a rare byte first: "<!" alone is slow)
            self.checked, self.bounds, self.odd = raw, None, (b"!" in raw and b"<!" in raw) or (
                b"?" in raw and b"<?" in raw) or b"extLst" in raw
        return not self.odd


class Worksheet:
    """One worksheet part being edited: queue changes, then `write()` the new part."""

    def __init__(self, sheet: str, source: IO[bytes] | bytes, shared: Lookup, styles: StyleBook,
                 date1904: bool) -> None:
        self.sheet, self.styles, self.date1904 = sheet, styles, date1904
        self.part = part = SheetPart(source)
        self.reader = RowReader(part, shared)
        self.prefix = p = part.prefix  # how this file spells the main namespace: b"" or b"x:"
        self.tags = part.tags
        self.head, self.tail = part.head, b""  # final once write() is done
        self.formula_removed = False  # the caller then drops calcChain.xml
        self.changed = False
        self._inherited = [  # declarations lxml repeats on a serialised row; the root has them
            b" xmlns" + (b":" + k.encode() if k else b"") + b'="' +
            uri.replace("&", "&amp;").replace('"', "&quot;").encode() + b'"'
            for k, uri in (part.probe[0] if len(part.probe) else part.probe).nsmap.items()]
        self._stages: list[Callable[[Rows], Rows]] = []
        self._orphans: dict[str, tuple[str, str]] = {}  # shared-formula si → (text, master ref)
        self._col_styles: list[tuple[int, int, str]] | None = None
        self._col_style_bytes: dict[int, bytes | None] = {}
        self._serials: dict[dt.date, bytes] = {}  # date → serial number as written
        self._extent: list[int] = []  # min row, min col, max row, max col written
        self._replaced = False
        self._c, self._c_end = b"<" + p + b"c", b"</" + p + b"c>"
        self._v, self._v_end = b"<" + p + b"v>", b"</" + p + b"v>"
        self._is = b'<%sis><%st xml:space="preserve">' % (p, p)
        self._is_end = b"</%st></%sis>" % (p, p)
        self._cell_start = re.compile(rb"<" + re.escape(p) + _CELL_START)

    # --- the three kinds of change ------------------------------------------------------------

    def keyed(self, update: KeyedUpdate) -> None:
        """Set cells of rows found by (key text, occurrence)."""
        self._stages.append(lambda rows: self._keyed(rows, update))

    def append(self, append: Append) -> None:
        """Add rows after the last row holding a value (reusing styled empty rows)."""
        self._stages.append(lambda rows: self._append(rows, append))

    def replace(self, replace: Replace) -> None:
        """Rewrite the cells whole, keeping the old header row's look (row height, cell styles)."""
        self._stages.append(lambda rows: self._replace(rows, replace))

    def write(self, out: IO[bytes]) -> None:
        """Stream the rows through the queued changes into `out`; `head` and `tail` are then the
        bytes to put before and after them."""
        rows: Rows = (_Row(num, lead, raw) for num, lead, raw in self.part.rows())
        for stage in self._stages:
            rows = stage(rows)
        inserted = False
        for row in rows:
            if row.edits:
                self._flush(row)
            if self._orphans and b"si=" in row.raw:
                self._rewrite_shared_formulas(row)
            if inserted and ROW_NUM.search(row.raw, 0, row.raw.index(b">")) is None:
                # a row without `r` is numbered by position, which an inserted row shifts
                at = _ROW_START.match(row.raw).end()  # type: ignore[union-attr]
                row.raw = row.raw[:at] + b' r="%d"' % row.num + row.raw[at:]
            inserted = inserted or row.fresh
            if row.lead:
                out.write(row.lead)
            out.write(row.raw)
        part = self.part
        part.check()
        out.write(b"" if self._replaced else part.trail)
        self.tail = _REPORT_JUNK.sub(b"", part.tail) if self._replaced else part.tail
        self.head = self._dimension(self.head)

    def _keyed(self, rows: Rows, update: KeyedUpdate) -> Rows:
        header, rows = self._header(rows)
        key_col = self._columns(header, ())[0].get(header_key(update.key_header))
        if key_col is None:
            raise WorkbookError(f'there is no "{update.key_header}" column in row 1',
                                self.sheet, 1, update.key_header)
        headers = dict.fromkeys(update.headers)
        for values in update.rows.values():
            headers.update(dict.fromkeys(values))
        cols, header = self._columns(header, headers)
        where = {h: cols[k] for h in headers if (k := header_key(h)) in cols}
        if header is not None:
            yield header
        wanted_rows, seen = update.rows, dict[str, int]()
        cell = self.reader.cell
        for row in rows if wanted_rows else ():
            if row.num >= 2:
                key = key_text(text(cell(row.num, row.raw, key_col)))
                if key or self._values(row):  # a blank row is not a row of the table
                    occurrence = seen.get(key, 0)
                    seen[key] = occurrence + 1
                    wanted = wanted_rows.get((key, occurrence))
                    if wanted is not None:
                        for name, value in wanted.items():
                            if name in where:
                                self._set(row, where[name], value)
                        self._flush(row)
                        row.cells = None
            yield row
        yield from rows

    def _append(self, rows: Rows, append: Append) -> Rows:
        added = [r for r in append.rows if any(v is not None and v != "" for v in r.values())]
        if not added:
            yield from rows
            return
        headers: dict[str, None] = {}
        for values in added:
            headers.update(dict.fromkeys(values))
        header, rows = self._header(rows)
        cols, header = self._columns(header, headers)
        if header is not None:
            yield header
        last = 1
        held: list[_Row] = []  # the rows after the last one known to hold a value
        blank = 0  # how many of them are known to hold none
        for row in itertools.chain(rows, (None,)):
            if row is not None:
                held.append(row)
                if len(held) - blank < _LOOK_BACK:
                    continue
            for i in range(len(held) - 1, blank - 1, -1):
                if held[i].num > 1 and self._values(held[i]):
                    last = held[i].num
                    yield from held[:i + 1]
                    del held[:i + 1]
                    break
            blank = len(held)
        pending = deque(held)
        where = {name: cols.get(header_key(name)) for name in headers}
        for values in added:
            last += 1
            while pending and pending[0].num < last:
                yield pending.popleft()
            row = pending.popleft() if pending and pending[0].num == last else \
                _Row(last, b"", b'<%srow r="%d"/>' % (self.prefix, last), fresh=True)
            for name, value in values.items():
                if (col := where[name]) is not None:
                    self._set(row, col, value)
            self._flush(row)
            yield row
        yield from pending

    def _replace(self, rows: Rows, replace: Replace) -> Rows:
        header_styles: dict[int, bytes] = {}
        start = b""
        header_seen = formulas = False
        for row in rows:
            self._flush(row)
            if row.num == 1 and not header_seen:
                header_seen = True
                for col in self._scan(row):
                    cell = self._cell_at(row, col)
                    if cell and (style := _attrs(cell[2]).get(b"s")):
                        header_styles[col] = style
                kept = _attrs(row.raw[:row.raw.index(b">")])
                start = b"".join(b" %s=\"%s\"" % (k, kept[k]) for k in
                                 (b"s", b"customFormat", b"ht", b"customHeight") if k in kept)
            formulas = formulas or _HAS_FORMULA.search(row.raw) is not None
        self.formula_removed = self.formula_removed or formulas
        self._orphans, self._replaced, self.changed = {}, True, True
        self._extent = [1, 1, 1, 1]
        for num, values in enumerate(replace.rows, start=1):
            if not any(v is not None and v != "" for v in values):
                continue
            row = _Row(num, b"", b'<%srow r="%d"%s/>' % (self.prefix, num,
                                                         start if num == 1 else b""), fresh=True)
            for col, value in enumerate(values, start=1):
                self._set(row, col, value, header_styles.get(col) if num == 1 else None)
            self._flush(row)
            yield row

    # --- rows ------------------------------------------------------------------------------

    def _header(self, rows: Rows) -> tuple[_Row | None, Rows]:
        """Row 1 when the sheet starts with it, and the rows after it."""
        first = next(rows, None)
        if first is None or first.num != 1:
            return None, rows if first is None else itertools.chain((first,), rows)
        self._flush(first)
        return first, rows

    def _columns(self, row: _Row | None, headers: Iterable[str]
                 ) -> tuple[dict[str, int], _Row | None]:
        """header_key → column (1-based) of row 1 (which is returned, made when missing); headers
        it lacks are added at the right."""
        found: dict[str, int] = {}
        last = 0
        for col, value in sorted(self._values(row).items() if row else ()):
            if key := header_key(text(value)):
                found.setdefault(key, col)
                last = col
        cell = self._cell_at(row, last) if row and last else None
        last_style = _attrs(cell[2]).get(b"s") if cell else None
        for header in headers:
            key = header_key(header)
            if key and key not in found:
                row = row or _Row(1, b"", b"<%srow r=\"1\"/>" % self.prefix, fresh=True)
                last += 1
                fresh = last not in self._scan(row)
                self._set(row, last, header, last_style if fresh else None)
                found[key] = last
        if row:
            self._flush(row)
        return found, row

    def _values(self, row: _Row) -> dict[int, CellValue]:
        self._flush(row)
        return self.reader.values(row.raw) if _HAS_VALUE.search(row.raw) else {}

    def _scan(self, row: _Row, tidied: bool = False) -> dict[int, int]:
        """Column → where its cell starts, for the cells of a row (in the order written)."""
        if row.cells is None:
            raw = row.raw
            if not tidied and (b"<!" in raw or b"<?" in raw):  # comment, CDATA: lxml tidies
                self._normalise(row)
                return self._scan(row, tidied=True)
            # Finding where cells start is quicker than matching them whole, but then cell
            # content is searched too: with an extLst in the row, cells are matched whole.
            pattern, group = (_CELL, 3) if b"extLst" in raw else (self._cell_start, 1)
            cells = {}
            for m in pattern.finditer(raw, raw.index(b">") + 1):
                letters = m[group]
                if letters is None:  # positions are implicit: write them before touching any
                    if tidied:
                        raise ValueError(f"row {row.num} has a cell reference that cannot be read")
                    self._normalise(row)
                    return self._scan(row, tidied=True)
                cells[BYTES_COLUMNS.get(letters) or col_index(letters.decode())] = m.start()
            row.cells = cells
        return row.cells

    def _cell_at(self, row: _Row, col: int) -> re.Match[bytes] | None:
        """The cell in column `col` of the row, matched whole (None when there is none). It is
        looked for by its reference first: scanning all cells of a wide row costs more."""
        raw = row.raw
        if row.cells is None and row.plain():
            if (bounds := self._bounds(row)) and col > bounds[1]:
                return None  # right of the last cell: there is none
            at = raw.find(b'%s r="%s%d"' % (self._c, _LETTERS.get(col) or _letters(col), row.num))
            if at >= 0 and (m := _CELL.match(raw, at)) is not None:
                return m
        start = self._scan(row).get(col)
        if start is None:
            return None
        m = _CELL.match(row.raw, start)
        if m is None:
            raise ValueError(f"row {row.num} has a cell that cannot be read")
        return m

    def _normalise(self, row: _Row) -> None:
        el = self.part.parse(row.raw, _TIDY)
        col = 0
        for c in el:
            if c.tag == self.tags.c:
                ref = c.get("r")
                col = col_index(ref.rstrip(_DIGITS)) if ref else col + 1
                c.set("r", f"{col_letter(col)}{row.num}")
        row.raw, row.cells = self._serialize(el), None

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
        cells = row.cells
        # Cells found by reference are replaced and new ones go right of the last one when no
        # cell is removed: no cell moves, so one placed by position only (no `r`) stays put.
        bounds = self._bounds(row) if cells is None and None not in edits.values() \
            and row.plain() else ()
        if not bounds and cells is None:
            cells = self._scan(row)  # (which writes out the positions of cells without `r`)
        raw = row.raw
        gt = raw.index(b">")
        if raw[gt - 1] == 47:  # <row .../> gets a body
            start, rest = raw[:gt - 1].rstrip() + b">", b"</" + self.prefix + b"row>"
        else:
            start, rest = raw[:gt + 1], b""
        pos = gt + 1
        fresh: list[int] = []
        if bounds:
            lo, hi = min(bounds[0], *edits), max(bounds[1], *edits)
            out = [_spans(start, lo, hi)]
            spans = [(m.start(), m.end(), col) for col in edits
                     if col <= bounds[1] and (m := self._cell_at(row, col)) is not None]
            fresh = sorted(edits.keys() - {col for _, _, col in spans})
            for at, end, col in sorted(spans):
                out += (raw[pos:at], edits[col] or b"")
                pos = end
        elif not cells and rest:  # a row we made: just the new cells
            lo, hi = min(edits), max(edits)
            new = b"".join([cell for col in sorted(edits) if (cell := edits[col])])
            row.raw, row.cells, row.edits = b"%s%s%s" % (_spans(start, lo, hi), new, rest), None, {}
            self._extend(row.num, lo, hi)
            return
        else:
            cells = self._scan(row)
            used = [*cells, *edits]  # a removed cell counts too
            lo, hi = min(used), max(used)
            out = [_spans(start, lo, hi)]
            fresh = sorted([c for c in edits if c not in cells])
            for col, at in cells.items():  # copy runs of untouched cells in one slice
                while fresh and fresh[0] < col:
                    out += (raw[pos:at], edits[fresh.pop(0)] or b"")
                    pos = at
                if col in edits:
                    out += (raw[pos:at], edits[col] or b"")
                    pos = self._cell_at(row, col).end()  # type: ignore[union-attr]
        rest = rest or raw[pos:]
        cut = ext.start() if b"extLst" in rest and (ext := _EXTLST.search(rest)) \
            else rest.rfind(b"</")
        out += (rest[:cut], *[edits[c] or b"" for c in fresh], rest[cut:])
        row.raw, row.cells, row.edits = b"".join(out), None, {}
        self._extend(row.num, lo, hi)

    def _extend(self, num: int, lo: int, hi: int) -> None:
        """Cells from column `lo` to `hi` of row `num` were written."""
        self.changed = True
        ext = self._extent or [num, lo, num, hi]
        self._extent = [min(ext[0], num), min(ext[1], lo), max(ext[2], num), max(ext[3], hi)]

    def _bounds(self, row: _Row) -> tuple[int, int] | tuple[()]:
        """Columns of the first and the last cell of a plain row (cells are in column order);
        () when there are none or they cannot be told this way."""
        if row.bounds is None:
            raw, row.bounds = row.raw, ()
            first, last = raw.find(self._c, raw.index(b">")), raw.rfind(self._c + b" ")
            if first >= 0 and last >= 0 and raw.find(self._c, last + 2) < 0:
                m1, m2 = self._cell_start.match(raw, first), self._cell_start.match(raw, last)
                if m1 and m2 and m1[1] and m2[1]:
                    row.bounds = (BYTES_COLUMNS.get(m1[1]) or col_index(m1[1].decode()),
                                  BYTES_COLUMNS.get(m2[1]) or col_index(m2[1].decode()))
        return row.bounds

    # --- cells -----------------------------------------------------------------------------

    def _set(self, row: _Row, col: int, value: CellValue, style: bytes | None = None) -> None:
        """Queue a new value for one cell; `style` overrides the style a new cell would get.
        (Hot: a first sync sets a dozen cells in each of thousands of rows.)"""
        if col in row.edits:  # the same cell twice (two headers naming one column)
            self._flush(row)
        m = self._cell_at(row, col) if row.cells is None or col in row.cells else None
        if isinstance(value, str) and (
                not value.isprintable() or "_x" in value or len(value) > MAX_CELL_TEXT):
            value = _clean(value)
        keep = b""  # a cell's own <extLst> stays
        if m is None:
            if value is None or value == "":
                return
            if not style:
                style = row.style
                if style is _NO_STYLE:
                    style = self._row_style(row)
                if style is None:
                    style = self._col_style_bytes.get(col, _NO_STYLE)
                    if style is _NO_STYLE:
                        style = self._default_col_style(col)
            letters = _LETTERS.get(col) or _letters(col)
            attrs = b' r="%s%d" s="%s"' % (letters, row.num, style) if style else \
                b' r="%s%d"' % (letters, row.num)
        else:
            attrs, inner = m[2], m[4] or b""
            if b"t=" in attrs or b"m=" in attrs:  # type, and metadata of the value replaced
                attrs = _VALUE_ATTRS.sub(b"", attrs)
            if inner:
                if b"f" in inner and _HAS_FORMULA.search(inner):
                    self._note_formula(m[0])
                if b"extLst" in inner and (found := _EXTLST.search(inner)):
                    keep = inner[found.start():]
            if value is None or value == "":
                if inner != keep:  # it holds a value: drop it, keep the cell if it has a look
                    row.edits[col] = None if not keep and not _STYLE.search(attrs) \
                        else self._cell(attrs, b"", keep)
                return
            if style:
                attrs = _with_style(attrs, style)
        if isinstance(value, str):
            if "&" in value or "<" in value or ">" in value or "\r" in value:
                text_bytes = _escape(value)
            else:
                text_bytes = value.encode()
            cell = b'%s%s t="inlineStr">%s%s%s%s%s' % (
                self._c, attrs, self._is, text_bytes, self._is_end, keep, self._c_end)
        elif isinstance(value, bool):
            cell = b'%s%s t="b">%s%s%s%s%s' % (self._c, attrs, self._v, b"1" if value else b"0",
                                               self._v_end, keep, self._c_end)
        elif isinstance(value, dt.date):
            current = style if m is None else found[1] if (found := _STYLE.search(attrs)) else None
            attrs, serial = self._date(attrs, current, value, col)
            cell = b"%s%s>%s%s%s%s%s" % (self._c, attrs, self._v, serial, self._v_end, keep,
                                         self._c_end)
        elif (number := _number_text(value)) is not None:
            cell = b"%s%s>%s%s%s%s%s" % (self._c, attrs, self._v, number, self._v_end, keep,
                                         self._c_end)
        else:  # NaN, infinity, or an unexpected type: show it as text
            return self._set(row, col, _clean(str(value)), style)
        row.edits[col] = cell
        return None

    def _cell(self, attrs: bytes, content: bytes, keep: bytes) -> bytes:
        if not content and not keep:
            return b"%s%s/>" % (self._c, attrs)
        return b"%s%s>%s%s%s" % (self._c, attrs, content, keep, self._c_end)

    def _note_formula(self, cell: bytes) -> None:
        """A formula is overwritten; if it was a shared formula's master, remember its text."""
        self.formula_removed = True
        c = self.part.parse(cell)
        for f in c.iter(self.tags.f):
            si = f.get("si")
            if f.get("t") == "shared" and si is not None and f.get("ref") and f.text:
                self._orphans[si] = (f.text, c.get("r"))

    def _date(self, attrs: bytes, current: bytes | None, value: dt.date, col: int
              ) -> tuple[bytes, bytes]:
        """(attributes with a date style unless the cell already shows dates, serial number);
        `current` is the cell's style."""
        stamp = value if isinstance(value, dt.datetime) else None
        with_time = stamp is not None and stamp.time() != dt.time()
        serial = self._serials.get(value)
        if serial is None:
            number: float = date_to_serial(value if stamp is None else stamp.date(),
                                           self.date1904)
            if stamp is not None and with_time:
                seconds = stamp.hour * 3600 + stamp.minute * 60 + stamp.second
                number += (seconds + stamp.microsecond / 1e6) / 86400
            serial = (repr(number) if with_time else str(int(number))).encode()
            if len(self._serials) < 4096:
                self._serials[value] = serial
        base = None if current is None else current.decode()
        if not self.styles.is_date(base):
            style = self._col_style(col)
            if style is None or with_time or not self.styles.is_date(style):
                style = self.styles.date_style(base, with_time)
            attrs = _with_style(attrs, style.encode())
        return attrs, serial

    def _row_style(self, row: _Row) -> bytes | None:
        """The style new cells of a row take from it (when it has one), remembered."""
        start = _attrs(row.raw[:row.raw.index(b">")])
        row.style = style = start[b"s"] if start.get(b"customFormat") in (b"1", b"true") \
            and start.get(b"s") else None
        return style

    def _default_col_style(self, col: int) -> bytes | None:
        """The style new cells of a column take from its `<col>` (when it has one), remembered."""
        style = self._col_style(col)
        found = self._col_style_bytes[col] = style.encode() if style else None
        return found

    def _col_style(self, col: int) -> str | None:
        if self._col_styles is None:
            self._col_styles = []
            if block := _COLS.search(self.part.head):
                for el in self.part.parse(block[0]):
                    style = el.get("style")
                    if local(el.tag) == "col" and style and style != "0":
                        self._col_styles.append((int(el.get("min")), int(el.get("max")), style))
        return next((s for lo, hi, s in self._col_styles if lo <= col <= hi), None)

    def _rewrite_shared_formulas(self, row: _Row) -> None:
        """A shared formula's master cell was overwritten: give each dependent its own formula
        (Excel calls a file whose dependents point at a missing master corrupt)."""
        from openpyxl.formula.translate import Translator, TranslatorError

        el = self.part.parse(row.raw, _TIDY)
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


def _letters(col: int) -> bytes:
    return _LETTERS.setdefault(col, col_letter(col).encode())


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    """Attributes of a start tag (or its attribute text) as written, in order."""
    return {m[1]: m[2] if m[2] is not None else m[3] for m in _ATTR.finditer(tag)}


def _with_style(attrs: bytes, style: bytes) -> bytes:
    m = _STYLE.search(attrs)
    return attrs + b' s="%s"' % style if m is None else \
        attrs[:m.start(1)] + style + attrs[m.end(1):]


def _spans(start: bytes, lo: int, hi: int) -> bytes:
    """A row start tag whose `spans` hint still covers its cells."""
    m = _SPANS.search(start) if b"spans" in start else None
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


def _number_text(value: object) -> bytes | None:
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, float):
        return repr(value).encode() if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return format(value, "f").encode() if value.is_finite() else None
    return None
