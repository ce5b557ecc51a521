//! Reads a Parquet dump into a [`Table`] with Polars: any column types, real nulls.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Location, Result};
use crate::model::{Source, Table};

pub fn read(
    path: &Path,
    bytes: Vec<u8>,
    source: Source,
    (name, schema): (String, Option<String>),
) -> Result<Table> {
    let df = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| unreadable(path, e))?;
    if df.width() == 0 {
        return Err(Error::data(
            Location::file(path),
            "the Parquet file has no columns",
        ));
    }
    let columns = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    Ok(Table {
        name,
        source,
        columns,
        df,
        raw: None,
        subset: None,
        schema,
    })
}

/// A column's values as text, as dupsweep writes them into SQL, the removed file's survivor
/// keys and messages: Polars' own cast to text, except for timestamps with a time zone. Polars
/// formats those only with its `timezones` feature (without it, it fails on some files and
/// drops the zone on others); they are written as their UTC instant with its offset,
/// `2024-01-05 09:00:00.000000+00:00` (the fraction with as many digits as the column's unit).
pub fn column_text(col: &Column) -> PolarsResult<StringChunked> {
    if let DataType::Datetime(unit, Some(_)) = col.dtype() {
        let (per_second, digits) = match unit {
            TimeUnit::Milliseconds => (1_000i64, 3),
            TimeUnit::Microseconds => (1_000_000, 6),
            TimeUnit::Nanoseconds => (1_000_000_000, 9),
        };
        let phys = col.to_physical_repr();
        let ticks = phys.i64()?;
        let text = |t: i64| -> PolarsResult<String> {
            let (secs, frac) = (t.div_euclid(per_second), t.rem_euclid(per_second));
            let at = chrono::DateTime::from_timestamp(secs, 0).ok_or_else(
                || polars_err!(ComputeError: "the timestamp {t} ({unit}) is out of range"),
            )?;
            Ok(format!(
                "{}.{frac:0digits$}+00:00",
                at.format("%Y-%m-%d %H:%M:%S")
            ))
        };
        let texts = ticks
            .iter()
            .map(|t| t.map(text).transpose())
            .collect::<PolarsResult<Vec<_>>>()?;
        return Ok(StringChunked::from_iter_options(
            col.name().clone(),
            texts.into_iter(),
        ));
    }
    Ok(col.cast(&DataType::String)?.str()?.clone())
}

/// The most rows a slice holds, for rows of `per_row` bytes of column data.
fn slice_rows(per_row: u64) -> usize {
    (SLICE_BYTES / (per_row as usize).max(1)).clamp(MIN_SLICE, MAX_SLICE)
}

/// A Parquet file read a slice of rows (and some columns) at a time, for the streaming engine.
pub struct ParquetFile {
    path: std::path::PathBuf,
    file: std::fs::File,
    meta: Arc<polars::io::parquet::read::FileMetadata>,
    /// The columns' names and types.
    pub schema: Schema,
    pub rows: usize,
}

/// Rows read at a time: a row group, or a part of a larger one, at most this many rows (the
/// row groups dupsweep writes: a slice read, filtered and written is one row group)...
const MAX_SLICE: usize = 1 << 18;

/// ...and about this many bytes of column data (the file's own measure of its values,
/// uncompressed; a table of them in memory is about as large). Each slice is held a few times
/// over while it is read ahead, filtered and encoded, whatever the file's row groups: a file
/// written as one row group of 10M rows, or of 1M rows, peaked at 1.4–1.5 GB with slices of
/// 1M rows, where one of 262,144-row groups peaked at 0.9 GB.
const SLICE_BYTES: usize = 32 << 20;

/// Fewer rows than this are never a slice of their own (a very wide row).
const MIN_SLICE: usize = 1 << 10;

impl ParquetFile {
    pub fn open(path: &Path) -> Result<ParquetFile> {
        let file =
            std::fs::File::open(path).map_err(|e| Error::io(path, "cannot read the input", e))?;
        let mut reader = ParquetReader::new(
            file.try_clone()
                .map_err(|e| Error::io(path, "cannot read the input", e))?,
        );
        let (meta, arrow) = (|| -> PolarsResult<_> {
            let meta = reader.get_metadata()?.clone();
            Ok((meta, reader.schema()?))
        })()
        .map_err(|e| unreadable(path, e))?;
        let schema = Schema::from_arrow_schema(&arrow);
        if schema.is_empty() {
            return Err(Error::data(
                Location::file(path),
                "the Parquet file has no columns",
            ));
        }
        Ok(ParquetFile {
            path: path.to_path_buf(),
            file,
            rows: meta.num_rows,
            meta,
            schema,
        })
    }

    /// How its pages are compressed (its first column chunk's codec; Zstandard for a file
    /// without rows), as dupsweep writes the tables it derives from it: at the codec's default
    /// level (a file does not record the level), LZO (which Polars cannot write) as Zstandard.
    pub fn compression(&self) -> ParquetCompression {
        let codec = self
            .meta
            .row_groups
            .first()
            .and_then(|rg| rg.parquet_columns().first())
            .map(|c| c.compression());
        // (the codec's type is Polars' Parquet crate's own, not re-exported: named by its
        // variant; a unit test writes a file of each codec and reads it back)
        match codec.map(|c| format!("{c:?}")).as_deref() {
            Some("Uncompressed") => ParquetCompression::Uncompressed,
            Some("Snappy") => ParquetCompression::Snappy,
            Some("Gzip") => ParquetCompression::Gzip(None),
            Some("Brotli") => ParquetCompression::Brotli(None),
            Some("Lz4" | "Lz4Raw") => ParquetCompression::Lz4Raw,
            _ => ParquetCompression::Zstd(None),
        }
    }

    /// The uncompressed size of its column data per row (Parquet's encoding: a table of the
    /// rows in memory is usually larger).
    pub fn bytes_per_row(&self) -> u64 {
        let bytes: usize = self
            .meta
            .row_groups
            .iter()
            .map(|rg| rg.total_byte_size())
            .sum();
        (bytes / self.rows.max(1)) as u64
    }

    /// The slices the file is read in: its row groups, the large ones cut (offset, length).
    pub fn slices(&self) -> Vec<(usize, usize)> {
        let most = slice_rows(self.bytes_per_row());
        let mut out = Vec::new();
        let mut at = 0;
        for rg in &self.meta.row_groups {
            let n = rg.num_rows();
            let mut done = 0;
            while done < n {
                let len = (n - done).min(most);
                out.push((at + done, len));
                done += len;
            }
            at += n;
        }
        out
    }

    /// Rows `slice` of the columns `projection` (all when `None`).
    pub fn read(&self, slice: (usize, usize), projection: Option<Vec<usize>>) -> Result<DataFrame> {
        let file = self
            .file
            .try_clone()
            .map_err(|e| Error::io(&self.path, "cannot read the input", e))?;
        let mut reader = ParquetReader::new(file)
            .with_slice(Some(slice))
            .with_projection(projection);
        reader.set_metadata(self.meta.clone());
        let df = reader.finish().map_err(|e| unreadable(&self.path, e))?;
        if df.height() != slice.1 {
            return Err(Error::data(
                Location::file(&self.path),
                "the file changed while dupsweep read it",
            )
            .with_hint("run again on a copy that nothing writes to"));
        }
        Ok(df)
    }
}

impl ParquetFile {
    /// Calls `each` with every slice of `slices` in order (rows `projection`, all when
    /// `None`), the next slice read on another thread meanwhile; stops at the first error.
    pub fn each_slice(
        &self,
        slices: &[(usize, usize)],
        projection: Option<Vec<usize>>,
        mut each: impl FnMut((usize, usize), DataFrame) -> Result<()>,
    ) -> Result<()> {
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            let reader = scope.spawn(move || {
                for &slice in slices {
                    let df = self.read(slice, projection.clone());
                    let failed = df.is_err();
                    if tx.send((slice, df)).is_err() || failed {
                        break;
                    }
                }
            });
            let mut result = Ok(());
            for (slice, df) in rx.iter() {
                if let Err(e) = df.and_then(|df| each(slice, df)) {
                    result = Err(e);
                    break;
                }
            }
            // the reader stops at its next send once the receiver is gone
            drop(rx);
            reader
                .join()
                .map_err(|_| Error::Internal("the Parquet reading thread failed".into()))?;
            result
        })
    }
}

fn unreadable(path: &Path, e: PolarsError) -> Error {
    Error::data(
        Location::file(path),
        format!("cannot read this Parquet file: {e}"),
    )
    .with_hint("check that the file was copied whole and is Parquet")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Parquet file of `rows` records (an id and a short text) in row groups of `group` rows.
    fn file(rows: usize, group: usize) -> tempfile::NamedTempFile {
        let id: Vec<i64> = (0..rows as i64).collect();
        let text: Vec<String> = (0..rows).map(|i| format!("v{}", i % 7)).collect();
        let mut df = DataFrame::new(
            rows,
            vec![
                Column::new("id".into(), id),
                Column::new("text".into(), text),
            ],
        )
        .unwrap();
        let f = tempfile::NamedTempFile::new().unwrap();
        ParquetWriter::new(f.reopen().unwrap())
            .with_row_group_size(Some(group))
            .finish(&mut df)
            .unwrap();
        f
    }

    #[test]
    fn a_large_row_group_is_read_in_slices_of_at_most_a_written_row_group() {
        let f = file(600_000, 600_000);
        let p = ParquetFile::open(f.path()).unwrap();
        assert_eq!(p.meta.row_groups.len(), 1);
        assert_eq!(
            p.slices(),
            vec![(0, 262_144), (262_144, 262_144), (524_288, 75_712)]
        );
        // small row groups are read whole, each on its own
        let f = file(1_000, 300);
        let p = ParquetFile::open(f.path()).unwrap();
        let mut groups = Vec::new();
        for rg in &p.meta.row_groups {
            let at = groups.last().map_or(0, |(o, l)| o + l);
            groups.push((at, rg.num_rows()));
        }
        assert!(groups.len() >= 3, "{groups:?}");
        assert_eq!(p.slices(), groups);
        // the slices of a large row group read back its rows
        let f = file(600_000, 600_000);
        let p = ParquetFile::open(f.path()).unwrap();
        let mut seen = 0i64;
        p.each_slice(&p.slices(), None, |(offset, len), df| {
            let ids = df.column("id").unwrap().i64().unwrap().clone();
            assert_eq!(ids.len(), len);
            assert_eq!(ids.get(0), Some(offset as i64));
            assert_eq!(ids.get(len - 1), Some((offset + len - 1) as i64));
            seen += len as i64;
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, 600_000);
    }

    #[test]
    fn the_compression_of_a_file_is_read_as_written() {
        for c in [
            ParquetCompression::Uncompressed,
            ParquetCompression::Snappy,
            ParquetCompression::Gzip(None),
            ParquetCompression::Brotli(None),
            ParquetCompression::Lz4Raw,
            ParquetCompression::Zstd(None),
        ] {
            let mut df = DataFrame::new(3, vec![Column::new("id".into(), [1i64, 2, 3])]).unwrap();
            let f = tempfile::NamedTempFile::new().unwrap();
            ParquetWriter::new(f.reopen().unwrap())
                .with_compression(c)
                .finish(&mut df)
                .unwrap();
            assert_eq!(ParquetFile::open(f.path()).unwrap().compression(), c);
        }
    }

    #[test]
    fn wide_rows_make_shorter_slices() {
        assert_eq!(slice_rows(94), 262_144);
        assert_eq!(slice_rows(0), 262_144);
        // about 4 KiB a row: 32 MiB is 8,192 rows
        assert_eq!(slice_rows(4096), 8_192);
        // never under 1,024 rows
        assert_eq!(slice_rows(1 << 20), 1_024);
    }
}
