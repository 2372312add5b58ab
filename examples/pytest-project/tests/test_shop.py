"""An application's tests, each on a freshly seeded database from seed.toml."""

import pytest
import sqlalchemy as sa

SEEN_URLS: list[str] = []


def test_seeded_rows(seedkit_db: sa.Engine) -> None:
    with seedkit_db.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT s.name, c.name, s.note FROM shades s "
                "JOIN colors c ON c.color_id = s.color_id ORDER BY s.shade_id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("crimson", "red", "deep red"),
        ("mint", "green", None),
        ("navy", "blue", ""),
    ]
    SEEN_URLS.append(str(seedkit_db.url))


def test_changes_stay_in_this_test(seedkit_db: sa.Engine) -> None:
    with seedkit_db.begin() as conn:
        conn.execute(sa.text("DELETE FROM shades"))
        assert conn.execute(sa.text("SELECT count(*) FROM shades")).scalar() == 0
    SEEN_URLS.append(str(seedkit_db.url))


def test_each_test_has_its_own_database(seedkit_db: sa.Engine) -> None:
    with seedkit_db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM shades")).scalar() == 3
    assert str(seedkit_db.url) not in SEEN_URLS


@pytest.mark.seedkit(select=["colors"])
def test_marker_selects_steps(seedkit_db: sa.Engine) -> None:
    with seedkit_db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM colors")).scalar() == 3
        assert conn.execute(sa.text("SELECT count(*) FROM shades")).scalar() == 0
