"""The `seedkit_db` fixture, used exactly as a user would: the example project run by pytester."""

from __future__ import annotations

import shutil

import pytest
from conftest import _server_url
from example import ROOT

pytest_plugins = ["pytester"]

EXAMPLE = ROOT / "examples" / "pytest-project"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A copy of examples/pytest-project as the test suite pytester runs."""
    for item in EXAMPLE.iterdir():
        if item.name in ("__pycache__", ".pytest_cache") or item.suffix == ".db":
            continue
        if item.is_dir():
            shutil.copytree(
                item, pytester.path / item.name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(item, pytester.path / item.name)
    return pytester


def test_example_suite_on_sqlite(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    assert not list(project.path.glob("*.db"))  # the databases live in each test's tmp_path


def test_example_suite_on_postgres(project: pytest.Pytester) -> None:
    server = _server_url("SEEDKIT_TEST_POSTGRES_URL")
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "--seedkit-url", server)
    result.assert_outcomes(passed=4)


def test_server_url_from_the_ini_file(project: pytest.Pytester) -> None:
    server = _server_url("SEEDKIT_TEST_POSTGRES_URL")
    ini = project.path / "pytest.ini"
    ini.write_text(ini.read_text() + f"seedkit_url = {server}\n")
    project.makepyfile(
        test_dialect="""
        def test_dialect(seedkit_db):
            assert seedkit_db.dialect.name == "postgresql"
            assert seedkit_db.url.database.startswith("seedkit_")
        """
    )
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "test_dialect.py")
    result.assert_outcomes(passed=1)


def test_marker_names_another_manifest(project: pytest.Pytester) -> None:
    shutil.copytree(ROOT / "manifests", project.path / "manifests")
    shutil.copytree(ROOT / "data" / "market", project.path / "data" / "market")
    project.makepyfile(
        test_market="""
        import pytest
        import sqlalchemy as sa

        @pytest.mark.seedkit(manifest="manifests/market/seed.toml", select=["+tickers"])
        def test_tickers(seedkit_db):
            with seedkit_db.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM tickers")).scalar() == 6
                assert conn.execute(sa.text("SELECT count(*) FROM rules")).scalar() == 0
        """
    )
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "test_market.py")
    result.assert_outcomes(passed=1)


def test_marker_picks_an_environment_and_excludes_steps(project: pytest.Pytester) -> None:
    manifest = project.path / "seed.toml"
    manifest.write_text(
        manifest.read_text()
        + '\n[environments.test]\nmodes = { colors = "upsert" }\nexclude = ["shades"]\n'
    )
    project.makepyfile(
        test_env="""
        import pytest
        import sqlalchemy as sa

        @pytest.mark.seedkit(env="test")
        def test_env(seedkit_db):
            with seedkit_db.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM colors")).scalar() == 3
                assert conn.execute(sa.text("SELECT count(*) FROM shades")).scalar() == 0
                history = "SELECT name, environment FROM seedkit_history WHERE kind = 'step'"
                assert conn.execute(sa.text(history)).fetchall() == [("colors", "test")]

        @pytest.mark.seedkit(exclude="shades")
        def test_exclude(seedkit_db):
            with seedkit_db.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM shades")).scalar() == 0
        """
    )
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "test_env.py")
    result.assert_outcomes(passed=2)


def test_a_broken_seed_errors_the_test_with_its_location(project: pytest.Pytester) -> None:
    (project.path / "data" / "colors.csv").write_text("color_id,name,hex\nx,red,#f00\n")
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "seeded_rows")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*seedkit could not seed sqlite:///*", "*colors.csv:2:1*"])


def test_no_manifest_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_x(seedkit_db):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*seedkit_db needs a manifest*"])
