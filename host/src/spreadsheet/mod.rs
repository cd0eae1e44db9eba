//! Spreadsheets, the way officials keep households and read results:
//! `columns` (the one table of columns and fields), `cells` (a cell to a
//! value), `import` (two tables to checked households), `write` (households
//! and templates out in the same layout), `export` (results to a workbook),
//! `bulletin` (the monthly bulletin of `track` to a workbook).

pub mod bulletin;
pub mod cells;
pub mod columns;
pub mod export;
pub mod import;
pub mod write;
