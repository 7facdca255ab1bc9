"""Reading and writing an .xlsx package part by part, for tests that build fixtures by hand or
compare what a sync left untouched."""

from __future__ import annotations

import zipfile
from pathlib import Path


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_parts(path: Path, content: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in content.items():
            zf.writestr(name, data)


def add_part(content: dict[str, bytes], name: str, content_type: str | None, rel_type: str,
             target: str, rid: str) -> None:
    """Wire a part into the workbook: its content type (when given) and a workbook rel."""
    if content_type:
        content["[Content_Types].xml"] = content["[Content_Types].xml"].replace(
            b"</Types>", f'<Override PartName="{name}" ContentType="{content_type}"/></Types>'
            .encode())
    content["xl/_rels/workbook.xml.rels"] = content["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/></Relationships>'.encode())


VBA_PROJECT = bytes(range(256)) * 8  # a dummy VBA project: bytes that must survive


def macro_copy(src: Path) -> Path:
    """The same workbook as .xlsm with a (dummy) VBA project, wired in by hand."""
    content = parts(src)
    content["[Content_Types].xml"] = content["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    content["xl/vbaProject.bin"] = VBA_PROJECT
    content["[Content_Types].xml"] = content["[Content_Types].xml"].replace(
        b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.'
                     b'vbaProject"/></Types>')
    add_part(content, "", None, "http://schemas.microsoft.com/office/2006/relationships/"
             "vbaProject", "vbaProject.bin", "rIdVba")
    path = src.with_suffix(".xlsm")
    write_parts(path, content)
    return path
