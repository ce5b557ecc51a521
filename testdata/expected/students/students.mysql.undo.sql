-- dupsweep 0.1.0: undo the deletion of duplicate rows from table students
-- puts back the 14 rows that students.mysql.sql deleted, with their dumped values
-- Every step checks its result; any difference stops the script and rolls the whole
-- transaction back. Running it twice changes nothing more.
SET NAMES utf8mb4;
SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION';
SET SESSION group_concat_max_len = 16777216;
DROP TEMPORARY TABLE IF EXISTS `dupsweep_guard`;
CREATE TEMPORARY TABLE `dupsweep_guard` (`failure` VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY);
INSERT INTO `dupsweep_guard` VALUES ('dupsweep guard failed: the table changed since the dump; the transaction is rolled back'), ('dupsweep guard failed: the table is missing or not InnoDB, so a failure could not be rolled back'), ('dupsweep guard failed: a foreign key that dupsweep does not re-point references the table with ON DELETE CASCADE or SET NULL; the transaction is rolled back');
INSERT INTO `dupsweep_guard` SELECT IF(COUNT(*) = 1, 'ok: engine', 'dupsweep guard failed: the table is missing or not InnoDB, so a failure could not be rolled back') FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = _utf8mb4 X'73747564656e7473' AND ENGINE = 'InnoDB';
START TRANSACTION;
-- the dumped rows
DROP TEMPORARY TABLE IF EXISTS `dupsweep_raw`, `dupsweep_rows`;
CREATE TEMPORARY TABLE `dupsweep_raw` (`dupsweep_chunk` INT NOT NULL DEFAULT 0, `dupsweep_smask` VARBINARY(16383) NULL, `dupsweep_amask` VARBINARY(16383) NULL, `v0` LONGBLOB NULL, `v1` LONGBLOB NULL, `v2` LONGBLOB NULL, `v3` LONGBLOB NULL, `v4` LONGBLOB NULL, `v5` LONGBLOB NULL, `v6` LONGBLOB NULL, `v7` LONGBLOB NULL, `v8` LONGBLOB NULL, `v9` LONGBLOB NULL);
INSERT INTO `dupsweep_raw` VALUES
(1, NULL, NULL, '10', 'Elif', 'Haddad', 'elif.haddad2@school.example', '2014-01-28', '10', '461.05', '1', '', '2026-01-19 09:21:00'),
(1, NULL, NULL, '32', 'Léa', 'Dupont', 'léa.dupont3@school.example', '2009-05-14', '11', '167.50', '0', 'tab	here', '2026-06-18 09:30:00'),
(1, NULL, NULL, '58', 'Amina', 'Jensen', 'amina.jensen56@school.example', '2014-03-01', '10', '118.00', '0', '', '2026-03-18 07:24:00'),
(1, NULL, NULL, '84', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-01-25 08:43:00'),
(1, NULL, NULL, '92', 'Liam', 'Okafor', 'liam.okafor53@school.example', '2011-11-05', '1', '286.50', '0', '', '2026-04-18 05:18:00'),
(1, NULL, NULL, '94', 'Liam', 'Haddad', 'liam.haddad81@school.example', '2011-03-21', '10', '372.05', '1', '/* not a comment */ -- nor this', '2026-10-11 12:00:00'),
(1, NULL, NULL, '100', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00'),
(1, NULL, NULL, '105', 'Yusuf', 'Smith', 'yusuf.smith97@school.example', '2012-04-03', '6', '356.50', '0', '', '2026-05-15 00:13:00'),
(1, NULL, NULL, '108', 'zoe', 'García', 'zoe.garcía54@school.example', '2013-05-24', '7', '211.05', '0', '$dupsweep$ dollar $$ quoting', '2026-02-16 02:38:00'),
(1, NULL, NULL, '114', 'Omar', 'Haddad', 'omar.haddad105@school.example', '2010-08-06', '10', '218.99', '0', '/* not a comment */ -- nor this', '2026-02-21 03:43:00'),
(1, NULL, NULL, '125', 'Priya', 'Haddad', 'priya.haddad58@school.example', '2013-06-13', '12', '142.05', '0', '', '2026-04-26 01:11:00'),
(1, NULL, NULL, '128', 'Elif', 'Ivanova', 'elif.ivanova55@school.example', '2008-05-11', '9', '318.99', '1', NULL, '2026-03-21 00:16:00'),
(1, NULL, NULL, '130', 'Ngozi', 'Silva', 'ngozi.silva117@school.example', '2009-03-20', '9', '4.99', '0', '/* not a comment */ -- nor this', '2026-06-19 08:58:00'),
(1, NULL, NULL, '136', 'Zoë', 'Ng', 'z.ng@school.example', '2012-02-02', '7', '1.50', '1', '', '2026-01-01 00:00:00');
CREATE TEMPORARY TABLE `dupsweep_rows` (`dupsweep_chunk` INT NOT NULL DEFAULT 0, `dupsweep_smask` VARBINARY(16383) NULL, `dupsweep_amask` VARBINARY(16383) NULL, KEY (`dupsweep_chunk`))
  SELECT dupsweep_t.`id`, dupsweep_t.`first_name`, dupsweep_t.`last_name`, dupsweep_t.`email`, dupsweep_t.`birth_date`, dupsweep_t.`grade`, dupsweep_t.`balance`, dupsweep_t.`active`, dupsweep_t.`notes`, dupsweep_t.`updated_at` FROM (SELECT 1 AS `one`) dupsweep_one LEFT JOIN `students` dupsweep_t ON FALSE LIMIT 0;
SET @dupsweep_sql = (SELECT CONCAT('INSERT INTO `dupsweep_rows` SELECT x.`dupsweep_chunk`, x.`dupsweep_smask`, x.`dupsweep_amask`, ', GROUP_CONCAT(CASE WHEN c.COLUMN_TYPE = 'tinyint(1)' THEN CONCAT('CASE WHEN ', CONCAT('x.`v', m.i, '`'), ' IN (''t'', ''T'', ''true'', ''TRUE'', ''True'') THEN 1 WHEN ', CONCAT('x.`v', m.i, '`'), ' IN (''f'', ''F'', ''false'', ''FALSE'', ''False'') THEN 0 ELSE ', CONCAT('x.`v', m.i, '`'), ' END')
    WHEN c.DATA_TYPE IN ('datetime', 'timestamp') THEN CONCAT('REPLACE(', CONCAT('x.`v', m.i, '`'), ', ''T'', '' '')')
    WHEN c.CHARACTER_SET_NAME IS NOT NULL OR c.DATA_TYPE = 'json' THEN CONCAT('CONVERT(', CONCAT('x.`v', m.i, '`'), ' USING utf8mb4)')
    ELSE CONCAT('x.`v', m.i, '`') END ORDER BY m.i SEPARATOR ', '), ' FROM `dupsweep_raw` x')
  FROM information_schema.COLUMNS c JOIN (SELECT 0 AS i, _utf8mb4 X'6964' AS n UNION ALL SELECT 1 AS i, _utf8mb4 X'66697273745f6e616d65' AS n UNION ALL SELECT 2 AS i, _utf8mb4 X'6c6173745f6e616d65' AS n UNION ALL SELECT 3 AS i, _utf8mb4 X'656d61696c' AS n UNION ALL SELECT 4 AS i, _utf8mb4 X'62697274685f64617465' AS n UNION ALL SELECT 5 AS i, _utf8mb4 X'6772616465' AS n UNION ALL SELECT 6 AS i, _utf8mb4 X'62616c616e6365' AS n UNION ALL SELECT 7 AS i, _utf8mb4 X'616374697665' AS n UNION ALL SELECT 8 AS i, _utf8mb4 X'6e6f746573' AS n UNION ALL SELECT 9 AS i, _utf8mb4 X'757064617465645f6174' AS n) m
    ON LOWER(CONVERT(c.COLUMN_NAME USING utf8mb4)) COLLATE utf8mb4_bin = LOWER(m.n) COLLATE utf8mb4_bin
  WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = _utf8mb4 X'73747564656e7473');
PREPARE dupsweep_load FROM @dupsweep_sql;
EXECUTE dupsweep_load;
DEALLOCATE PREPARE dupsweep_load;
DROP TEMPORARY TABLE `dupsweep_raw`;
-- undo batch 1 of 1: 14 rows
INSERT INTO `students` (`id`, `first_name`, `last_name`, `email`, `birth_date`, `grade`, `balance`, `active`, `notes`, `updated_at`) SELECT d.`id`, d.`first_name`, d.`last_name`, d.`email`, d.`birth_date`, d.`grade`, d.`balance`, d.`active`, d.`notes`, d.`updated_at` FROM `dupsweep_rows` d
    WHERE d.`dupsweep_chunk` = 1 AND NOT EXISTS (SELECT 1 FROM `students` dupsweep_t WHERE dupsweep_t.`id` = d.`id`);
INSERT INTO `dupsweep_guard` SELECT IF(COUNT(*) = 14, 'ok: undo batch 1', 'dupsweep guard failed: the table changed since the dump; the transaction is rolled back') FROM `dupsweep_rows` d STRAIGHT_JOIN `students` dupsweep_t ON dupsweep_t.`id` = d.`id`
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
DROP TEMPORARY TABLE `dupsweep_rows`;
COMMIT;
DROP TEMPORARY TABLE `dupsweep_guard`;
