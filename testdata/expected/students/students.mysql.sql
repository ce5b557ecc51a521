-- dupsweep 0.1.0: delete duplicate rows from table students
-- input: students.csv (sha256 f315a79c93487d9914c3f8c1fefb20e4ed8b8d235291c631e629e2e54da47cd1)
-- options: --pk id --ignore updated_at --keep max:updated_at --guard all --batch-size 1000
-- rows in the dump: 136; duplicate groups: 12; rows to delete: 14; batches: 1
-- Every batch deletes only rows that still hold their dumped values, and checks
-- that it deleted exactly the expected rows (or none, when the script was already
-- applied); any difference stops the script and rolls the whole transaction back.
-- run: mariadb DATABASE < THIS_FILE  (or mysql; without --force, so it stops at the first error)
SET NAMES utf8mb4;
SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION';
SET SESSION group_concat_max_len = 16777216;
DROP TEMPORARY TABLE IF EXISTS `dupsweep_guard`;
CREATE TEMPORARY TABLE `dupsweep_guard` (`failure` VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY);
INSERT INTO `dupsweep_guard` VALUES ('dupsweep guard failed: the table changed since the dump; the transaction is rolled back'), ('dupsweep guard failed: the table is missing or not InnoDB, so a failure could not be rolled back'), ('dupsweep guard failed: a foreign key that dupsweep does not re-point references the table with ON DELETE CASCADE or SET NULL; the transaction is rolled back');
INSERT INTO `dupsweep_guard` SELECT IF(COUNT(*) = 1, 'ok: engine', 'dupsweep guard failed: the table is missing or not InnoDB, so a failure could not be rolled back') FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = _utf8mb4 X'73747564656e7473' AND ENGINE = 'InnoDB';
START TRANSACTION;
INSERT INTO `dupsweep_guard` SELECT IF(COUNT(*) = 0, 'ok: no cascading foreign key', 'dupsweep guard failed: a foreign key that dupsweep does not re-point references the table with ON DELETE CASCADE or SET NULL; the transaction is rolled back') FROM information_schema.REFERENTIAL_CONSTRAINTS rc JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND k.TABLE_NAME = rc.TABLE_NAME
    WHERE rc.CONSTRAINT_SCHEMA = DATABASE() AND k.TABLE_SCHEMA = DATABASE() AND rc.REFERENCED_TABLE_NAME = _utf8mb4 X'73747564656e7473' AND rc.DELETE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT');
-- the dumped rows
DROP TEMPORARY TABLE IF EXISTS `dupsweep_raw`, `dupsweep_rows`;
CREATE TEMPORARY TABLE `dupsweep_raw` (`dupsweep_chunk` INT NOT NULL DEFAULT 0, `dupsweep_smask` VARBINARY(16383) NULL, `dupsweep_amask` VARBINARY(16383) NULL, `v0` LONGBLOB NULL, `v1` LONGBLOB NULL, `v2` LONGBLOB NULL, `v3` LONGBLOB NULL, `v4` LONGBLOB NULL, `v5` LONGBLOB NULL, `v6` LONGBLOB NULL, `v7` LONGBLOB NULL, `v8` LONGBLOB NULL, `v9` LONGBLOB NULL, `v10` LONGBLOB NULL, `v11` LONGBLOB NULL, `v12` LONGBLOB NULL, `v13` LONGBLOB NULL, `v14` LONGBLOB NULL, `v15` LONGBLOB NULL, `v16` LONGBLOB NULL, `v17` LONGBLOB NULL, `v18` LONGBLOB NULL, `v19` LONGBLOB NULL);
INSERT INTO `dupsweep_raw` VALUES
(1, '0111111111', NULL, '10', 'Elif', 'Haddad', 'elif.haddad2@school.example', '2014-01-28', '10', '461.05', '1', '', '2026-01-19 09:21:00', '2', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '32', 'Léa', 'Dupont', 'léa.dupont3@school.example', '2009-05-14', '11', '167.50', '0', 'tab	here', '2026-06-18 09:30:00', '3', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111110', NULL, '58', 'Amina', 'Jensen', 'amina.jensen56@school.example', '2014-03-01', '10', '118.00', '0', '', '2026-03-18 07:24:00', '61', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-10-19 12:00:00'),
(1, '0111111110', NULL, '84', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-01-25 08:43:00', '88', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-10-11 12:00:00'),
(1, '0111111111', NULL, '92', 'Liam', 'Okafor', 'liam.okafor53@school.example', '2011-11-05', '1', '286.50', '0', '', '2026-04-18 05:18:00', '55', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, NULL, NULL, '94', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-10-11 12:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '100', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00', '56', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '105', 'Yusuf', 'Smith', 'yusuf.smith97@school.example', '2012-04-03', '6', '356.50', '0', '', '2026-05-15 00:13:00', '104', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, NULL, NULL, '108', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111110', NULL, '114', 'Omar', 'Haddad', 'omar.haddad105@school.example', '2010-08-06', '10', '218.99', '0', '/* not a comment */ -- nor this', '2026-02-21 03:43:00', '119', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-10-15 12:00:00'),
(1, '0111111111', NULL, '125', 'Priya', 'Haddad', 'priya.haddad58@school.example', '2013-06-13', '12', '142.05', '0', '', '2026-04-26 01:11:00', '60', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '128', 'Elif', 'Ivanova', 'elif.ivanova55@school.example', '2008-05-11', '9', '318.99', '1', NULL, '2026-03-21 00:16:00', '57', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '130', 'Ngozi', 'Silva', 'ngozi.silva117@school.example', '2009-03-20', '9', '4.99', '0', '/* not a comment */ -- nor this', '2026-06-19 08:58:00', '127', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, '0111111111', NULL, '136', 'Zoë', 'Ng', 'z.ng@school.example', '2012-02-02', '7', '1.50', '1', '', '2026-01-01 00:00:00', '134', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TEMPORARY TABLE `dupsweep_rows` (`dupsweep_chunk` INT NOT NULL DEFAULT 0, `dupsweep_smask` VARBINARY(16383) NULL, `dupsweep_amask` VARBINARY(16383) NULL, KEY (`dupsweep_chunk`))
  SELECT dupsweep_t.`id`, dupsweep_t.`first_name`, dupsweep_t.`last_name`, dupsweep_t.`email`, dupsweep_t.`birth_date`, dupsweep_t.`grade`, dupsweep_t.`balance`, dupsweep_t.`active`, dupsweep_t.`notes`, dupsweep_t.`updated_at`, dupsweep_t.`id` AS `dupsweep_s0`, dupsweep_t.`first_name` AS `dupsweep_s1`, dupsweep_t.`last_name` AS `dupsweep_s2`, dupsweep_t.`email` AS `dupsweep_s3`, dupsweep_t.`birth_date` AS `dupsweep_s4`, dupsweep_t.`grade` AS `dupsweep_s5`, dupsweep_t.`balance` AS `dupsweep_s6`, dupsweep_t.`active` AS `dupsweep_s7`, dupsweep_t.`notes` AS `dupsweep_s8`, dupsweep_t.`updated_at` AS `dupsweep_s9` FROM (SELECT 1 AS `one`) dupsweep_one LEFT JOIN `students` dupsweep_t ON FALSE LIMIT 0;
SET @dupsweep_sql = (SELECT CONCAT('INSERT INTO `dupsweep_rows` SELECT x.`dupsweep_chunk`, x.`dupsweep_smask`, x.`dupsweep_amask`, ', GROUP_CONCAT(CASE WHEN c.COLUMN_TYPE = 'tinyint(1)' THEN CONCAT('CASE WHEN ', CONCAT('x.`v', m.i, '`'), ' IN (''t'', ''T'', ''true'', ''TRUE'', ''True'') THEN 1 WHEN ', CONCAT('x.`v', m.i, '`'), ' IN (''f'', ''F'', ''false'', ''FALSE'', ''False'') THEN 0 ELSE ', CONCAT('x.`v', m.i, '`'), ' END')
    WHEN c.DATA_TYPE IN ('datetime', 'timestamp') THEN CONCAT('REPLACE(', CONCAT('x.`v', m.i, '`'), ', ''T'', '' '')')
    WHEN c.CHARACTER_SET_NAME IS NOT NULL OR c.DATA_TYPE = 'json' THEN CONCAT('CONVERT(', CONCAT('x.`v', m.i, '`'), ' USING utf8mb4)')
    ELSE CONCAT('x.`v', m.i, '`') END ORDER BY m.i SEPARATOR ', '), ', ', GROUP_CONCAT(CASE WHEN c.COLUMN_TYPE = 'tinyint(1)' THEN CONCAT('CASE WHEN ', CONCAT('IF(SUBSTRING(x.`dupsweep_smask`, ', m.i + 1, ', 1) = ''1'', x.`v', m.i, '`, x.`v', m.i + 10, '`)'), ' IN (''t'', ''T'', ''true'', ''TRUE'', ''True'') THEN 1 WHEN ', CONCAT('IF(SUBSTRING(x.`dupsweep_smask`, ', m.i + 1, ', 1) = ''1'', x.`v', m.i, '`, x.`v', m.i + 10, '`)'), ' IN (''f'', ''F'', ''false'', ''FALSE'', ''False'') THEN 0 ELSE ', CONCAT('IF(SUBSTRING(x.`dupsweep_smask`, ', m.i + 1, ', 1) = ''1'', x.`v', m.i, '`, x.`v', m.i + 10, '`)'), ' END')
    WHEN c.DATA_TYPE IN ('datetime', 'timestamp') THEN CONCAT('REPLACE(', CONCAT('IF(SUBSTRING(x.`dupsweep_smask`, ', m.i + 1, ', 1) = ''1'', x.`v', m.i, '`, x.`v', m.i + 10, '`)'), ', ''T'', '' '')')
    WHEN c.CHARACTER_SET_NAME IS NOT NULL OR c.DATA_TYPE = 'json' THEN CONCAT('CONVERT(', CONCAT('IF(SUBSTRING(x.`dupsweep_smask`, ', m.i + 1, ', 1) = ''1'', x.`v', m.i, '`, x.`v', m.i + 10, '`)'), ' USING utf8mb4)')
    ELSE CONCAT('IF(SUBSTRING(x.`dupsweep_smask`, ', m.i + 1, ', 1) = ''1'', x.`v', m.i, '`, x.`v', m.i + 10, '`)') END ORDER BY m.i SEPARATOR ', '), ' FROM `dupsweep_raw` x')
  FROM information_schema.COLUMNS c JOIN (SELECT 0 AS i, _utf8mb4 X'6964' AS n UNION ALL SELECT 1 AS i, _utf8mb4 X'66697273745f6e616d65' AS n UNION ALL SELECT 2 AS i, _utf8mb4 X'6c6173745f6e616d65' AS n UNION ALL SELECT 3 AS i, _utf8mb4 X'656d61696c' AS n UNION ALL SELECT 4 AS i, _utf8mb4 X'62697274685f64617465' AS n UNION ALL SELECT 5 AS i, _utf8mb4 X'6772616465' AS n UNION ALL SELECT 6 AS i, _utf8mb4 X'62616c616e6365' AS n UNION ALL SELECT 7 AS i, _utf8mb4 X'616374697665' AS n UNION ALL SELECT 8 AS i, _utf8mb4 X'6e6f746573' AS n UNION ALL SELECT 9 AS i, _utf8mb4 X'757064617465645f6174' AS n) m
    ON LOWER(CONVERT(c.COLUMN_NAME USING utf8mb4)) COLLATE utf8mb4_bin = LOWER(m.n) COLLATE utf8mb4_bin
  WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = _utf8mb4 X'73747564656e7473');
PREPARE dupsweep_load FROM @dupsweep_sql;
EXECUTE dupsweep_load;
DEALLOCATE PREPARE dupsweep_load;
DROP TEMPORARY TABLE `dupsweep_raw`;
-- batch 1 of 1: 14 rows
DELETE dupsweep_t FROM `dupsweep_rows` d STRAIGHT_JOIN `students` dupsweep_t ON dupsweep_t.`id` = d.`id`
    WHERE d.`dupsweep_chunk` = 1
      AND dupsweep_t.`id` <=> d.`id` AND CAST(dupsweep_t.`id` AS BINARY) <=> CAST(d.`id` AS BINARY)
      AND dupsweep_t.`first_name` <=> d.`first_name` AND CAST(dupsweep_t.`first_name` AS BINARY) <=> CAST(d.`first_name` AS BINARY)
      AND dupsweep_t.`last_name` <=> d.`last_name` AND CAST(dupsweep_t.`last_name` AS BINARY) <=> CAST(d.`last_name` AS BINARY)
      AND dupsweep_t.`email` <=> d.`email` AND CAST(dupsweep_t.`email` AS BINARY) <=> CAST(d.`email` AS BINARY)
      AND dupsweep_t.`birth_date` <=> d.`birth_date` AND CAST(dupsweep_t.`birth_date` AS BINARY) <=> CAST(d.`birth_date` AS BINARY)
      AND dupsweep_t.`grade` <=> d.`grade` AND CAST(dupsweep_t.`grade` AS BINARY) <=> CAST(d.`grade` AS BINARY)
      AND dupsweep_t.`balance` <=> d.`balance` AND CAST(dupsweep_t.`balance` AS BINARY) <=> CAST(d.`balance` AS BINARY)
      AND dupsweep_t.`active` <=> d.`active` AND CAST(dupsweep_t.`active` AS BINARY) <=> CAST(d.`active` AS BINARY)
      AND dupsweep_t.`notes` <=> d.`notes` AND CAST(dupsweep_t.`notes` AS BINARY) <=> CAST(d.`notes` AS BINARY)
      AND dupsweep_t.`updated_at` <=> d.`updated_at` AND CAST(dupsweep_t.`updated_at` AS BINARY) <=> CAST(d.`updated_at` AS BINARY);
SET @dupsweep_deleted = ROW_COUNT();
INSERT INTO `dupsweep_guard` SELECT IF(CASE @dupsweep_deleted WHEN 14 THEN (SELECT COUNT(*) FROM `dupsweep_rows` d WHERE d.`dupsweep_chunk` = 1 AND d.`dupsweep_smask` IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM `students` dupsweep_t WHERE dupsweep_t.`id` = d.`dupsweep_s0`
      AND dupsweep_t.`id` <=> d.`dupsweep_s0` AND CAST(dupsweep_t.`id` AS BINARY) <=> CAST(d.`dupsweep_s0` AS BINARY)
      AND dupsweep_t.`first_name` <=> d.`dupsweep_s1` AND CAST(dupsweep_t.`first_name` AS BINARY) <=> CAST(d.`dupsweep_s1` AS BINARY)
      AND dupsweep_t.`last_name` <=> d.`dupsweep_s2` AND CAST(dupsweep_t.`last_name` AS BINARY) <=> CAST(d.`dupsweep_s2` AS BINARY)
      AND dupsweep_t.`email` <=> d.`dupsweep_s3` AND CAST(dupsweep_t.`email` AS BINARY) <=> CAST(d.`dupsweep_s3` AS BINARY)
      AND dupsweep_t.`birth_date` <=> d.`dupsweep_s4` AND CAST(dupsweep_t.`birth_date` AS BINARY) <=> CAST(d.`dupsweep_s4` AS BINARY)
      AND dupsweep_t.`grade` <=> d.`dupsweep_s5` AND CAST(dupsweep_t.`grade` AS BINARY) <=> CAST(d.`dupsweep_s5` AS BINARY)
      AND dupsweep_t.`balance` <=> d.`dupsweep_s6` AND CAST(dupsweep_t.`balance` AS BINARY) <=> CAST(d.`dupsweep_s6` AS BINARY)
      AND dupsweep_t.`active` <=> d.`dupsweep_s7` AND CAST(dupsweep_t.`active` AS BINARY) <=> CAST(d.`dupsweep_s7` AS BINARY)
      AND dupsweep_t.`notes` <=> d.`dupsweep_s8` AND CAST(dupsweep_t.`notes` AS BINARY) <=> CAST(d.`dupsweep_s8` AS BINARY)
      AND dupsweep_t.`updated_at` <=> d.`dupsweep_s9` AND CAST(dupsweep_t.`updated_at` AS BINARY) <=> CAST(d.`dupsweep_s9` AS BINARY))) = 0 WHEN 0 THEN (SELECT COUNT(*) FROM `dupsweep_rows` d STRAIGHT_JOIN `students` dupsweep_t ON dupsweep_t.`id` = d.`id`
    WHERE d.`dupsweep_chunk` = 1 AND CAST(dupsweep_t.`id` AS BINARY) = CAST(d.`id` AS BINARY)) = 0 ELSE FALSE END, 'ok: batch 1', 'dupsweep guard failed: the table changed since the dump; the transaction is rolled back') FROM DUAL;
DROP TEMPORARY TABLE `dupsweep_rows`;
COMMIT;
DROP TEMPORARY TABLE `dupsweep_guard`;
