//! Households in from a workbook (two sheets) or two CSV files: cells to
//! household documents through the column table, each document checked
//! by the same reader as `batch`, every bad cell reported where it is.
//!
//! Over 400 lines on purpose: the workbook and the CSV readers feed one
//! row-to-document path whose error positions (file, sheet, row, column)
//! thread through every step; the cell parsing itself is in `cells`.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::Path;

use rulehost_input::{HouseholdDoc, HouseholdReader};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::cells::{Cell, read};
use super::columns::{Column, Table};

/// One table as read: the rows of cells (row 0 is the sheet's row 1).
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The file, as given.
    pub file: String,
    /// The sheet's name in a workbook; `None` for a CSV file.
    pub sheet: Option<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// `FILE:SHEET` or, for a CSV file, `FILE`.
    fn place(&self) -> String {
        match &self.sheet {
            Some(sheet) => format!("{}:{sheet}", self.file),
            None => self.file.clone(),
        }
    }
}

/// Why the import could not run at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: cannot read: {reason}")]
    Read { file: String, reason: String },
    #[error("{file}: not an Excel workbook (.xlsx): {reason}")]
    NotWorkbook { file: String, reason: String },
    #[error("{file}: not UTF-8 and not GBK text; save it again as CSV UTF-8 (Excel: 另存为 → CSV UTF-8 (逗号分隔))")]
    Encoding { file: String },
    #[error("{file}: no sheet for the {what} table: expected one named {expected} (the workbook has {found})")]
    NoSheet { file: String, what: &'static str, expected: String, found: String },
    #[error("{place}: the sheet is empty: expected a header row, then one row per {what}")]
    EmptySheet { place: String, what: &'static str },
    #[error("{place}:1: {message}")]
    Header { place: String, message: String },
}

/// A bad cell, or a row that cannot stand: `FILE:SHEET:ROW:COLUMN (header): message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Why a household was left out, for the summary's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    BadCell,
    DuplicateId,
    NoMembers,
    Invalid,
}

impl Reason {
    pub fn describe(self) -> &'static str {
        match self {
            Reason::BadCell => "a bad cell",
            Reason::DuplicateId => "a household id that appears twice",
            Reason::NoMembers => "no members",
            Reason::Invalid => "not a valid household (schema)",
        }
    }
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    /// Every problem, in the order found.
    pub problems: Vec<Problem>,
    /// Data rows in the households table.
    pub households: usize,
    pub imported: usize,
    pub members_imported: usize,
    /// Households left out, counted by reason (a household may have several).
    pub left_out: usize,
    pub reasons: Vec<(Reason, usize)>,
    /// Member rows whose household is not in the households table.
    pub orphan_members: usize,
    /// Headers that name no column, with their letter (ignored).
    pub ignored_columns: Vec<String>,
}

/// Stops at the first problem (`--strict`).
#[derive(Debug)]
pub struct Strict(pub Problem);

/// Column letters as Excel shows them: 0 is A, 26 is AA.
pub fn letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// The columns found in a header row: column index for each known column.
struct Layout {
    columns: Vec<(usize, &'static Column)>,
}

impl Layout {
    fn find(&self, field: &str) -> Option<(usize, &'static Column)> {
        self.columns.iter().copied().find(|(_, c)| c.field == field)
    }
}

fn layout(sheet: &Sheet, table: Table, ignored: &mut Vec<String>) -> Result<(usize, Layout), ImportError> {
    let what = match table {
        Table::Households => "household",
        Table::Members => "member",
    };
    let Some(header_row) = sheet.rows.iter().position(|r| r.iter().any(|c| *c != Cell::Empty)) else {
        return Err(ImportError::EmptySheet { place: sheet.place(), what });
    };
    let place = sheet.place();
    let mut columns: Vec<(usize, &'static Column)> = Vec::new();
    for (i, cell) in sheet.rows[header_row].iter().enumerate() {
        let name = cell.shown();
        let name = name.trim().trim_start_matches('\u{feff}');
        if name.is_empty() {
            continue;
        }
        match table.columns().find(|c| c.header == name || c.field == name) {
            Some(column) => {
                if let Some((j, _)) = columns.iter().find(|(_, c)| c.field == column.field) {
                    return Err(ImportError::Header {
                        place,
                        message: format!(
                            "columns {} and {} are both {} ({})",
                            letter(*j),
                            letter(i),
                            column.header,
                            column.field
                        ),
                    });
                }
                columns.push((i, column));
            }
            None => ignored.push(format!("{}:{} ({name})", sheet.place(), letter(i))),
        }
    }
    let missing: Vec<String> = table
        .columns()
        .filter(|c| c.required && !columns.iter().any(|(_, f)| f.field == c.field))
        .map(|c| format!("{} ({})", c.header, c.field))
        .collect();
    if !missing.is_empty() {
        let s = if missing.len() == 1 { "" } else { "s" };
        return Err(ImportError::Header { place, message: format!("missing column{s} {}", missing.join(", ")) });
    }
    Ok((header_row, Layout { columns }))
}

/// Sets `value` at the dotted `path` of `map`.
fn set(map: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let entry = map.entry(head.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = entry {
                set(inner, rest, value);
            }
        }
    }
}

struct Row<'a> {
    sheet: &'a Sheet,
    number: usize,
    cells: &'a [Cell],
}

impl Row<'_> {
    fn at(&self, index: usize, column: &Column) -> String {
        format!("{}:{}:{} ({})", self.sheet.place(), self.number, letter(index), column.header)
    }

    fn whole_row(&self) -> String {
        format!("{}:{}", self.sheet.place(), self.number)
    }

    fn cell(&self, index: usize) -> &Cell {
        self.cells.get(index).unwrap_or(&Cell::Empty)
    }

    /// The row's fields, or its bad cells.
    fn fields(&self, layout: &Layout) -> (Map<String, Value>, Vec<Problem>) {
        let mut map = Map::new();
        let mut problems = Vec::new();
        for &(i, column) in &layout.columns {
            match read(column, self.cell(i)) {
                Ok(value) => set(&mut map, column.field, value),
                Err(message) => problems.push(Problem { at: self.at(i, column), message }),
            }
        }
        (map, problems)
    }
}

fn rows<'a>(sheet: &'a Sheet, header_row: usize) -> impl Iterator<Item = Row<'a>> {
    sheet
        .rows
        .iter()
        .enumerate()
        .skip(header_row + 1)
        .filter(|(_, cells)| cells.iter().any(|c| *c != Cell::Empty && *c != Cell::Text(String::new())))
        .map(move |(i, cells)| Row { sheet, number: i + 1, cells })
}

/// A household row waiting for its members. Cells are read again when
/// the household is written, so that only the sheets stay in memory.
struct Pending {
    row: String,
    /// The row number in the sheet (1 is the header row's sheet row 1).
    number: usize,
    id: String,
    id_at: String,
    /// Row numbers of its members.
    members: Vec<usize>,
    reasons: Vec<Reason>,
}

/// Imports `households` and `members`, writing one JSON line per good
/// household to `out` in the households table's order. With `strict`, the
/// first problem ends the import.
pub fn import(
    households: &Sheet,
    members: &Sheet,
    reader: &HouseholdReader,
    strict: bool,
    out: &mut dyn Write,
) -> Result<Result<Report, Strict>, ImportOutcomeError> {
    let mut report = Report::default();
    let (h_header, h_layout) = layout(households, Table::Households, &mut report.ignored_columns)?;
    let (m_header, m_layout) = layout(members, Table::Members, &mut report.ignored_columns)?;
    let problem = |report: &mut Report, p: Problem| -> Result<(), Strict> {
        if strict {
            return Err(Strict(p));
        }
        report.problems.push(p);
        Ok(())
    };
    macro_rules! flag {
        ($p:expr) => {
            if let Err(stop) = problem(&mut report, $p) {
                return Ok(Err(stop));
            }
        };
    }

    let (h_id_index, h_id_column) = h_layout.find("household_id").ok_or_else(|| missing_id(households))?;
    let mut pending: Vec<Pending> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for row in rows(households, h_header) {
        report.households += 1;
        let (fields, problems) = row.fields(&h_layout);
        let id_at = row.at(h_id_index, h_id_column);
        let mut reasons = Vec::new();
        if !problems.is_empty() {
            reasons.push(Reason::BadCell);
        }
        for p in problems {
            flag!(p);
        }
        let id = fields.get("household_id").and_then(Value::as_str).map(str::to_owned);
        let index = pending.len();
        if let Some(id) = &id {
            if let Some(&first) = by_id.get(id) {
                let first_row: &mut Pending = &mut pending[first];
                if !first_row.reasons.contains(&Reason::DuplicateId) {
                    first_row.reasons.push(Reason::DuplicateId);
                }
                reasons.push(Reason::DuplicateId);
                let message = format!("户编号 \"{id}\" appears twice (also at row {})", first_row.number);
                flag!(Problem { at: id_at.clone(), message });
            } else {
                by_id.insert(id.clone(), index);
            }
        }
        pending.push(Pending {
            row: row.whole_row(),
            number: row.number,
            id: id.unwrap_or_default(),
            id_at,
            members: Vec::new(),
            reasons,
        });
    }

    let (m_id_index, m_id_column) = m_layout.find("household_id").ok_or_else(|| missing_id(members))?;
    for row in rows(members, m_header) {
        let (fields, problems) = row.fields(&m_layout);
        let id = fields.get("household_id").and_then(Value::as_str).map(str::to_owned);
        let target = id.as_ref().and_then(|id| by_id.get(id)).copied();
        match (target, &id) {
            (Some(index), _) => {
                let household = &mut pending[index];
                if !problems.is_empty() && !household.reasons.contains(&Reason::BadCell) {
                    household.reasons.push(Reason::BadCell);
                }
                household.members.push(row.number);
                for p in problems {
                    flag!(p);
                }
            }
            (None, Some(id)) => {
                report.orphan_members += 1;
                for p in problems {
                    flag!(p);
                }
                let message = format!("户编号 \"{id}\": no such household in {}", households.place());
                flag!(Problem { at: row.at(m_id_index, m_id_column), message });
            }
            // The id cell itself is bad: already reported with the row's problems.
            (None, None) => {
                report.orphan_members += 1;
                for p in problems {
                    flag!(p);
                }
            }
        }
    }

    let mut counts: HashMap<Reason, usize> = HashMap::new();
    let jobs = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let check_one =
        |h: &Pending| h.reasons.is_empty().then(|| check(h, &h_layout, &m_layout, households, members, reader));
    for block in pending.chunks_mut(CHECK_BLOCK) {
        let no_members: Vec<bool> = block.iter().map(|h| h.members.is_empty()).collect();
        for household in block.iter_mut().filter(|h| h.members.is_empty()) {
            household.reasons.push(Reason::NoMembers);
        }
        // Building, serialising and reading back each household is most of
        // the work: the households of a block are checked in parallel, then
        // written and reported in order.
        let checks = in_parallel(block, jobs, &check_one);
        for ((household, check), no_members) in block.iter_mut().zip(checks).zip(no_members) {
            if no_members {
                let message = format!("household \"{}\" has no members in {}", household.id, members.place());
                flag!(Problem { at: household.id_at.clone(), message });
            }
            match check {
                Some(Ok((line, member_count))) => {
                    out.write_all(line.as_bytes()).map_err(ImportOutcomeError::Write)?;
                    out.write_all(b"\n").map_err(ImportOutcomeError::Write)?;
                    report.imported += 1;
                    report.members_imported += member_count;
                    continue;
                }
                Some(Err(p)) => {
                    household.reasons.push(Reason::Invalid);
                    flag!(p);
                }
                None => {}
            }
            report.left_out += 1;
            for reason in &household.reasons {
                *counts.entry(*reason).or_default() += 1;
            }
        }
    }
    let mut reasons: Vec<(Reason, usize)> = counts.into_iter().collect();
    reasons.sort();
    report.reasons = reasons;
    Ok(Ok(report))
}

/// Households checked at once, in parallel, before they are written.
const CHECK_BLOCK: usize = 4096;

/// `f` of every item, in order, spread over `jobs` threads.
fn in_parallel<T: Sync, R: Send>(items: &[T], jobs: usize, f: &(dyn Fn(&T) -> R + Sync)) -> Vec<R> {
    if jobs <= 1 || items.len() < 64 {
        return items.iter().map(f).collect();
    }
    let per = items.len().div_ceil(jobs);
    std::thread::scope(|scope| {
        let parts: Vec<_> =
            items.chunks(per).map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>())).collect();
        parts.into_iter().flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

/// The row numbered `number` (1-based) of `sheet`.
fn row(sheet: &Sheet, number: usize) -> Row<'_> {
    let cells = sheet.rows.get(number.saturating_sub(1)).map_or(&[][..], Vec::as_slice);
    Row { sheet, number, cells }
}

fn missing_id(sheet: &Sheet) -> ImportError {
    ImportError::Header { place: sheet.place(), message: "missing column 户编号 (household_id)".to_owned() }
}

/// An import that could not run, or whose output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ImportOutcomeError {
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("writing the households: {0}")]
    Write(std::io::Error),
}

/// The household as a document, serialised, then read back by the
/// batch's reader: a failure points at the cell it came from when it can.
fn check(
    household: &Pending,
    h_layout: &Layout,
    m_layout: &Layout,
    households: &Sheet,
    members: &Sheet,
    reader: &HouseholdReader,
) -> Result<(String, usize), Problem> {
    let (mut fields, _) = row(households, household.number).fields(h_layout);
    fields.entry("schema_version").or_insert_with(|| Value::from("1"));
    let list: Vec<Value> = household
        .members
        .iter()
        .map(|&number| {
            let (mut member, _) = row(members, number).fields(m_layout);
            member.remove("household_id");
            Value::Object(member)
        })
        .collect();
    fields.insert("members".to_owned(), Value::Array(list));
    let value = Value::Object(fields);
    let doc = HouseholdDoc::deserialize(&value)
        .map_err(|e| Problem { at: household.row.clone(), message: format!("not a valid household: {e}") })?;
    let line = serde_json::to_string(&doc)
        .map_err(|e| Problem { at: household.row.clone(), message: format!("cannot be written: {e}") })?;
    match reader.read(&line) {
        Ok(parsed) => Ok((line, parsed.member_ids.len())),
        Err(failure) => {
            let at = failure
                .pointer
                .as_deref()
                .and_then(|p| cell_of(p, household, h_layout, m_layout, households, members))
                .unwrap_or_else(|| household.row.clone());
            Err(Problem { at, message: failure.message })
        }
    }
}

/// The cell a JSON pointer into the household came from.
fn cell_of(
    pointer: &str,
    household: &Pending,
    h_layout: &Layout,
    m_layout: &Layout,
    households: &Sheet,
    members: &Sheet,
) -> Option<String> {
    let path: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    if let ["members", index, rest @ ..] = path.as_slice() {
        let row = household.members.get(index.parse::<usize>().ok()?)?;
        let place = format!("{}:{row}", members.place());
        let Some((i, column)) = m_layout.find(&rest.join(".")) else { return Some(place) };
        return Some(format!("{place}:{} ({})", letter(i), column.header));
    }
    let (i, column) = h_layout.find(&path.join("."))?;
    let row = household.number;
    Some(format!("{}:{row}:{} ({})", households.place(), letter(i), column.header))
}

// ------------------------------------------------------------------ reading

/// Reads a CSV file: UTF-8 (with or without a byte-order mark), or GBK,
/// which Excel writes on Chinese Windows; returns whether it was GBK.
pub fn read_csv(path: &Path) -> Result<(Sheet, bool), ImportError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ImportError::Read { file: file.clone(), reason: e.to_string() })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let (text, gbk) = match std::str::from_utf8(bytes) {
        Ok(text) => (std::borrow::Cow::Borrowed(text), false),
        Err(_) => match encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(bytes) {
            Some(text) => (text, true),
            None => return Err(ImportError::Encoding { file }),
        },
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ImportError::Read { file: file.clone(), reason: e.to_string() })?;
        rows.push(record.iter().map(Cell::from_text).collect());
    }
    Ok((Sheet { file, sheet: None, rows }, gbk))
}

/// Reads both tables from a workbook, finding each sheet by its name.
pub fn read_workbook(path: &Path) -> Result<(Sheet, Sheet), ImportError> {
    use calamine::Reader;
    let file = path.display().to_string();
    if !path.exists() {
        return Err(ImportError::Read { file, reason: "no such file".to_owned() });
    }
    let mut workbook = calamine::open_workbook_auto(path)
        .map_err(|e| ImportError::NotWorkbook { file: file.clone(), reason: e.to_string() })?;
    let names = workbook.sheet_names();
    let mut sheet = |table: Table, what: &'static str| -> Result<Sheet, ImportError> {
        let name = table
            .aliases()
            .iter()
            .find_map(|alias| names.iter().find(|n| n.trim() == *alias))
            .ok_or_else(|| ImportError::NoSheet {
                file: file.clone(),
                what,
                expected: table.aliases().join(" or "),
                found: names.join(", "),
            })?
            .clone();
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| ImportError::NotWorkbook { file: file.clone(), reason: e.to_string() })?;
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<Cell>> = (0..top).map(|_| Vec::new()).collect();
        for r in range.rows() {
            let mut row: Vec<Cell> = (0..left).map(|_| Cell::Empty).collect();
            row.extend(r.iter().map(Cell::from_calamine));
            rows.push(row);
        }
        Ok(Sheet { file: file.clone(), sheet: Some(name), rows })
    };
    let households = sheet(Table::Households, "households")?;
    let members = sheet(Table::Members, "members")?;
    Ok((households, members))
}
