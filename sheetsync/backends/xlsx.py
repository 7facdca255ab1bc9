"""The `.xlsx` / `.xlsm` file backend: cells are read from the worksheet XML as it streams out of
the zip (`xlsx_read`) and worksheets are patched in place (`xlsx_sheet`) — the package is never
rewritten by a spreadsheet library.

Every zip part we do not change is copied with the same bytes (charts, images, comments, macros,
data validations, pivot tables, custom XML …); a patched worksheet keeps the bytes of every row
and cell it does not write; `styles.xml` changes only when a date format must be added;
`calcChain.xml` is dropped only when a formula was overwritten (Excel rebuilds it). Patched sheets
are streamed to temporary files one at a time, then the new package is written next to the old one
and replaces it atomically — and not at all while Excel or LibreOffice holds its lock.
"""

from __future__ import annotations

import contextlib
import copy
import os
import posixpath
import re
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lxml import etree

from ..errors import FileFormatError, LockedError, SheetsyncError, WorkbookError
from .base import Append, Changes, KeyedUpdate, RawSheet, RawWorkbook, Replace
from .xlsx_read import CHUNK, PARSER, Element, local, read_shared_strings, read_sheet
from .xlsx_sheet import Worksheet

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an encrypted .xlsx
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "[Content_Types].xml"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_DATE_FORMATS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)}
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|[_*].')
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_LEVEL = 3  # zlib level of what we write: 2-3x faster than the default 6, files ~10 % bigger
_MINIMAL_STYLES = f"""<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/>\
<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>\
</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border>\
<left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1">\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1">\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>""".encode()


class XlsxBackend:
    """An `.xlsx` or `.xlsm` workbook on disk. `force` ignores Excel/LibreOffice lock files."""

    def __init__(self, path: str | os.PathLike[str], force: bool = False) -> None:
        self.path = Path(path)
        self.force = force
        self.label = self.path.name

    def check_lock(self) -> None:
        """Refuse while Excel (`~$name`) or LibreOffice (`.~lock.name#`) has the file open."""
        if self.force:
            return
        name = self.path.name
        for lock, app in ((f"~${name}", "Excel"), (f".~lock.{name}#", "LibreOffice")):
            if (self.path.parent / lock).exists():
                raise LockedError(f"{name} is open in {app} (lock file {lock} found): close it "
                                  "there and run again, or pass --force")

    def read(self, sheets: Sequence[str]) -> RawWorkbook:
        with _Package(self.path) as pkg:
            found: dict[str, RawSheet] = {}
            strings: list[str] | None = None
            for wanted in sheets:
                entry = pkg.sheet(wanted)
                if entry is None or entry[1] is None:
                    continue
                if strings is None:
                    strings = pkg.shared_strings()
                with pkg.damaged(entry[1]), pkg.zf.open(entry[1]) as stream:
                    found[wanted] = read_sheet(stream, entry[0], strings.__getitem__)
            return RawWorkbook(found, [name for name, _ in pkg.sheets], pkg.date1904)

    def apply(self, changes: Changes) -> None:
        self.check_lock()
        if not changes:
            return
        target = Path(os.path.realpath(self.path))
        try:
            with _Package(self.path) as pkg, contextlib.ExitStack() as spools:
                edit = _Edit(pkg)
                for update in changes.keyed:
                    edit.queue(update.sheet).append(update)
                for append in changes.appends:
                    edit.queue(append.sheet).append(append)
                for replace in changes.replaces:
                    edit.queue(replace.sheet, create=True).append(replace)
                parts, dropped = edit.finish(spools)
                if not parts and not dropped:
                    return  # every row it named is gone: nothing to write
                tmp = _write_zip(pkg.zf, parts, dropped, target)
            try:
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except PermissionError as exc:
            raise LockedError(f"{self.label} cannot be saved ({exc.strerror}); close it in Excel "
                              "or LibreOffice and run again (the file is unchanged)") from exc
        except OSError as exc:
            raise SheetsyncError(f"{self.label} cannot be saved ({exc.strerror or exc}); "
                                 "the file is unchanged") from exc
        with contextlib.suppress(OSError):  # make the rename itself durable
            fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


class _Package:
    """The opened zip: where the workbook, its sheets, shared strings and styles live."""

    def __init__(self, path: Path) -> None:
        self.label = path.name
        self.zf = _open_zip(path)
        try:
            self.names = set(self.zf.namelist())
            self.workbook = self._office_document()
            self.workbook_rels = _rels_part(self.workbook)
            self.rels = self.relationships(self.workbook_rels)
            root = self.xml(self.workbook)
            self.ns = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else _MAIN
            pr = next((el for el in root if local(el.tag) == "workbookPr"), None)
            self.date1904 = pr is not None and pr.get("date1904") in ("1", "true")
            self.sheets: list[tuple[str, str | None]] = []
            listed = (el for sheets in root if local(sheets.tag) == "sheets" for el in sheets)
            for el in listed:
                rid = next((v for k, v in el.attrib.items() if local(k) == "id"), "")
                rel_type, part = self.rels.get(rid, ("", ""))
                self.sheets.append((el.get("name") or "",
                                    part if rel_type.endswith("/worksheet") else None))
        except BaseException:
            self.zf.close()
            raise

    def __enter__(self) -> _Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zf.close()

    @contextlib.contextmanager
    def damaged(self, part: str) -> Iterator[None]:
        try:
            yield
        except (etree.XMLSyntaxError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            raise FileFormatError(f"{self.label} is damaged: {part} cannot be read ({exc})"
                                  ) from exc

    def xml(self, part: str) -> Element:
        with self.damaged(part):
            return etree.fromstring(self.zf.read(part), PARSER)

    def relationships(self, rels_part: str) -> dict[str, tuple[str, str]]:
        """Id → (type, target part path) of a `.rels` part; external targets left out."""
        if rels_part not in self.names:
            return {}
        base = posixpath.dirname(posixpath.dirname(rels_part))
        out = {}
        for rel in self.xml(rels_part).iter("{*}Relationship"):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External" or not target:
                continue
            part = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join(base, target))
            out[rel.get("Id") or ""] = (rel.get("Type") or "", part)
        return out

    def _office_document(self) -> str:
        for rel_type, part in self.relationships("_rels/.rels").values():
            if rel_type.endswith("/officeDocument") and part in self.names:
                if part.endswith(".bin"):
                    raise FileFormatError(f"{self.label} is a binary .xlsb workbook; save it as "
                                          ".xlsx in Excel and try again")
                return part
        if "xl/workbook.xml" in self.names:
            return "xl/workbook.xml"
        raise FileFormatError(f"{self.label} is not an Excel workbook: it has no xl/workbook.xml")

    def part_of(self, rel_suffix: str) -> str | None:
        return next((p for t, p in self.rels.values() if t.endswith(rel_suffix)), None)

    def sheet(self, name: str) -> tuple[str, str | None] | None:
        """(title, worksheet part) by exact name, else case-insensitively (as Excel matches)."""
        for title, part in self.sheets:
            if title == name:
                return title, part
        return next(((t, p) for t, p in self.sheets if t.casefold() == name.casefold()), None)

    def shared_strings(self) -> list[str]:
        part = self.part_of("/sharedStrings")
        if part is None or part not in self.names:
            return []
        with self.damaged(part), self.zf.open(part) as stream:
            return read_shared_strings(stream)


@dataclass(slots=True)
class _Spooled:
    """A patched worksheet: its rows wait in a temporary file."""

    head: bytes
    body: IO[bytes]
    tail: bytes


Change = KeyedUpdate | Append | Replace


class _Edit:
    """The parts one `apply()` changes, adds and drops."""

    def __init__(self, pkg: _Package) -> None:
        self.pkg = pkg
        self.queued: dict[str, tuple[str, list[Change]]] = {}  # title → (part, its changes)
        self.trees: dict[str, Element] = {}  # small package parts changed as trees
        self.added: dict[str, bytes] = {}
        self._strings: list[str] | None = None
        self.styles = _Styles(self)

    def string(self, index: int) -> str:
        if self._strings is None:
            self._strings = self.pkg.shared_strings()
        return self._strings[index]

    def queue(self, name: str, create: bool = False) -> list[Change]:
        """The changes waiting for worksheet `name` (made when missing and `create`)."""
        entry = self.pkg.sheet(name)
        if entry is None and create:
            entry = self._new_sheet(name)
        if entry is None or entry[1] is None:
            raise WorkbookError("there is no such worksheet in the workbook (renamed or deleted?)",
                                name)
        return self.queued.setdefault(entry[0], (entry[1], []))[1]

    def _patch(self, title: str, part: str, changes: list[Change], body: IO[bytes]
               ) -> Worksheet:
        """Stream one worksheet through its changes into `body`."""
        with self.pkg.damaged(part), contextlib.ExitStack() as stack:
            added = self.added.get(part)
            source = added if added is not None else stack.enter_context(self.pkg.zf.open(part))
            sheet = Worksheet(title, source, self.string, self.styles, self.pkg.date1904)
            for change in changes:
                if isinstance(change, KeyedUpdate):
                    sheet.keyed(change)
                elif isinstance(change, Append):
                    sheet.append(change)
                else:
                    sheet.replace(change)
            sheet.write(body)
        return sheet

    def tree(self, part: str) -> Element:
        if part not in self.trees:
            self.trees[part] = self.pkg.xml(part) if part in self.pkg.names else \
                etree.Element(f"{{{_PKG_RELS}}}Relationships", nsmap={None: _PKG_RELS})
        return self.trees[part]

    def add_part(self, part: str, content_type: str, rel_type: str, data: bytes) -> str:
        """Register a new part of the workbook; returns its relationship id."""
        self.added[part] = data
        override = etree.SubElement(self.tree(_TYPES), f"{{{_ns(self.tree(_TYPES))}}}Override")
        override.set("PartName", "/" + part)
        override.set("ContentType", content_type)
        rels = self.tree(self.pkg.workbook_rels)
        ids = {rel.get("Id") for rel in rels}
        rid = next(f"rId{n}" for n in range(len(ids) + 1, 10**6) if f"rId{n}" not in ids)
        rel = etree.SubElement(rels, f"{{{_PKG_RELS}}}Relationship")
        rel.set("Id", rid)
        rel.set("Type", rel_type)
        rel.set("Target", posixpath.relpath(part, posixpath.dirname(self.pkg.workbook)))
        return rid

    def rel_type(self, kind: str) -> str:
        """A relationship type in the workbook's own flavour (transitional or strict)."""
        return f"{self.rel_ns()}/{kind}"

    def rel_ns(self) -> str:
        base = next((t for t, _ in self.pkg.rels.values() if t.endswith("/worksheet")), "")
        return base.rpartition("/")[0] or _DOC_RELS

    def _new_sheet(self, name: str) -> tuple[str, str]:
        if len(name) > 31 or re.search(r"[\[\]:*?/\\]", name):
            raise WorkbookError("cannot be a sheet name in Excel", name)
        folder = posixpath.join(posixpath.dirname(self.pkg.workbook), "worksheets")
        taken = self.pkg.names | set(self.added)
        part = next(p for n in range(1, 100_000)
                    if (p := posixpath.join(folder, f"sheet{n}.xml")) not in taken)
        ns = self.pkg.ns
        rel_ns = self.rel_ns()
        data = _DECLARATION + (
            f'<worksheet xmlns="{ns}" xmlns:r="{rel_ns}"><dimension ref="A1"/><sheetViews>'
            '<sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            '<sheetData/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75"'
            ' header="0.3" footer="0.3"/></worksheet>').encode()
        rid = self.add_part(part, _CT + "worksheet+xml", self.rel_type("worksheet"), data)
        book = self.tree(self.pkg.workbook)
        sheets = next(el for el in book if local(el.tag) == "sheets")
        rid_attr = next((k for el in sheets for k in el.attrib if local(k) == "id"),
                        f"{{{rel_ns}}}id")
        ids = [int(el.get("sheetId")) for el in sheets if (el.get("sheetId") or "").isdigit()]
        el = etree.SubElement(sheets, f"{{{self.pkg.ns}}}sheet")
        el.set("name", name)
        el.set("sheetId", str(max(ids, default=0) + 1))
        el.set(rid_attr, rid)
        self.pkg.sheets.append((name, part))
        return name, part

    def finish(self, spools: contextlib.ExitStack) -> tuple[dict[str, bytes | _Spooled], set[str]]:
        """Patch the worksheets one after another (each spooled to a temporary file that
        `spools` closes), then the small parts that follow from them."""
        parts: dict[str, bytes | _Spooled] = {}
        formula_removed = False
        for title, (part, changes) in self.queued.items():
            body = spools.enter_context(tempfile.TemporaryFile(buffering=CHUNK))  # noqa: SIM115
            sheet = self._patch(title, part, changes, body)
            formula_removed = formula_removed or sheet.formula_removed
            if self.added.pop(part, None) is not None or sheet.changed:  # a new sheet is kept
                parts[part] = _Spooled(sheet.head, body, sheet.tail)
            else:
                body.close()
        dropped: set[str] = set()
        chain = self.pkg.part_of("/calcChain")
        if chain and chain in self.pkg.names and formula_removed:
            dropped.add(chain)  # it would list a cell that no longer holds a formula
            rels = self.tree(self.pkg.workbook_rels)
            for rel in [r for r in rels if (r.get("Type") or "").endswith("/calcChain")]:
                rels.remove(rel)
            types = self.tree(_TYPES)
            for el in [e for e in types if e.get("PartName") == "/" + chain]:
                types.remove(el)
        self.styles.save()
        for part, root in self.trees.items():
            parts[part] = _DECLARATION + etree.tostring(root, encoding="UTF-8")
        return parts, dropped


def _ns(root: Element) -> str:
    return str(root.tag[1:].partition("}")[0])


class _Styles:
    """Which cell styles show dates, and the one date style we add when none fits."""

    def __init__(self, edit: _Edit) -> None:
        self.edit = edit
        self.part = edit.pkg.part_of("/styles")
        self.root: Element = None
        self.xfs: list[Element] = []
        self.formats: dict[int, str] = {}
        self.changed = False
        self._is_date: dict[str | None, bool] = {}

    def _load(self) -> Element:
        if self.root is None:
            if self.part and self.part in self.edit.pkg.names:
                self.root = self.edit.pkg.xml(self.part)
            else:
                self.part, self.root = None, etree.fromstring(_MINIMAL_STYLES, PARSER)
            cell_xfs = self._child("cellXfs")
            self.xfs = [] if cell_xfs is None else [x for x in cell_xfs if local(x.tag) == "xf"]
            numfmts = self._child("numFmts")
            for fmt in [] if numfmts is None else numfmts:
                with contextlib.suppress(TypeError, ValueError):
                    self.formats[int(fmt.get("numFmtId"))] = fmt.get("formatCode") or ""
        return self.root

    def _child(self, name: str) -> Element:
        return next((el for el in self.root if local(el.tag) == name), None)

    def is_date(self, style: str | None) -> bool:
        if style not in self._is_date:
            self._load()
            try:
                fmt = int(self.xfs[int(style or 0)].get("numFmtId") or 0)
            except (IndexError, ValueError):
                fmt = 0
            code = self.formats.get(fmt)
            self._is_date[style] = fmt in _DATE_FORMATS if code is None else _is_date_code(code)
        return self._is_date[style]

    def date_style(self, base: str | None, with_time: bool) -> str:
        """Index of a style like `base` but showing dates; added to styles.xml when missing."""
        root = self._load()
        fmt_id = self._format("yyyy-mm-dd hh:mm" if with_time else "yyyy-mm-dd")
        try:
            model = self.xfs[int(base or 0)]
        except (IndexError, ValueError):
            model = None
        attrib = dict(model.attrib) if model is not None else {
            "numFmtId": "0", "fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0"}
        attrib.update(numFmtId=str(fmt_id), applyNumberFormat="1")
        children = [etree.tostring(ch) for ch in (model if model is not None else ())]
        wanted = {k: v for k, v in attrib.items() if k != "applyNumberFormat"}
        for index, xf in enumerate(self.xfs):
            if {k: v for k, v in xf.attrib.items() if k != "applyNumberFormat"} == wanted \
                    and [etree.tostring(ch) for ch in xf] == children:
                return str(index)
        cell_xfs = self._child("cellXfs")
        if cell_xfs is None:
            cell_xfs = etree.SubElement(root, f"{{{_ns(root)}}}cellXfs")
        xf = etree.SubElement(cell_xfs, f"{{{_ns(root)}}}xf", attrib)
        for ch in model if model is not None else ():
            xf.append(copy.deepcopy(ch))
        etree.cleanup_namespaces(xf)  # only the copy: the root's declarations serve mc:Ignorable
        self.xfs.append(xf)
        cell_xfs.set("count", str(len(self.xfs)))
        self._is_date[str(len(self.xfs) - 1)] = True
        self.changed = True
        return str(len(self.xfs) - 1)

    def _format(self, code: str) -> int:
        for fmt_id, existing in self.formats.items():
            if existing == code:
                return fmt_id
        numfmts = self._child("numFmts")
        if numfmts is None:  # created in place so it takes the root's prefix, then moved first
            numfmts = etree.SubElement(self.root, f"{{{_ns(self.root)}}}numFmts")
            self.root.insert(0, numfmts)
        fmt_id = max([163, *self.formats]) + 1
        etree.SubElement(numfmts, f"{{{_ns(self.root)}}}numFmt",
                         numFmtId=str(fmt_id), formatCode=code)
        numfmts.set("count", str(len(numfmts)))
        self.formats[fmt_id] = code
        self.changed = True
        return fmt_id

    def save(self) -> None:
        if not self.changed:
            return
        if self.part is None:
            self.part = posixpath.join(posixpath.dirname(self.edit.pkg.workbook), "styles.xml")
            self.edit.add_part(self.part, _CT + "styles+xml", self.edit.rel_type("styles"), b"")
        self.edit.trees[self.part] = self.root


def _is_date_code(code: str) -> bool:
    section = _FORMAT_LITERALS.sub("", code).split(";")[0]
    return bool(re.search(r"[dmyhs]", section, re.I))


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _open_zip(path: Path) -> zipfile.ZipFile:
    name = path.name
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            if head == _CFB_MAGIC:
                encrypted = "EncryptionInfo".encode("utf-16-le") in fh.read()
                raise FileFormatError(
                    f"{name} is password-protected; remove the password in Excel (File > Info > "
                    "Protect Workbook) and try again" if encrypted else
                    f"{name} is an old .xls workbook; save it as .xlsx in Excel and try again")
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise FileFormatError(f"{name}: no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        reason = "it is not a zip package" if isinstance(exc, zipfile.BadZipFile) else \
            exc.strerror
        raise FileFormatError(f"{name} is not a readable Excel workbook ({reason})") from None


def _write_zip(src: zipfile.ZipFile, parts: dict[str, bytes | _Spooled], dropped: set[str],
               target: Path) -> str:
    """The new package in a temp file next to `target`, synced to disk; returns its path."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as out:
                for info in src.infolist():
                    if info.filename in dropped:
                        continue
                    copied = zipfile.ZipInfo(info.filename, info.date_time)
                    copied.compress_type = info.compress_type \
                        if info.compress_type == zipfile.ZIP_STORED else zipfile.ZIP_DEFLATED
                    copied.external_attr, copied.create_system = \
                        info.external_attr, info.create_system
                    data = parts.pop(info.filename, None)
                    if data is None:
                        with src.open(info) as stream:
                            _put(out, copied, info.file_size, [stream])
                    else:
                        _put(out, copied, *_pieces(data))
                for name, data in parts.items():  # new parts: a report sheet, styles
                    _put(out, zipfile.ZipInfo(name, time.localtime()[:6]), *_pieces(data))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _pieces(data: bytes | _Spooled) -> tuple[int, list[bytes | IO[bytes]]]:
    """(size, what to write one after another) of a part's new content."""
    if isinstance(data, bytes):
        return len(data), [data]
    size = data.body.tell()
    data.body.seek(0)
    return len(data.head) + size + len(data.tail), [data.head, data.body, data.tail]


def _put(out: zipfile.ZipFile, info: zipfile.ZipInfo, size: int,
         pieces: list[bytes | IO[bytes]]) -> None:
    """Write one part, compressed as it streams in."""
    if info.compress_type != zipfile.ZIP_STORED:
        info.compress_type = zipfile.ZIP_DEFLATED
    # open() takes no level: it is the ZipInfo's (`compress_level` from Python 3.13 on)
    setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel",
            _LEVEL)
    with out.open(info, "w", force_zip64=size > 2**31) as stream:
        for piece in pieces:
            if isinstance(piece, bytes):
                stream.write(piece)
            else:
                shutil.copyfileobj(piece, stream, CHUNK)
