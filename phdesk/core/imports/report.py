"""The validation report every import produces: counts, rejected rows with reasons, warnings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError

REJECTION_COLUMNS = ["row", "column", "value", "reason"]

# The reasons, worded once so that reports and tests agree
MALFORMED_AREA_CODE = "malformed area code (expected a 9-character GSS code such as E01000001)"
POSTCODE_NOT_FOUND = "postcode not found in the project's postcode lookup"
MALFORMED_POSTCODE = "malformed postcode"
MALFORMED_ODS_CODE = "malformed ODS code (expected 3 to 8 ASCII letters and digits)"
OUTSIDE_GB = "coordinates outside Great Britain"
SWAPPED_LATLON = "latitude and longitude appear to be swapped"
NEGATIVE_COUNT = "negative count"
NOT_A_NUMBER = "not a number"
DUPLICATE_KEY = "duplicate key"
MISSING_VALUE = "required value is empty"
NO_LOCATION = "no coordinates and no postcode"


@dataclass
class ImportReport:
    """What happened to one file. ``rejections`` is a frame: row, column, value, reason."""

    file: str
    kind: str = ""
    reason: str = ""                  # why the file was recognised as this kind
    sha256: str = ""
    rows_read: int = 0
    rows_accepted: int = 0
    rejections: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=REJECTION_COLUMNS))
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    committed: bool = False
    # patient-level data: rejections keep row and column, never the value (see persons.py)
    private: bool = False

    @property
    def rows_rejected(self) -> int:
        return int(self.rejections["row"].nunique()) if len(self.rejections) else 0

    def reject(self, rows: np.ndarray, column: str, reason: str,
               values: pd.Series | np.ndarray | None = None) -> None:
        """Record rejections for many rows at once (``rows`` are spreadsheet row numbers)."""
        rows = np.asarray(rows)
        if rows.size == 0:
            return
        vals = ([""] * rows.size if values is None or self.private
                else pd.Series(np.asarray(values, dtype=object)).fillna("").astype(str).str[:80])
        new = pd.DataFrame({"row": rows.astype(int), "column": column,
                            "value": list(vals), "reason": reason})
        self.rejections = (new if self.rejections.empty
                           else pd.concat([self.rejections, new], ignore_index=True))

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def sorted_rejections(self) -> pd.DataFrame:
        if self.private and len(self.rejections):  # values recorded before the file was known
            self.rejections = self.rejections.assign(value="")
        return self.rejections.sort_values(["row", "column"], kind="stable").reset_index(drop=True)

    def to_dict(self, max_rejections: int | None = None) -> dict[str, Any]:
        rej = self.sorted_rejections()
        if max_rejections is not None:
            rej = rej.head(max_rejections)
        return {
            "file": self.file, "kind": self.kind, "reason": self.reason, "sha256": self.sha256,
            "rows_read": self.rows_read, "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected, "committed": self.committed,
            "warnings": list(self.warnings),
            "rejections": rej.astype({"row": int}).to_dict(orient="records"),
            "details": self.details,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)

    def to_text(self, max_rejections: int = 20) -> str:
        """A short human report for the terminal."""
        lines = [f"{self.file}: {self.kind or 'unknown kind'}"
                 + (f" ({self.reason})" if self.reason else ""),
                 f"  rows read {self.rows_read}, accepted {self.rows_accepted}, "
                 f"rejected {self.rows_rejected}"]
        rej = self.sorted_rejections()
        for r in rej.head(max_rejections).itertuples(index=False):
            value = f" '{r.value}'" if r.value else ""
            lines.append(f"  row {r.row}, column {r.column}{value}: {r.reason}")
        if len(rej) > max_rejections:
            lines.append(f"  … and {len(rej) - max_rejections} more")
        lines += [f"  warning: {w}" for w in self.warnings]
        lines += [f"  {line}" for line in self.details.get("coverage_text", [])]
        return "\n".join(lines)


class ImportRejected(UserError):
    """The file has rejected rows and partial imports were not accepted; nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(f"{report.file}: {report.rows_rejected} of {report.rows_read} rows "
                         "rejected; nothing imported "
                         "(use --accept-partial to import the good rows)")


class RowRejects:
    """Rejections of a table's rows, reported at their file row numbers; a row is rejected once,
    for its first fault, so checks run in the order their reasons should win.

    ``ok`` (updated in place): the rows not rejected yet (default: all).
    """

    def __init__(self, report: ImportReport, rows: np.ndarray, ok: np.ndarray | None = None
                 ) -> None:
        self.report, self.rows = report, np.asarray(rows)
        self.ok = np.ones(len(self.rows), bool) if ok is None else ok

    def __call__(self, mask, column: str, reason: str, values=None) -> None:
        mask = np.asarray(mask, bool) & self.ok
        self.report.reject(self.rows[mask], column, reason,
                           None if values is None else values[mask])
        self.ok &= ~mask
