-- A SQL step: statements run as written (transpiled when the target's dialect differs).
-- An empty unquoted CSV field would be NULL; here NULL is written out.
INSERT INTO shades (shade_id, color_id, name, note) VALUES
    (1, 1, 'crimson', 'deep red'),
    (2, 2, 'mint', NULL),
    (3, 3, 'navy', '');
