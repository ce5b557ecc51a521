//! Probe: the exact-duplicate job of `scripts/bench.sh` (rows equal in every column but `id`
//! are duplicates, the smallest `id` stays) on DataFusion 55, under a memory limit with spilling
//! to disk. Prints how many ids would be removed and writes them to OUT (Parquet).
//!
//!   datafusion-probe FILE.parquet OUT.parquet MEMORY_MB PLAN
//!
//! PLAN: `window` (ROW_NUMBER() OVER (PARTITION BY the key ORDER BY id)) or `aggregate`
//! (MIN(id) per key, then the ids that are not their key's minimum, through a join).
use std::sync::Arc;

use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::*;

#[tokio::main]
async fn main() -> datafusion::error::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (input, out, mb, plan) = (
        &args[1],
        &args[2],
        args[3].parse::<usize>().unwrap(),
        &args[4],
    );
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(mb << 20)))
        .with_disk_manager_builder(
            DiskManagerBuilder::default().with_mode(DiskManagerMode::OsTmpDirectory),
        )
        .build_arc()?;
    let config = SessionConfig::new()
        .with_target_partitions(2)
        .set_bool("datafusion.optimizer.prefer_hash_join", false);
    let ctx = SessionContext::new_with_config_rt(config, runtime);
    ctx.register_parquet("t", input, ParquetReadOptions::default())
        .await?;
    let key = "first_name, last_name, email, birth_date, grade, balance, active, notes, updated_at";
    let sql = match plan.as_str() {
        "window" => format!(
            "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY id) AS rn FROM t) WHERE rn > 1"
        ),
        _ => {
            let on = key
                .split(", ")
                .map(|c| format!("(t.{c} IS NOT DISTINCT FROM k.{c})"))
                .collect::<Vec<_>>()
                .join(" AND ");
            format!(
                "SELECT t.id FROM t JOIN (SELECT {key}, MIN(id) AS keep FROM t GROUP BY {key}) k ON {on} WHERE t.id <> k.keep"
            )
        }
    };
    let df = ctx.sql(&sql).await?;
    df.write_parquet(out, Default::default(), None).await?;
    let n = ctx
        .read_parquet(out.as_str(), ParquetReadOptions::default())
        .await?
        .count()
        .await?;
    println!("{n} ids removed");
    Ok(())
}
