"""Pydantic models of seed.toml. Unknown keys are forbidden everywhere.

These models are the single description of the format: the loader validates with
them, and `seedkit schema` prints their JSON Schema.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    """Base of every manifest model: unknown keys are errors, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Mode(StrEnum):
    """How a row source meets rows already in its table."""

    INSERT = "insert"
    UPSERT = "upsert"
    REPLACE = "replace"
    MIRROR = "mirror"


class CsvDefaultsModel(Strict):
    """How CSV files are written, for every CSV step unless it says otherwise."""

    delimiter: str | None = Field(None, description="Field separator, one character. Default ','.")
    quote: str | None = Field(None, description="Quote character. Default '\"'.")
    escape: str | None = Field(None, description="Escape character inside quotes; default none.")
    encoding: str | None = Field(None, description="Text encoding. Default 'utf-8'.")
    null: list[str] | None = Field(
        None, description="Unquoted fields equal to one of these are NULL. Default [''] ."
    )
    header: bool | None = Field(
        None,
        strict=True,
        description="First record holds column names. Default true. With false, every record "
        "fills the table's columns in the table's order.",
    )


class CsvOptionsModel(CsvDefaultsModel):
    """A CSV source: a path or glob, plus any of the CSV defaults."""

    path: str = Field(description="File or glob, relative to the manifest; globs load sorted.")


class SqlOptionsModel(Strict):
    """A SQL source: a path or glob of .sql files, run as written."""

    path: str = Field(description="File or glob, relative to the manifest; globs run sorted.")


class ProjectModel(Strict):
    """[project]: what the seed is called, where its DDL is, and the default target."""

    name: str = Field(min_length=1, description="Names this seed in history and locks.")
    dialect: str | None = Field(
        None, description="sqlglot dialect the .sql files are written in (e.g. 'postgres')."
    )
    ddl: list[str] = Field(default_factory=list, description="DDL files run first, in order.")
    url: str | None = Field(None, description="Default target URL; --url and SEEDKIT_URL win.")
    infer_dependencies: bool = Field(
        True, strict=True, description="Add graph edges from the DDL's foreign keys."
    )
    history_table: str = Field("seedkit_history", description="Table recording applied steps.")


class DefaultsModel(Strict):
    """[defaults]: settings every step takes unless it says otherwise."""

    mode: Mode = Field(Mode.INSERT, description="Mode of row sources.")
    csv: CsvDefaultsModel = Field(default_factory=CsvDefaultsModel, description="CSV options.")


SOURCE_KEYS = ("sql", "csv", "rows", "source")


class StepModel(Strict):
    """[steps.NAME]: one table step with exactly one source."""

    table: str | None = Field(None, description="Target table; defaults to the step's name.")
    depends_on: list[str] = Field(default_factory=list, description="Steps that must run first.")
    mode: Mode | None = Field(None, description="insert, upsert, replace or mirror (row sources).")
    key: list[str] | None = Field(None, description="Key columns; default: the primary key.")
    sql: str | SqlOptionsModel | None = Field(None, description="SQL file or glob.")
    csv: str | CsvOptionsModel | None = Field(None, description="CSV file or glob, or options.")
    rows: list[dict[str, Any]] | None = Field(
        None,
        description="Inline rows, one table per row. A column a row leaves out takes the "
        "column's default; errors name the row, counted from 1 (`[steps.x.rows][2]`).",
    )
    source: dict[str, Any] | None = Field(
        None, description="A source of any registered kind: { kind = '…', … }."
    )
    tags: list[str] = Field(
        default_factory=list, description="Labels to pick steps by: --select/--exclude tag:NAME."
    )

    @model_validator(mode="after")
    def _one_source(self) -> StepModel:
        given = [k for k in SOURCE_KEYS if getattr(self, k) is not None]
        if len(given) != 1:
            names = ", ".join(f"`{k}`" for k in given) if given else "none"
            raise ValueError(
                f"a step needs exactly one source of `sql`, `csv`, `rows` or `source`; found {names}"
            )
        if self.sql is not None and self.mode is not None:
            raise ValueError("a SQL source runs as written and takes no `mode`; remove it")
        return self


class EnvironmentModel(Strict):
    """[environments.NAME]: what changes when `--env NAME` or SEEDKIT_ENV=NAME picks it."""

    url: str | None = Field(None, description="Target URL in this environment; --url wins.")
    modes: dict[str, Mode] = Field(
        default_factory=dict, description="Per-step mode in this environment: { step = 'mirror' }."
    )
    steps: dict[str, StepModel] = Field(
        default_factory=dict,
        description="Steps only in this environment; one named like a step replaces it.",
    )
    exclude: list[str] = Field(
        default_factory=list, description="Steps left out of this environment."
    )


class ManifestModel(Strict):
    """The whole seed.toml."""

    project: ProjectModel
    defaults: DefaultsModel = Field(default_factory=DefaultsModel)
    steps: dict[str, StepModel] = Field(default_factory=dict)
    environments: dict[str, EnvironmentModel] = Field(
        default_factory=dict, description="Named environments: --env NAME or SEEDKIT_ENV."
    )
