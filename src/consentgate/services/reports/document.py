"""A report as data: its kind, parameters, the checkpoint it was computed at, and its tables.

Every report is a handful of tables. Each table has key columns (text: a partner, a category, a
time) followed by figures; every figure is an integer. The same document is written as JSON, CSV
or HTML (:mod:`.formats`) and read back from each, so a report can be recomputed from the log and
compared figure by figure (:func:`first_difference`).

The report's SHA-256 is that of its canonical JSON (keys sorted, no insignificant whitespace,
UTF-8, integers and strings only, as the log's own entries are encoded): the same whichever format
carries it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from consentgate.errors import IntegrityError, InvalidInput

#: The format version of report documents.
VERSION = 1
KINDS = ("transparency", "partner", "person")
Cell = str | int | None


class ReportMismatch(IntegrityError):
    """A report does not match what the log says; the message names the first difference."""


@dataclass(frozen=True)
class Table:
    """``keys`` leading text columns that name a row, then its values (integers, or text such as
    a time); rows sorted by their keys."""

    columns: tuple[str, ...]
    keys: int
    rows: tuple[tuple[Cell, ...], ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "keys": self.keys,
            "rows": [list(r) for r in self.rows],
        }

    @classmethod
    def from_json(cls, data: Any) -> Table:
        if not isinstance(data, dict) or set(data) != {"columns", "keys", "rows"}:
            raise InvalidInput("a report table has columns, keys and rows")
        columns, keys, rows = data["columns"], data["keys"], data["rows"]
        if not _strings(columns) or not isinstance(keys, int) or not 0 <= keys <= len(columns):
            raise InvalidInput("a report table's columns are not a list of names")
        if not isinstance(rows, list):
            raise InvalidInput("a report table's rows are not a list")
        out = []
        for row in rows:
            if not isinstance(row, list) or len(row) != len(columns):
                raise InvalidInput("a report row does not have one cell per column")
            for i, cell in enumerate(row):
                _check_cell(cell, figure=i >= keys)
            out.append(tuple(row))
        return cls(tuple(columns), keys, tuple(out))


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_cell(cell: Any, *, figure: bool) -> None:
    if cell is None or isinstance(cell, str):
        return
    if not figure or not isinstance(cell, int) or isinstance(cell, bool):
        raise InvalidInput("a report cell is not text or, past the keys, an integer")


@dataclass(frozen=True)
class LogState:
    """The checkpoint a report is bound to: the log's origin, its size and root hash."""

    origin: str
    size: int
    root: bytes

    def as_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
        }

    @classmethod
    def from_json(cls, data: Any) -> LogState:
        if not isinstance(data, dict) or set(data) != {"origin", "size", "root"}:
            raise InvalidInput("a report's log names its origin, size and root")
        origin, size, root = data["origin"], data["size"], data["root"]
        if not isinstance(origin, str) or not isinstance(size, int) or not isinstance(root, str):
            raise InvalidInput("a report's log has a text origin, an integer size, a base64 root")
        try:
            raw = base64.b64decode(root, validate=True)
        except ValueError:
            raise InvalidInput("a report's log root is not base64") from None
        if len(raw) != 32 or size < 0:
            raise InvalidInput("a report's log root is not a 32-byte hash")
        return cls(origin, size, raw)


@dataclass(frozen=True)
class Report:
    """One report: what it is about (``kind`` and ``parameters``), the log state, the tables."""

    kind: str
    parameters: dict[str, str]
    log: LogState
    tables: dict[str, Table] = field(default_factory=dict)
    #: What the tables mean and what the log cannot show, in plain words (part of what is signed).
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "kind": self.kind,
            "parameters": dict(self.parameters),
            "log": self.log.as_json(),
            "tables": {name: t.as_json() for name, t in self.tables.items()},
            "notes": list(self.notes),
        }

    def canonical(self) -> bytes:
        """The bytes the report's SHA-256 is taken over."""
        return json.dumps(
            self.as_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    @classmethod
    def from_json(cls, data: Any) -> Report:
        keys = {"version", "kind", "parameters", "log", "tables", "notes"}
        if not isinstance(data, dict) or set(data) != keys:
            raise InvalidInput("the report does not have the fields of a consentgate report")
        if data["version"] != VERSION or data["kind"] not in KINDS:
            raise InvalidInput(f"the report is not a version-{VERSION} consentgate report")
        params, tables, notes = data["parameters"], data["tables"], data["notes"]
        if not isinstance(params, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in params.items()
        ):
            raise InvalidInput("the report's parameters are not text")
        if not isinstance(tables, dict) or not _strings(notes):
            raise InvalidInput("the report's tables or notes are malformed")
        return cls(
            kind=data["kind"],
            parameters=dict(params),
            log=LogState.from_json(data["log"]),
            tables={str(name): Table.from_json(t) for name, t in tables.items()},
            notes=tuple(notes),
        )


def _row_name(table: str, t: Table, row: tuple[Cell, ...]) -> str:
    keys = ", ".join(f"{c}={v}" for c, v in zip(t.columns[: t.keys], row[: t.keys], strict=True))
    return f"{table} [{keys}]" if keys else table


def _rows_by_key(t: Table) -> dict[tuple[Cell, ...], tuple[Cell, ...]]:
    return {row[: t.keys]: row for row in t.rows}


def first_difference(stated: Report, computed: Report) -> str | None:
    """Name the first figure in which ``stated`` differs from ``computed`` (None if they agree).

    Figures are compared in the computed report's order, so the message names the table, the row
    by its keys, the column, and both values.
    """
    if stated.kind != computed.kind or stated.parameters != computed.parameters:
        return f"the report's kind or parameters changed (the log gives {computed.parameters})"
    for name, want in computed.tables.items():
        got = stated.tables.get(name)
        if got is None or got.columns != want.columns or got.keys != want.keys:
            return f"table {name!r} is missing or has other columns"
        found = _rows_by_key(got)
        for row in want.rows:
            other = found.pop(row[: want.keys], None)
            if other is None:
                return f"{_row_name(name, want, row)}: the row is missing from the report"
            for column, a, b in zip(want.columns, other, row, strict=True):
                if a != b:
                    return f"{_row_name(name, want, row)}: {column} is {a} in the report, {b} in the log"
        if found:
            extra = next(iter(found.values()))
            return f"{_row_name(name, want, extra)}: the report has a row the log does not"
    extra_tables = set(stated.tables) - set(computed.tables)
    if extra_tables:
        return f"table {sorted(extra_tables)[0]!r} is not part of this report"
    if stated.notes != computed.notes:
        return "the report's notes changed"
    return None
