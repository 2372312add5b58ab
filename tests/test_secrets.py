"""No command prints a secret a URL carries, in text or JSON, output or error (issue 19, item 5).

A URL carries a password as `user:password@`, as `?password=`, and as other driver
options (`sslpassword`, a token). Before, `?password=` was printed by plan, status,
reset, apply's JSON and error messages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from example import copy_example
from typer.testing import CliRunner

from seedkit.cli import app
from seedkit.secrets import mask_url, scrub, url_secrets

SECRETS = ("Sekr3tUser", "Sekr3tQuery", "Sekr3tSsl")


def _with_secrets(url: str, options: str = "?password=Sekr3tQuery&sslpassword=Sekr3tSsl") -> str:
    """`url` carrying a secret in each place libpq reads one (trust auth ignores them)."""
    parsed = sa.make_url(url).set(password="Sekr3tUser")
    return parsed.render_as_string(hide_password=False) + options


def _run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args))
    output = result.stdout + result.stderr
    assert result.exit_code == code, output
    for secret in SECRETS:
        assert secret not in output, f"{secret} printed by {args[0]}:\n{output}"
    return output


def test_mask_url_hides_every_secret_and_keeps_the_rest() -> None:
    url = (
        "postgresql+psycopg://me:p%40ss@db:5432/app?sslmode=require&password=q1"
        "&sslpassword=q2&api_key=q3&passfile=/home/me/.pgpass"
    )
    assert mask_url(url) == (
        "postgresql+psycopg://me:***@db:5432/app?sslmode=require&password=***"
        "&sslpassword=***&api_key=***&passfile=/home/me/.pgpass"
    )
    assert {"p%40ss", "p@ss", "q1", "q2", "q3"} <= url_secrets(url)
    assert "/home/me/.pgpass" not in url_secrets(url)


def test_scrub_removes_remembered_secrets_but_leaves_words_holding_a_short_one() -> None:
    assert scrub("password ab failed; abc ab", {"ab"}) == "password *** failed; abc ***"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_command_prints_a_secret_of_the_url(pg_url: str, tmp_path: Path, fmt: str) -> None:
    manifest = str(copy_example(tmp_path))
    url = _with_secrets(pg_url)
    base = ["-m", manifest, "--url", url, "--format", fmt]
    out = _run("plan", *base)
    assert "***" in out
    assert "***" in _run("apply", *base)
    assert "***" in _run("status", *base)
    assert "***" in _run("plan", *base, "-v")
    assert "***" in _run("apply", *base, "--fresh", "--yes")
    assert "***" in _run("reset", *base, "--yes")


def test_a_connection_error_does_not_print_the_secrets(pg_url: str, tmp_path: Path) -> None:
    manifest = str(copy_example(tmp_path))
    url = _with_secrets(sa.make_url(pg_url).set(database="no_such_db_i19").render_as_string(False))
    for command in ("apply", "status", "plan"):
        out = _run(command, "-m", manifest, "--url", url, code=2)
        assert "cannot connect to" in out and "***" in out


def test_a_refused_password_is_not_printed(mysql_url: str, tmp_path: Path) -> None:
    manifest = str(copy_example(tmp_path))
    url = _with_secrets(mysql_url, "?password=Sekr3tQuery")
    out = _run("apply", "-m", manifest, "--url", url, "--format", "json", code=2)
    assert "cannot connect to" in out and "Access denied" in out


def test_an_option_the_driver_does_not_take_is_a_located_error(
    mysql_url: str, tmp_path: Path
) -> None:
    manifest = str(copy_example(tmp_path))
    url = _with_secrets(mysql_url)
    out = _run("apply", "-m", manifest, "--url", url, code=2)
    assert "cannot connect to" in out and "sslpassword" in out and "error: unexpected" not in out


def test_an_unusable_url_does_not_print_the_secrets(tmp_path: Path) -> None:
    manifest = str(copy_example(tmp_path))
    url = "postgresql+psycopg://me:Sekr3tUser@db:notaport/app?password=Sekr3tQuery"
    out = _run("apply", "-m", manifest, "--url", url, code=2)
    assert "***" in out
