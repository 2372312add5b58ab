"""SQL text as seedkit reads it: statements split with their file, line and column
(`split`), and the data lines of a `COPY … FROM stdin` block (`copyblock`).

The lowest layer that knows SQL: the DDL reader (seedkit.schema) and the SQL source
(seedkit.sources.sql) both split with it, and it imports nothing of seedkit but errors.
"""
