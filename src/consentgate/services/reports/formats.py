"""Reports as files: JSON, CSV and HTML, each read back into the same :class:`Report`.

Every format carries the whole report and its signed note, so ``consentgate report verify`` can
check any of them:

* JSON: ``{"report": <the report>, "signature": <the signed note>}``;
* CSV: one record per line, its first cell saying what it is (``report``, ``parameter``,
  ``log``, ``note``, ``table``, ``columns``, ``row``, ``signature``, and last ``end``, so that a
  cut file is told from a whole one); an empty cell is a missing value;
* HTML (written by ``consentgate.web.report_html``): the tables as ``<table data-table>``, the
  log state and parameters as ``data-`` attributes, the note in ``<pre data-signature>``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from consentgate.errors import InvalidInput
from consentgate.services.reports.document import VERSION, Cell, Report

FORMATS = ("json", "csv", "html")
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class ReportFile:
    """A report and the signed note that came with it (empty if it came unsigned)."""

    report: Report
    signature: str


def format_of(name: str, given: str | None = None) -> str:
    """The format named by ``--format``, else by the file's extension."""
    if given is not None:
        if given not in FORMATS:
            raise InvalidInput(f"unknown format {given!r} (known: {', '.join(FORMATS)})")
        return given
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    ext = "html" if ext == "htm" else ext
    if ext not in FORMATS:
        raise InvalidInput(f"cannot tell the format of {name!r}: give --format json, csv or html")
    return ext


def sniff(data: bytes) -> str:
    """The format of a report file from its first bytes."""
    head = data.lstrip()[:64].lower()
    if head.startswith(b"{"):
        return "json"
    if head.startswith((b"<!doctype", b"<html")):
        return "html"
    if head.startswith(b"report,"):
        return "csv"
    raise InvalidInput("the file is not a consentgate report (not JSON, CSV or HTML)")


# --- JSON -----------------------------------------------------------------------------------
def to_json(signed: ReportFile) -> bytes:
    body = {"report": signed.report.as_json(), "signature": signed.signature}
    return (json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def from_json(data: bytes) -> ReportFile:
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("the JSON report is truncated or not JSON") from None
    if not isinstance(body, dict) or "report" not in body:
        raise InvalidInput("the JSON report has no report in it")
    signature = body.get("signature", "")
    if not isinstance(signature, str):
        raise InvalidInput("the JSON report's signature is not text")
    return ReportFile(Report.from_json(body["report"]), signature)


# --- CSV ------------------------------------------------------------------------------------
def to_csv(signed: ReportFile) -> bytes:
    out = io.StringIO()
    write = csv.writer(out, lineterminator="\n").writerow
    report = signed.report
    write(["report", "kind", report.kind])
    write(["report", "version", VERSION])
    for key, value in report.parameters.items():
        write(["parameter", key, value])
    for key, value in report.log.as_json().items():
        write(["log", key, value])
    for note in report.notes:
        write(["note", note])
    for name, t in report.tables.items():
        write(["table", name, t.keys])
        write(["columns", *t.columns])
        for row in t.rows:
            write(["row", *("" if c is None else c for c in row)])
    for line in signed.signature.split("\n")[:-1]:
        write(["signature", line])
    write(["end"])
    return out.getvalue().encode()


def cell(text: str, figure: bool) -> Cell:
    """A cell read back from text: empty is missing; past the keys, digits are an integer."""
    if text == "":
        return None
    return int(text) if figure and _INTEGER.fullmatch(text) else text


class _Builder:
    """Collects the parts of a report as a reader finds them, then checks them as JSON would."""

    def __init__(self) -> None:
        self.head: dict[str, str] = {}
        self.parameters: dict[str, str] = {}
        self.log: dict[str, Any] = {}
        self.notes: list[str] = []
        self.tables: dict[str, dict[str, Any]] = {}
        self.signature: list[str] = []
        self.current: dict[str, Any] | None = None
        self.ended = False

    def table(self, name: str, keys: str) -> None:
        if not keys.isdigit() or name in self.tables:
            raise InvalidInput(f"table {name!r} is repeated or has no key count")
        self.current = self.tables[name] = {"columns": [], "keys": int(keys), "rows": []}

    def row(self, cells: list[str]) -> None:
        if self.current is None:
            raise InvalidInput("a row comes before its table")
        keys = self.current["keys"]
        self.current["rows"].append([cell(c, i >= keys) for i, c in enumerate(cells)])

    def build(self) -> ReportFile:
        if "kind" not in self.head or not self.log or not self.ended:
            raise InvalidInput("the report is truncated: it stops before its end")
        log = dict(self.log)
        size = log.get("size")
        log["size"] = int(size) if isinstance(size, str) and size.isdigit() else size
        body = {
            "version": int(self.head.get("version", "0") or 0),
            "kind": self.head["kind"],
            "parameters": self.parameters,
            "log": log,
            "tables": self.tables,
            "notes": self.notes,
        }
        note = "\n".join(self.signature) + "\n" if self.signature else ""
        return ReportFile(Report.from_json(body), note)


def from_csv(data: bytes) -> ReportFile:
    try:
        lines = list(csv.reader(io.StringIO(data.decode())))
    except (UnicodeDecodeError, csv.Error):
        raise InvalidInput("the CSV report is not UTF-8 CSV") from None
    built = _Builder()
    for line in lines:
        _csv_record(built, line)
    return built.build()


def _csv_record(built: _Builder, line: list[str]) -> None:
    if not line:
        return
    kind, rest = line[0], line[1:]
    pairs = {"report": built.head, "parameter": built.parameters, "log": built.log}
    if kind in pairs and len(rest) == 2:
        pairs[kind][rest[0]] = rest[1]
    elif kind == "note" and len(rest) == 1:
        built.notes.append(rest[0])
    elif kind == "table" and len(rest) == 2:
        built.table(rest[0], rest[1])
    elif kind == "columns" and built.current is not None:
        built.current["columns"] = rest
    elif kind == "row":
        built.row(rest)
    elif kind == "signature" and len(rest) == 1:
        built.signature.append(rest[0])
    elif kind == "end" and not rest:
        built.ended = True
    else:
        raise InvalidInput(f"the CSV report has a malformed {kind[:20]!r} line")


# --- HTML -----------------------------------------------------------------------------------
class _HtmlReader(HTMLParser):
    """Reads back what ``web/report_html`` writes: only elements with our ``data-`` attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.built = _Builder()
        self.text: list[str] | None = None
        self.target: tuple[str, str] | None = None
        self.cells: list[str] | None = None
        self.null = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "main" and "data-report-kind" in a:
            self.built.head["kind"] = a["data-report-kind"] or ""
            self.built.head["version"] = a.get("data-version") or ""
        elif tag == "table" and "data-table" in a:
            self.built.table(a["data-table"] or "", a.get("data-keys") or "")
        elif tag == "tr" and self.built.current is not None:
            self.cells = None if "data-empty" in a else []
        elif tag in ("td", "th"):
            if self.cells is None:
                return
            self.text, self.null = [], "data-null" in a
            self.target = ("column", a.get("data-column") or "") if tag == "th" else ("cell", "")
        else:
            self._start_value(a)

    def _start_value(self, a: dict[str, str | None]) -> None:
        for attr, kind in (("data-parameter", "parameter"), ("data-log", "log")):
            if attr in a:
                self.target, self.text = (kind, a[attr] or ""), []
        if "data-note" in a:
            self.target, self.text = ("note", ""), []
        if "data-signature" in a:
            self.target, self.text = ("signature", ""), []

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.built.ended = True
        elif tag == "table":
            self.built.current = None
        elif tag == "tr" and self.cells is not None:
            if self.cells and self.built.current is not None:
                if self.built.current["columns"]:
                    self.built.row(self.cells)
                else:
                    self.built.current["columns"] = self.cells
            self.cells = None
        elif self.target is not None and self.text is not None:
            self._end_value(*self.target, "".join(self.text))

    def _end_value(self, kind: str, key: str, value: str) -> None:
        if kind == "column" and self.cells is not None:
            self.cells.append(key)
        elif kind == "cell" and self.cells is not None:
            self.cells.append("" if self.null else value)
        elif kind in ("parameter", "log"):
            (self.built.parameters if kind == "parameter" else self.built.log)[key] = value
        elif kind == "note":
            self.built.notes.append(value)
        elif kind == "signature":
            self.built.signature = value.rstrip("\n").split("\n") if value.strip() else []
        self.target, self.text = None, None


def from_html(data: bytes) -> ReportFile:
    reader = _HtmlReader()
    try:
        reader.feed(data.decode())
        reader.close()
    except UnicodeDecodeError:
        raise InvalidInput("the HTML report is not UTF-8") from None
    return reader.built.build()


def read_report(data: bytes) -> ReportFile:
    """Read a report file of any format (told apart by its first bytes)."""
    reader = {"json": from_json, "csv": from_csv, "html": from_html}[sniff(data)]
    return reader(data)
