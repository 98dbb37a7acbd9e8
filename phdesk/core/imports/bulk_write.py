"""Writing big validated frames into the project in batches, with progress between batches.

sqlite-utils' ``insert_all`` inspects every value of every row; for the 300,000-row deprivation
and population tables that costs seconds, so rows go through the same connection with
``executemany`` (one prepared statement, plain Python values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

BATCH = 20_000


def plain_rows(frame: pd.DataFrame) -> Iterable[tuple]:
    """Rows as tuples of Python values, NaN/NA as None (what sqlite3 binds)."""
    out = frame.astype(object).where(frame.notna(), None)
    return out.itertuples(index=False, name=None)


def insert_frame(db, table: str, frame: pd.DataFrame, prog: Callable[[float, str], None],
                 replace: bool = False, batch: int = BATCH, message: str = "writing") -> None:
    """Insert ``frame`` (columns named as the table's) in batches; ``replace`` = INSERT OR REPLACE
    (an upsert when every column of the row is given). ``prog`` is called between batches, so a
    cancel stops the import there (and the transaction rolls back)."""
    cols = list(frame.columns)
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    sql = (f'{verb} INTO "{table}" ({", ".join(f"[{c}]" for c in cols)}) '
           f'VALUES ({", ".join("?" * len(cols))})')
    n = len(frame)
    for start in range(0, n, batch):
        chunk = frame.iloc[start:start + batch]
        db.conn.executemany(sql, list(plain_rows(chunk)))
        prog(min(1.0, (start + batch) / max(n, 1)), message)


def delete_in(db, table: str, column: str, values: Iterable, where: str = "",
              params: tuple = ()) -> None:
    """``DELETE FROM table WHERE column IN (values) [AND where]``, in chunks of 500 values."""
    vals = list(dict.fromkeys(values))
    extra = f" AND {where}" if where else ""
    for start in range(0, len(vals), 500):
        chunk = vals[start:start + 500]
        marks = ",".join("?" * len(chunk))
        db.conn.execute(f'DELETE FROM "{table}" WHERE [{column}] IN ({marks}){extra}',
                        (*chunk, *params))
