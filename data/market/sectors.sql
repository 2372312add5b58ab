-- Sectors. Codes keep their leading zeros; this comment holds a ; on purpose.
INSERT INTO sectors (sector_id, code, name, description) VALUES
    (10, '0010', 'Information Technology', 'Software; hardware; semiconductors'),
    (20, '0020', 'Consumer Staples', ''),
    (30, '0030', 'Consumer Discretionary', NULL);

INSERT INTO sectors (sector_id, code, name, description)
VALUES (40, '0040', 'Financials', 'Banks, insurers
and exchanges');
