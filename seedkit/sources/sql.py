"""SqlSource: .sql files run as written, split into located statements."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from seedkit.errors import Location, ManifestError
from seedkit.manifest.models import SqlOptionsModel
from seedkit.sources.base import LocatedStatement, Source


class SqlSource(Source):
    """Statements from one .sql file or a sorted glob of them; a SQL source takes no mode."""

    kind = "sql"
    options_model = SqlOptionsModel
    is_sql = True

    def files(self) -> list[Path]:
        """The .sql files, sorted when a glob."""
        assert isinstance(self.options, SqlOptionsModel)
        return self.resolve_paths(self.options.path)

    def statements(self) -> Iterator[LocatedStatement]:
        """Every statement of every file, in order, with its file and first line."""
        dialect = self.context.manifest.model.project.dialect
        for path in self.files():
            yield from read_statements(path, dialect)


def read_statements(path: Path, dialect: str | None) -> Iterator[LocatedStatement]:
    """The located statements of one SQL file (DDL files use this too)."""
    from seedkit.errors import display_path
    from seedkit.sources.sqlsplit import split_sql

    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ManifestError(f"file not found: {shown}", location=Location(file=shown)) from None
    except UnicodeDecodeError as exc:
        raise ManifestError(
            f"{shown} is not UTF-8 text ({exc.reason} at byte {exc.start})",
            location=Location(file=shown),
            hint="save the file as UTF-8",
        ) from None
    for stmt in split_sql(text, dialect, source=shown):
        yield LocatedStatement(stmt.text, shown, stmt.line, stmt.column)
