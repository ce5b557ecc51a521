//! Every default value, in one place. The README's CLI reference repeats them.

/// `--keep`: the earliest record in the file survives.
pub const KEEP: &str = "first";
/// `--dialect`: PostgreSQL.
pub const DIALECTS: &[&str] = &["postgres"];
/// `--dialect` for a `mysqldump` file: MySQL/MariaDB.
pub const MYSQLDUMP_DIALECTS: &[&str] = &["mysql"];
/// `--out`.
pub const OUT_DIR: &str = "dupsweep-out";
/// `--batch-size`: rows deleted per statement.
pub const BATCH_SIZE: usize = 1000;
/// Largest SQL statement the batching aims for, in bytes (MySQL's `max_allowed_packet` is
/// 4 MiB in old servers; 16 MiB in MariaDB and 64 MiB in MySQL 8 by default).
pub const BATCH_BYTES: usize = 1 << 20;
/// `--commit`: one transaction, committed at the end.
pub const COMMIT: &str = "end";
/// `--guard`: rows are deleted only if every column still holds its dumped value.
pub const GUARD: &str = "all";
/// `--threshold`: the match probability from which a fuzzy pair is a duplicate (README,
/// "Choosing the threshold").
pub const THRESHOLD: f64 = 0.95;
/// `--review-threshold`: pairs from here up to the threshold go to the review file.
pub const REVIEW_THRESHOLD: f64 = 0.5;
/// `--group-floor`: every member of a fuzzy group matches every other at least at this
/// probability (the chaining guard). Well under the review threshold, because entities with
/// varied records (a paper's conference and journal citations) would otherwise be split apart;
/// the scores it reads are cautious ones (the lower of a pair's rule's model and the model of
/// all pairs).
pub const GROUP_FLOOR: f64 = 0.2;
/// `--max-group`: the largest group fuzzy matching forms.
pub const MAX_GROUP: usize = 50;
