"""FakerSource: `count` generated rows, one Faker provider (or rule) per column.

Determinism: every column draws from its own generator seeded with `seed` and the
column's name, so the same manifest gives the same rows on every run and every
database, and adding a column leaves the others' values as they were. (Faker's own
data changes between Faker releases: pin Faker where rows must not move.)

Foreign keys: a column given as `{ ref = "customers.customer_id" }`, and every
single-column foreign key of the target table that `columns` does not list, takes
values picked (by the seeded generator) from the keys earlier steps loaded, read
through the executor's `self.reader`; the graph's edges (from the DDL's foreign keys)
make those steps run first.
"""

from __future__ import annotations

import difflib
import os
import random
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from seedkit.errors import DataError, Location, ManifestError
from seedkit.sources.base import Source
from seedkit.sources.values import KeyedRowBatch, typed_value

if TYPE_CHECKING:
    from faker import Faker

    from seedkit.schema import Column, Table

_RULES = ("provider", "ref", "sequence", "choice", "value")


class ColumnSpec(BaseModel):
    """How one column is filled: exactly one of provider, ref, sequence, choice or value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str | None = Field(None, description="A Faker provider method: 'name', 'email'…")
    args: list[Any] = Field(default_factory=list, description="Positional arguments to it.")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments to it.")
    unique: bool = Field(False, description="Never repeat a value (Faker's `unique`).")
    ref: str | None = Field(
        None, description="'table.column' whose loaded values this column picks from."
    )
    sequence: int | None = Field(None, description="Consecutive integers from this one.")
    choice: list[Any] | None = Field(None, description="Pick one of these values.")
    value: Any = Field(None, description="The same value in every row.")

    @model_validator(mode="after")
    def _one_rule(self) -> ColumnSpec:
        given = [r for r in _RULES if getattr(self, r) is not None]
        if len(given) != 1:
            raise ValueError(
                "a column needs exactly one of `provider`, `ref`, `sequence`, `choice` or "
                f"`value`; found {', '.join(given) or 'none'}"
            )
        if self.choice is not None and not self.choice:
            raise ValueError("`choice` needs at least one value")
        return self


class FakerOptions(BaseModel):
    """`source = { kind = "faker", count = …, seed = …, columns = { … } }`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = Field(ge=0, description="How many rows to generate.")
    seed: int | None = Field(
        None, description="Seed for repeatable rows; without it every run differs."
    )
    locale: str | list[str] = Field("en_US", description="Faker locale(s), e.g. 'de_CH'.")
    columns: dict[str, str | ColumnSpec] = Field(
        default_factory=dict,
        description="Column name -> a Faker provider name, or a table with one rule.",
    )
    fill_foreign_keys: bool = Field(
        True,
        description="Fill single-column foreign keys not listed in `columns` from parent keys.",
    )


class FakerSource(Source):
    """Generated rows typed by the target table, deterministic for a given seed."""

    kind = "faker"
    options_model = FakerOptions

    @property
    def _options(self) -> FakerOptions:
        assert isinstance(self.options, FakerOptions)
        return self.options

    def describe(self) -> str:
        """`faker (N rows, seed S)` for plans."""
        seed = self._options.seed
        return f"faker ({self._options.count} rows, " + (
            f"seed {seed})" if seed is not None else "no seed)"
        )

    def count_rows(self) -> int:
        """`count`."""
        return self._options.count

    def specs(self, table: Table | None) -> dict[str, ColumnSpec]:
        """Every column this source fills with its rule: the listed ones, then foreign keys."""
        result = {
            name: spec if isinstance(spec, ColumnSpec) else ColumnSpec(provider=spec)
            for name, spec in self._options.columns.items()
        }
        if table is not None and self._options.fill_foreign_keys:
            listed = {n.lower() for n in result}
            for fk in table.foreign_keys:
                column = fk.columns[0]
                self_ref = fk.ref_table.split(".")[-1].lower() == table.name.lower()
                if len(fk.columns) == 1 and column.lower() not in listed and not self_ref:
                    result[column] = ColumnSpec(ref=f"{fk.ref_table}.{fk.ref_columns[0]}")
        return result

    def columns(self, table: Table | None) -> list[str]:
        """The listed columns, then the foreign-key columns filled from parent keys."""
        return list(self.specs(table))

    def validate(self, table: Table | None) -> None:
        """Columns exist in the table, providers exist in Faker, refs name `table.column`."""
        fake = self._faker(0)
        for name, spec in self.specs(table).items():
            where = self._where(name)
            if table is not None and table.column(name) is None:
                raise ManifestError(
                    f"column `{name}` is not a column of table {table.qualified_name}",
                    location=where,
                    hint="columns: " + ", ".join(c.name for c in table.columns),
                )
            if spec.provider is not None and not callable(_provider(fake, spec.provider)):
                close = difflib.get_close_matches(spec.provider, _providers(fake), n=1)
                raise ManifestError(
                    f"Faker has no provider `{spec.provider}`",
                    location=where,
                    hint=f"did you mean `{close[0]}`?"
                    if close
                    else "see https://faker.readthedocs.io/en/master/providers.html",
                )
            if spec.ref is not None and "." not in spec.ref:
                raise ManifestError(
                    f"`ref = {spec.ref!r}` needs the form 'table.column'",
                    location=where,
                    hint='for example: ref = "customers.customer_id"',
                )

    def batches(self, table: Table | None, size: int = 10_000) -> Iterator[KeyedRowBatch]:
        """`count` rows in batches of at most `size`, each value typed by its column."""
        specs = self.specs(table)
        names = tuple(specs)
        makers = [self._maker(name, spec) for name, spec in specs.items()]
        columns = [table.column(n) if table else None for n in names]
        manifest_loc = self.context.locate()
        dotted = manifest_loc.key or "source"
        total = self._options.count
        for start in range(0, total, size):
            rows: list[tuple[Any, ...]] = []
            for index in range(start, min(start + size, total)):
                values = []
                for name, make, column in zip(names, makers, columns, strict=True):
                    values.append(self._typed(name, column, make(index), index))
                rows.append(tuple(values))
            keys = [f"{dotted} row {i}" for i in range(start, start + len(rows))]
            yield KeyedRowBatch(names, rows, manifest_loc.file, keys=keys, line=manifest_loc.line)

    def _typed(self, name: str, column: Column | None, value: Any, index: int) -> Any:
        from seedkit.schema import TypeKind

        if column is None or value is None:
            return value
        if column.kind is TypeKind.TEXT and not isinstance(value, str):
            return str(value)  # generated numbers for text columns: no surprise in a generator
        try:
            return typed_value(column, value)
        except ValueError as exc:
            raise DataError(
                f"row {index}, column `{name}`: {exc}",
                location=self._where(name),
                hint=f"pick a provider that gives a {column.kind.value} ({column.type})",
            ) from None

    def _where(self, name: str) -> Location:
        listed = name in self._options.columns
        return self.context.locate("columns", name) if listed else self.context.locate()

    def _seed(self, name: str) -> str | int:
        seed = self._options.seed
        if seed is None:
            return int.from_bytes(os.urandom(8), "big")
        return f"{seed}:{name}"

    def _faker(self, seed: str | int) -> Faker:
        from faker import Faker

        locale = self._options.locale
        fake = Faker(locale if isinstance(locale, str) else list(locale))
        fake.seed_instance(seed)
        return fake

    def _maker(self, name: str, spec: ColumnSpec) -> Callable[[int], Any]:
        """A function from the row index to this column's value."""
        if spec.sequence is not None:
            first = spec.sequence
            return lambda index: first + index
        if spec.value is not None:
            constant = spec.value
            return lambda index: constant
        rng = random.Random(self._seed(name))
        if spec.choice is not None:
            options = list(spec.choice)
            return lambda index: rng.choice(options)
        if spec.ref is not None:
            keys = self._parent_keys(name, spec.ref)
            return lambda index: rng.choice(keys)
        assert spec.provider is not None
        fake = self._faker(self._seed(name))
        source = fake.unique if spec.unique else fake
        method = _provider(source, spec.provider)
        args, kwargs = list(spec.args), dict(spec.kwargs)
        return lambda index: method(*args, **kwargs)

    def _parent_keys(self, name: str, ref: str) -> list[Any]:
        table, column = ref.rsplit(".", 1)
        if self.reader is None:
            raise DataError(
                f"column `{name}` picks from `{ref}`, but no earlier steps are readable here",
                location=self._where(name),
                hint="this source runs inside `seedkit apply` (or `check`), after its parents",
            )
        keys = sorted(
            {v for v in self.reader.column_values(table, column) if v is not None},
            key=lambda v: (type(v).__name__, v),
        )
        if not keys:
            raise DataError(
                f"column `{name}` picks from `{ref}`, which has no rows yet",
                location=self._where(name),
                hint=f"seed `{table}` in an earlier step (depends_on, or a foreign key in the DDL)",
            )
        return keys


def _provider(fake: Any, name: str) -> Any:
    if name.startswith("_"):
        return None
    try:
        return getattr(fake, name)
    except AttributeError:
        return None


def _providers(fake: Faker) -> list[str]:
    return [n for n in dir(fake) if not n.startswith("_")]
