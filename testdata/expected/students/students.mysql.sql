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
    WHERE rc.CONSTRAINT_SCHEMA = DATABASE() AND rc.REFERENCED_TABLE_NAME = _utf8mb4 X'73747564656e7473' AND rc.DELETE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT');
-- the rows to delete and their survivors
DROP TEMPORARY TABLE IF EXISTS `dupsweep_raw`, `dupsweep_raw_s`, `dupsweep_rows`, `dupsweep_after`;
CREATE TEMPORARY TABLE `dupsweep_raw` (`dupsweep_chunk` INT NOT NULL DEFAULT 0, `dupsweep_role` CHAR(1) CHARACTER SET ascii NOT NULL DEFAULT '', `dupsweep_item` BIGINT NOT NULL DEFAULT 0, `dupsweep_ref` BIGINT NULL, `dupsweep_mask` VARBINARY(16383) NULL, `v0` LONGBLOB NULL, `v1` LONGBLOB NULL, `v2` LONGBLOB NULL, `v3` LONGBLOB NULL, `v4` LONGBLOB NULL, `v5` LONGBLOB NULL, `v6` LONGBLOB NULL, `v7` LONGBLOB NULL, `v8` LONGBLOB NULL, `v9` LONGBLOB NULL, KEY (`dupsweep_item`));
CREATE TEMPORARY TABLE `dupsweep_raw_s` (`dupsweep_chunk` INT NOT NULL DEFAULT 0, `dupsweep_role` CHAR(1) CHARACTER SET ascii NOT NULL DEFAULT '', `dupsweep_item` BIGINT NOT NULL DEFAULT 0, `dupsweep_ref` BIGINT NULL, `dupsweep_mask` VARBINARY(16383) NULL, `v0` LONGBLOB NULL, `v1` LONGBLOB NULL, `v2` LONGBLOB NULL, `v3` LONGBLOB NULL, `v4` LONGBLOB NULL, `v5` LONGBLOB NULL, `v6` LONGBLOB NULL, `v7` LONGBLOB NULL, `v8` LONGBLOB NULL, `v9` LONGBLOB NULL, KEY (`dupsweep_item`));
INSERT INTO `dupsweep_raw` VALUES
(1, 'd', 1, NULL, NULL, '10', 'Elif', 'Haddad', 'elif.haddad2@school.example', '2014-01-28', '10', '461.05', '1', '', '2026-01-19 09:21:00'),
(1, 'd', 2, NULL, NULL, '32', 'Léa', 'Dupont', 'léa.dupont3@school.example', '2009-05-14', '11', '167.50', '0', 'tab	here', '2026-06-18 09:30:00'),
(1, 'd', 3, NULL, NULL, '58', 'Amina', 'Jensen', 'amina.jensen56@school.example', '2014-03-01', '10', '118.00', '0', '', '2026-03-18 07:24:00'),
(1, 'd', 4, NULL, NULL, '84', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-01-25 08:43:00'),
(1, 'd', 5, NULL, NULL, '92', 'Liam', 'Okafor', 'liam.okafor53@school.example', '2011-11-05', '1', '286.50', '0', '', '2026-04-18 05:18:00'),
(1, 'd', 6, NULL, NULL, '94', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-10-11 12:00:00'),
(1, 'd', 7, NULL, NULL, '100', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00'),
(1, 'd', 8, NULL, NULL, '105', 'Yusuf', 'Smith', 'yusuf.smith97@school.example', '2012-04-03', '6', '356.50', '0', '', '2026-05-15 00:13:00'),
(1, 'd', 9, NULL, NULL, '108', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00'),
(1, 'd', 10, NULL, NULL, '114', 'Omar', 'Haddad', 'omar.haddad105@school.example', '2010-08-06', '10', '218.99', '0', '/* not a comment */ -- nor this', '2026-02-21 03:43:00'),
(1, 'd', 11, NULL, NULL, '125', 'Priya', 'Haddad', 'priya.haddad58@school.example', '2013-06-13', '12', '142.05', '0', '', '2026-04-26 01:11:00'),
(1, 'd', 12, NULL, NULL, '128', 'Elif', 'Ivanova', 'elif.ivanova55@school.example', '2008-05-11', '9', '318.99', '1', NULL, '2026-03-21 00:16:00'),
(1, 'd', 13, NULL, NULL, '130', 'Ngozi', 'Silva', 'ngozi.silva117@school.example', '2009-03-20', '9', '4.99', '0', '/* not a comment */ -- nor this', '2026-06-19 08:58:00'),
(1, 'd', 14, NULL, NULL, '136', 'Zoë', 'Ng', 'z.ng@school.example', '2012-02-02', '7', '1.50', '1', '', '2026-01-01 00:00:00');
INSERT INTO `dupsweep_raw_s` VALUES
(1, 's', 15, 1, '0111111111', '2', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, 's', 16, 2, '0111111111', '3', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, 's', 17, 3, '0111111110', '61', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-10-19 12:00:00'),
(1, 's', 18, 4, '0111111110', '88', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-10-11 12:00:00'),
(1, 's', 19, 5, '0111111111', '55', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, 's', 20, 7, '0111111111', '56', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, 's', 21, 8, '0111111111', '104', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, 's', 22, 10, '0111111110', '119', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-10-15 12:00:00'),
(1, 's', 23, 11, '0111111111', '60', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, 's', 24, 12, '0111111111', '57', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, 's', 25, 13, '0111111111', '127', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(1, 's', 26, 14, '0111111111', '134', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TEMPORARY TABLE `dupsweep_rows` (`dupsweep_chunk` INT NOT NULL DEFAULT 0, `dupsweep_role` CHAR(1) CHARACTER SET ascii NOT NULL DEFAULT '', `dupsweep_item` BIGINT NOT NULL DEFAULT 0, `dupsweep_ref` BIGINT NULL, `dupsweep_mask` VARBINARY(16383) NULL, KEY (`dupsweep_chunk`, `dupsweep_role`), KEY (`dupsweep_item`))
  SELECT dupsweep_t.`id`, dupsweep_t.`first_name`, dupsweep_t.`last_name`, dupsweep_t.`email`, dupsweep_t.`birth_date`, dupsweep_t.`grade`, dupsweep_t.`balance`, dupsweep_t.`active`, dupsweep_t.`notes`, dupsweep_t.`updated_at` FROM (SELECT 1 AS `one`) dupsweep_one LEFT JOIN `students` dupsweep_t ON FALSE LIMIT 0;
CREATE TEMPORARY TABLE `dupsweep_after` (`dupsweep_chunk` INT NOT NULL DEFAULT 0, `dupsweep_role` CHAR(1) CHARACTER SET ascii NOT NULL DEFAULT '', `dupsweep_item` BIGINT NOT NULL DEFAULT 0, `dupsweep_ref` BIGINT NULL, `dupsweep_mask` VARBINARY(16383) NULL, KEY (`dupsweep_chunk`, `dupsweep_role`), KEY (`dupsweep_item`))
  SELECT dupsweep_t.`id`, dupsweep_t.`first_name`, dupsweep_t.`last_name`, dupsweep_t.`email`, dupsweep_t.`birth_date`, dupsweep_t.`grade`, dupsweep_t.`balance`, dupsweep_t.`active`, dupsweep_t.`notes`, dupsweep_t.`updated_at` FROM (SELECT 1 AS `one`) dupsweep_one LEFT JOIN `students` dupsweep_t ON FALSE LIMIT 0;
SET @dupsweep_sql = (SELECT CONCAT('INSERT INTO `dupsweep_rows` SELECT x.`dupsweep_chunk`, x.`dupsweep_role`, x.`dupsweep_item`, x.`dupsweep_ref`, x.`dupsweep_mask`, ', GROUP_CONCAT(CASE WHEN c.COLUMN_TYPE = 'tinyint(1)' THEN CONCAT('CASE WHEN ', CONCAT('x.`v', m.i, '`'), ' IN (''t'', ''T'', ''true'', ''TRUE'', ''True'') THEN 1 WHEN ', CONCAT('x.`v', m.i, '`'), ' IN (''f'', ''F'', ''false'', ''FALSE'', ''False'') THEN 0 ELSE ', CONCAT('x.`v', m.i, '`'), ' END')
    WHEN c.DATA_TYPE IN ('datetime', 'timestamp') THEN CONCAT('REPLACE(', CONCAT('x.`v', m.i, '`'), ', ''T'', '' '')')
    WHEN c.CHARACTER_SET_NAME IS NOT NULL THEN CONCAT('CONVERT(', CONCAT('x.`v', m.i, '`'), ' USING utf8mb4)')
    ELSE CONCAT('x.`v', m.i, '`') END ORDER BY m.i SEPARATOR ', '), ' FROM `dupsweep_raw` x')
  FROM information_schema.COLUMNS c JOIN (SELECT 0 AS i, _utf8mb4 X'6964' AS n UNION ALL SELECT 1 AS i, _utf8mb4 X'66697273745f6e616d65' AS n UNION ALL SELECT 2 AS i, _utf8mb4 X'6c6173745f6e616d65' AS n UNION ALL SELECT 3 AS i, _utf8mb4 X'656d61696c' AS n UNION ALL SELECT 4 AS i, _utf8mb4 X'62697274685f64617465' AS n UNION ALL SELECT 5 AS i, _utf8mb4 X'6772616465' AS n UNION ALL SELECT 6 AS i, _utf8mb4 X'62616c616e6365' AS n UNION ALL SELECT 7 AS i, _utf8mb4 X'616374697665' AS n UNION ALL SELECT 8 AS i, _utf8mb4 X'6e6f746573' AS n UNION ALL SELECT 9 AS i, _utf8mb4 X'757064617465645f6174' AS n) m ON c.COLUMN_NAME = m.n
  WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = _utf8mb4 X'73747564656e7473');
PREPARE dupsweep_load FROM @dupsweep_sql;
EXECUTE dupsweep_load;
DEALLOCATE PREPARE dupsweep_load;
SET @dupsweep_sql = (SELECT CONCAT('INSERT INTO `dupsweep_rows` SELECT x.`dupsweep_chunk`, x.`dupsweep_role`, x.`dupsweep_item`, x.`dupsweep_ref`, x.`dupsweep_mask`, ', GROUP_CONCAT(CASE WHEN c.COLUMN_TYPE = 'tinyint(1)' THEN CONCAT('CASE WHEN ', CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)'), ' IN (''t'', ''T'', ''true'', ''TRUE'', ''True'') THEN 1 WHEN ', CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)'), ' IN (''f'', ''F'', ''false'', ''FALSE'', ''False'') THEN 0 ELSE ', CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)'), ' END')
    WHEN c.DATA_TYPE IN ('datetime', 'timestamp') THEN CONCAT('REPLACE(', CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)'), ', ''T'', '' '')')
    WHEN c.CHARACTER_SET_NAME IS NOT NULL THEN CONCAT('CONVERT(', CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)'), ' USING utf8mb4)')
    ELSE CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)') END ORDER BY m.i SEPARATOR ', '), ' FROM `dupsweep_raw_s` x JOIN `dupsweep_raw` b ON b.`dupsweep_item` = x.`dupsweep_ref` WHERE x.`dupsweep_role` = ''s''')
  FROM information_schema.COLUMNS c JOIN (SELECT 0 AS i, _utf8mb4 X'6964' AS n UNION ALL SELECT 1 AS i, _utf8mb4 X'66697273745f6e616d65' AS n UNION ALL SELECT 2 AS i, _utf8mb4 X'6c6173745f6e616d65' AS n UNION ALL SELECT 3 AS i, _utf8mb4 X'656d61696c' AS n UNION ALL SELECT 4 AS i, _utf8mb4 X'62697274685f64617465' AS n UNION ALL SELECT 5 AS i, _utf8mb4 X'6772616465' AS n UNION ALL SELECT 6 AS i, _utf8mb4 X'62616c616e6365' AS n UNION ALL SELECT 7 AS i, _utf8mb4 X'616374697665' AS n UNION ALL SELECT 8 AS i, _utf8mb4 X'6e6f746573' AS n UNION ALL SELECT 9 AS i, _utf8mb4 X'757064617465645f6174' AS n) m ON c.COLUMN_NAME = m.n
  WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = _utf8mb4 X'73747564656e7473');
PREPARE dupsweep_load FROM @dupsweep_sql;
EXECUTE dupsweep_load;
DEALLOCATE PREPARE dupsweep_load;
SET @dupsweep_sql = (SELECT CONCAT('INSERT INTO `dupsweep_after` SELECT x.`dupsweep_chunk`, x.`dupsweep_role`, x.`dupsweep_item`, x.`dupsweep_ref`, x.`dupsweep_mask`, ', GROUP_CONCAT(CASE WHEN c.COLUMN_TYPE = 'tinyint(1)' THEN CONCAT('CASE WHEN ', CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)'), ' IN (''t'', ''T'', ''true'', ''TRUE'', ''True'') THEN 1 WHEN ', CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)'), ' IN (''f'', ''F'', ''false'', ''FALSE'', ''False'') THEN 0 ELSE ', CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)'), ' END')
    WHEN c.DATA_TYPE IN ('datetime', 'timestamp') THEN CONCAT('REPLACE(', CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)'), ', ''T'', '' '')')
    WHEN c.CHARACTER_SET_NAME IS NOT NULL THEN CONCAT('CONVERT(', CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)'), ' USING utf8mb4)')
    ELSE CONCAT('IF(SUBSTRING(x.`dupsweep_mask`, ', m.i + 1, ', 1) = ''1'', b.`v', m.i, '`, x.`v', m.i, '`)') END ORDER BY m.i SEPARATOR ', '), ' FROM `dupsweep_raw_s` x JOIN `dupsweep_raw` b ON b.`dupsweep_item` = x.`dupsweep_ref` WHERE x.`dupsweep_role` = ''a''')
  FROM information_schema.COLUMNS c JOIN (SELECT 0 AS i, _utf8mb4 X'6964' AS n UNION ALL SELECT 1 AS i, _utf8mb4 X'66697273745f6e616d65' AS n UNION ALL SELECT 2 AS i, _utf8mb4 X'6c6173745f6e616d65' AS n UNION ALL SELECT 3 AS i, _utf8mb4 X'656d61696c' AS n UNION ALL SELECT 4 AS i, _utf8mb4 X'62697274685f64617465' AS n UNION ALL SELECT 5 AS i, _utf8mb4 X'6772616465' AS n UNION ALL SELECT 6 AS i, _utf8mb4 X'62616c616e6365' AS n UNION ALL SELECT 7 AS i, _utf8mb4 X'616374697665' AS n UNION ALL SELECT 8 AS i, _utf8mb4 X'6e6f746573' AS n UNION ALL SELECT 9 AS i, _utf8mb4 X'757064617465645f6174' AS n) m ON c.COLUMN_NAME = m.n
  WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = _utf8mb4 X'73747564656e7473');
PREPARE dupsweep_load FROM @dupsweep_sql;
EXECUTE dupsweep_load;
DEALLOCATE PREPARE dupsweep_load;
DROP TEMPORARY TABLE `dupsweep_raw`, `dupsweep_raw_s`;
-- batch 1 of 1: 14 rows
INSERT INTO `dupsweep_guard` SELECT IF(COUNT(*) = 0, 'ok: batch 1 survivors', 'dupsweep guard failed: the table changed since the dump; the transaction is rolled back') FROM `dupsweep_rows` s WHERE s.`dupsweep_chunk` = 1 AND s.`dupsweep_role` = 's'
    AND NOT EXISTS (SELECT 1 FROM `students` dupsweep_t WHERE dupsweep_t.`id` = s.`id`
      AND dupsweep_t.`id` <=> s.`id` AND CAST(dupsweep_t.`id` AS BINARY) <=> CAST(s.`id` AS BINARY)
      AND dupsweep_t.`first_name` <=> s.`first_name` AND CAST(dupsweep_t.`first_name` AS BINARY) <=> CAST(s.`first_name` AS BINARY)
      AND dupsweep_t.`last_name` <=> s.`last_name` AND CAST(dupsweep_t.`last_name` AS BINARY) <=> CAST(s.`last_name` AS BINARY)
      AND dupsweep_t.`email` <=> s.`email` AND CAST(dupsweep_t.`email` AS BINARY) <=> CAST(s.`email` AS BINARY)
      AND dupsweep_t.`birth_date` <=> s.`birth_date` AND CAST(dupsweep_t.`birth_date` AS BINARY) <=> CAST(s.`birth_date` AS BINARY)
      AND dupsweep_t.`grade` <=> s.`grade` AND CAST(dupsweep_t.`grade` AS BINARY) <=> CAST(s.`grade` AS BINARY)
      AND dupsweep_t.`balance` <=> s.`balance` AND CAST(dupsweep_t.`balance` AS BINARY) <=> CAST(s.`balance` AS BINARY)
      AND dupsweep_t.`active` <=> s.`active` AND CAST(dupsweep_t.`active` AS BINARY) <=> CAST(s.`active` AS BINARY)
      AND dupsweep_t.`notes` <=> s.`notes` AND CAST(dupsweep_t.`notes` AS BINARY) <=> CAST(s.`notes` AS BINARY)
      AND dupsweep_t.`updated_at` <=> s.`updated_at` AND CAST(dupsweep_t.`updated_at` AS BINARY) <=> CAST(s.`updated_at` AS BINARY));
DELETE dupsweep_t FROM `dupsweep_rows` d STRAIGHT_JOIN `students` dupsweep_t ON dupsweep_t.`id` = d.`id`
    WHERE d.`dupsweep_chunk` = 1 AND d.`dupsweep_role` = 'd'
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
INSERT INTO `dupsweep_guard` SELECT IF(@dupsweep_deleted IN (0, 14) AND COUNT(*) = 0, 'ok: batch 1 deleted', 'dupsweep guard failed: the table changed since the dump; the transaction is rolled back') FROM `dupsweep_rows` d STRAIGHT_JOIN `students` dupsweep_t ON dupsweep_t.`id` = d.`id`
    WHERE d.`dupsweep_chunk` = 1 AND d.`dupsweep_role` = 'd' AND CAST(dupsweep_t.`id` AS BINARY) = CAST(d.`id` AS BINARY);
DROP TEMPORARY TABLE `dupsweep_rows`, `dupsweep_after`;
COMMIT;
DROP TEMPORARY TABLE `dupsweep_guard`;
