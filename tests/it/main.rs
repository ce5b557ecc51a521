//! The one integration-test binary (Polars is linked once): CLI behaviour, outputs, errors, and
//! replays of the generated SQL on real databases.

mod cli;
mod cluster;
mod differential;
mod dump;
mod engines;
mod errors;
mod fuzzy;
mod groups;
mod html;
mod mysqldump;
mod pgdump;
mod prevent;
mod regressions;
mod replay;
mod schedule;
mod setbased;
mod textrows;
mod util;
