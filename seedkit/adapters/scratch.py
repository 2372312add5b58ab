"""Scratch databases emptied in place for their next use, where dropping one costs more.

PostgreSQL's DROP DATABASE forces an immediate checkpoint of the whole server: with a
database per test, a test suite spends most of its time waiting on those. A used
database is emptied instead (its schemas dropped, `public` made again as a new database
has it, its settings reset) and kept for the next use, but only when its catalog then
reads exactly as a new database's does (`fingerprint`): anything the emptying missed
has the database dropped after all (seedkit.pytest_plugin.ScratchDatabases).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa


class ScratchReset:
    """How a scratch database is emptied in place, and how its emptiness is proven."""

    def fingerprint(self, conn: sa.Connection) -> str:
        """What a new database and a well emptied one share (not object ids)."""
        raise NotImplementedError

    def empty(self, conn: sa.Connection) -> None:
        """Drop whatever a use left in the database `conn` is connected to."""
        raise NotImplementedError


# Catalogs whose rows a user's statements add (schemas aside): a new database holds
# none numbered from FirstNormalObjectId (16384) on. No `%` below: no placeholders.
_CATALOGS = [
    "pg_class",
    "pg_type",
    "pg_proc",
    "pg_extension",
    "pg_event_trigger",
    "pg_publication",
    "pg_foreign_data_wrapper",
    "pg_foreign_server",
    "pg_user_mapping",
    "pg_default_acl",
    "pg_largeobject_metadata",
    "pg_cast",
    "pg_operator",
    "pg_opclass",
    "pg_opfamily",
    "pg_collation",
    "pg_conversion",
    "pg_ts_config",
    "pg_ts_dict",
    "pg_ts_parser",
    "pg_ts_template",
    "pg_language",
    "pg_am",
    "pg_trigger",
    "pg_constraint",
    "pg_attrdef",
    "pg_rewrite",
    "pg_policy",
    "pg_transform",
    "pg_statistic_ext",
    "pg_enum",
]
_USER_SCHEMA = "left(nspname, 3) <> 'pg_' AND nspname <> 'information_schema'"

_FINGERPRINT = f"""
SELECT json_build_array(
  (SELECT json_agg(json_build_array(n.nspname, n.nspowner::regrole::text, n.nspacl::text,
                                    obj_description(n.oid, 'pg_namespace'))
                   ORDER BY n.nspname)
   FROM pg_namespace n WHERE {_USER_SCHEMA}),
  (SELECT json_agg(json_build_array(d.datdba::regrole::text, d.datacl::text, d.datconnlimit,
                                    d.datallowconn, d.dattablespace, d.datcollate, d.datctype,
                                    shobj_description(d.oid, 'pg_database')))
   FROM pg_database d WHERE d.datname = current_database()),
  (SELECT json_agg(s.setconfig::text ORDER BY s.setrole)
   FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
   WHERE d.datname = current_database()),
  (SELECT count(*) FROM pg_description WHERE objoid >= 16384
     AND objoid NOT IN (SELECT oid FROM pg_namespace)),
  {", ".join(f"(SELECT count(*) FROM {c} WHERE oid >= 16384)" for c in _CATALOGS)}
)::text
"""

_EMPTY = f"""
DO $empty$
DECLARE r record;
BEGIN
  FOR r IN SELECT nspname FROM pg_namespace WHERE {_USER_SCHEMA} LOOP
    EXECUTE 'DROP SCHEMA ' || quote_ident(r.nspname) || ' CASCADE';
  END LOOP;
  FOR r IN SELECT extname FROM pg_extension WHERE oid >= 16384 LOOP
    EXECUTE 'DROP EXTENSION IF EXISTS ' || quote_ident(r.extname) || ' CASCADE';
  END LOOP;
  PERFORM lo_unlink(oid) FROM pg_largeobject_metadata;
  EXECUTE 'ALTER DATABASE ' || quote_ident(current_database()) || ' RESET ALL';
  CREATE SCHEMA public AUTHORIZATION pg_database_owner;
  GRANT USAGE ON SCHEMA public TO PUBLIC;
  COMMENT ON SCHEMA public IS 'standard public schema';
END
$empty$
"""

# Sessions a test left open: ended (waiting up to 10 s for each) before the schemas go.
_END_SESSIONS = """
SELECT count(*) FILTER (WHERE NOT pg_terminate_backend(pid, 10000)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


class PostgresScratchReset(ScratchReset):
    """PostgreSQL (15 and later, where `public` belongs to pg_database_owner; on an older
    server the fingerprints differ, and each database is dropped as before)."""

    def fingerprint(self, conn: sa.Connection) -> str:
        """Schemas with owner, privileges and comment; the database's settings and
        privileges; and how many objects of each kind were made after it was."""
        return str(conn.exec_driver_sql(_FINGERPRINT).scalar())

    def empty(self, conn: sa.Connection) -> None:
        """End other sessions on the database, then drop every schema (`public` too, made
        again as new), every extension, large object and database setting."""
        if conn.exec_driver_sql(_END_SESSIONS).scalar():
            raise RuntimeError("a session on the scratch database would not end")
        conn.exec_driver_sql(_EMPTY)
