//! Emit: writes the results — cleaned and removed tables, one SQL script per dialect, and the
//! report — atomically into the output folder.

pub mod files;
pub mod fuzzy;
pub mod groups;
pub mod html;
pub mod report;
pub mod schedule;
pub mod sql;
pub mod tables;
