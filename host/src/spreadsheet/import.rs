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

use super::cells::{Cell, Typed, typed};
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

/// The columns found in a header row: column index for each known column,
/// and how each row's fields are written as JSON, worked out once here
/// rather than per cell.
struct Layout {
    /// In the sheet's order, for messages.
    columns: Vec<(usize, &'static Column)>,
    /// Sorted by field, so that the fields of one nested object
    /// (`income.wage`, `income.property`) come together; each with the
    /// JSON written before its value (`{"district_code":`, `,"income":{"wage":`),
    /// or `None` for a field read but not written (a member's
    /// `household_id`).
    fields: Vec<(usize, &'static Column, Option<Vec<u8>>)>,
    /// The JSON after the last value: closing braces, and a household's
    /// default `schema_version` when the sheet has no such column.
    close: Vec<u8>,
}

impl Layout {
    fn new(table: Table, columns: Vec<(usize, &'static Column)>) -> Layout {
        let skip = match table {
            Table::Households => None,
            Table::Members => Some("household_id"),
        };
        let mut by_field = columns.clone();
        by_field.sort_by_key(|(_, c)| c.field);
        let mut open: Option<&str> = None;
        let (mut top_empty, mut inner_empty) = (true, true);
        let mut fields = Vec::with_capacity(by_field.len());
        for (i, column) in by_field {
            if skip == Some(column.field) {
                fields.push((i, column, None));
                continue;
            }
            let mut before = Vec::new();
            if top_empty {
                before.push(b'{');
            }
            let (group, key) = match column.field.split_once('.') {
                Some((group, key)) => (Some(group), key),
                None => (None, column.field),
            };
            if open.is_some() && open != group {
                before.push(b'}');
                open = None;
            }
            if open.is_none() {
                if !top_empty {
                    before.push(b',');
                }
                top_empty = false;
                if let Some(group) = group {
                    write_key(&mut before, group);
                    before.push(b'{');
                    open = Some(group);
                    inner_empty = true;
                }
            }
            if open.is_some() {
                if !inner_empty {
                    before.push(b',');
                }
                inner_empty = false;
            }
            write_key(&mut before, key);
            fields.push((i, column, Some(before)));
        }
        let mut close = Vec::new();
        if top_empty {
            close.push(b'{');
        }
        if open.is_some() {
            close.push(b'}');
        }
        if table == Table::Households && !columns.iter().any(|(_, c)| c.field == "schema_version") {
            close.extend_from_slice(if top_empty { b"\"schema_version\":\"1\"" } else { b",\"schema_version\":\"1\"" });
        }
        close.push(b'}');
        Layout { columns, fields, close }
    }

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
    Ok((header_row, Layout::new(table, columns)))
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

    /// Reads every cell of the row once: its bad cells, in column order;
    /// the text of its `id` column; and, when no cell is bad, its fields as
    /// one JSON object (as its layout writes them).
    fn read(&self, layout: &Layout, id: usize) -> RowRead {
        let mut problems: Vec<(usize, Problem)> = Vec::new();
        let mut id_text = None;
        let mut json = Vec::with_capacity(512);
        for (i, column, before) in &layout.fields {
            let value = match typed(column, self.cell(*i)) {
                Ok(value) => value,
                Err(message) => {
                    problems.push((*i, Problem { at: self.at(*i, column), message }));
                    continue;
                }
            };
            if *i == id {
                match &value {
                    Typed::Text(s) => id_text = Some((*s).to_owned()),
                    Typed::Owned(s) => id_text = Some(s.clone()),
                    _ => {}
                }
            }
            if let Some(before) = before
                && problems.is_empty()
            {
                json.extend_from_slice(before);
                value.write_json(&mut json);
            }
        }
        json.extend_from_slice(&layout.close);
        // Kept until the household is written: at its size, not the
        // buffer's.
        json = if problems.is_empty() { json.as_slice().to_vec() } else { Vec::new() };
        problems.sort_by_key(|(i, _)| *i);
        RowRead { number: self.number, problems: problems.into_iter().map(|(_, p)| p).collect(), id: id_text, json }
    }
}

/// One row, read.
struct RowRead {
    number: usize,
    problems: Vec<Problem>,
    id: Option<String>,
    /// The row's fields as a JSON object; empty when a cell is bad.
    json: Vec<u8>,
}

/// `"key":`, for the table's own field names (plain ASCII).
fn write_key(out: &mut Vec<u8>, key: &str) {
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

fn rows<'a>(sheet: &'a Sheet, header_row: usize) -> impl Iterator<Item = Row<'a>> {
    sheet
        .rows
        .iter()
        .enumerate()
        .skip(header_row + 1)
        .filter(|(_, cells)| {
            cells.iter().any(|c| !matches!(c, Cell::Empty) && !matches!(c, Cell::Text(s) if s.is_empty()))
        })
        .map(move |(i, cells)| Row { sheet, number: i + 1, cells })
}

/// A household row waiting for its members.
struct Pending {
    /// The row number in the sheet (1 is the header row's sheet row 1).
    number: usize,
    id: String,
    /// Its fields as a JSON object, without its members.
    json: Vec<u8>,
    /// Its members: indices into the members read.
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

    let jobs = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    // The cells of every row are read in parallel; the problems are then
    // reported in row order.
    let read_rows = |sheet, header, layout: &Layout, id: usize| {
        let rows: Vec<Row<'_>> = rows(sheet, header).collect();
        in_parallel(&rows, jobs, &|row: &Row<'_>| row.read(layout, id))
    };
    let (h_id_index, h_id_column) = h_layout.find("household_id").ok_or_else(|| missing_id(households))?;
    let mut pending: Vec<Pending> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for RowRead { number, problems, id, json } in read_rows(households, h_header, &h_layout, h_id_index) {
        report.households += 1;
        let mut reasons = Vec::new();
        if !problems.is_empty() {
            reasons.push(Reason::BadCell);
        }
        for p in problems {
            flag!(p);
        }
        let index = pending.len();
        if let Some(id) = &id {
            if let Some(&first) = by_id.get(id) {
                let first_row: &mut Pending = &mut pending[first];
                if !first_row.reasons.contains(&Reason::DuplicateId) {
                    first_row.reasons.push(Reason::DuplicateId);
                }
                reasons.push(Reason::DuplicateId);
                let message = format!("户编号 \"{id}\" appears twice (also at row {})", first_row.number);
                flag!(Problem { at: row(households, number).at(h_id_index, h_id_column), message });
            } else {
                by_id.insert(id.clone(), index);
            }
        }
        pending.push(Pending { number, id: id.unwrap_or_default(), json, members: Vec::new(), reasons });
    }

    let (m_id_index, m_id_column) = m_layout.find("household_id").ok_or_else(|| missing_id(members))?;
    let mut member_rows = read_rows(members, m_header, &m_layout, m_id_index);
    for (k, member) in member_rows.iter_mut().enumerate() {
        let (number, id) = (member.number, member.id.take());
        let problems = std::mem::take(&mut member.problems);
        let target = id.as_ref().and_then(|id| by_id.get(id)).copied();
        match (target, &id) {
            (Some(index), _) => {
                let household = &mut pending[index];
                if !problems.is_empty() && !household.reasons.contains(&Reason::BadCell) {
                    household.reasons.push(Reason::BadCell);
                }
                household.members.push(k);
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
                flag!(Problem { at: row(members, number).at(m_id_index, m_id_column), message });
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
    let check_one = |h: &Pending| {
        h.reasons.is_empty().then(|| check(h, &member_rows, &h_layout, &m_layout, households, members, reader))
    };
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
                flag!(Problem { at: row(households, household.number).at(h_id_index, h_id_column), message });
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
    member_rows: &[RowRead],
    h_layout: &Layout,
    m_layout: &Layout,
    households: &Sheet,
    members: &Sheet,
    reader: &HouseholdReader,
) -> Result<(String, usize), Problem> {
    let whole_row = || row(households, household.number).whole_row();
    // The household's object, its last brace opened again for its members.
    let mut text = Vec::with_capacity(household.json.len() + 512 * household.members.len() + 64);
    text.extend_from_slice(&household.json);
    text.pop();
    text.extend_from_slice(b",\"members\":[");
    for (k, &index) in household.members.iter().enumerate() {
        if k > 0 {
            text.push(b',');
        }
        text.extend_from_slice(&member_rows[index].json);
    }
    text.extend_from_slice(b"]}");
    let doc: HouseholdDoc = serde_json::from_slice(&text)
        .map_err(|e| Problem { at: whole_row(), message: format!("not a valid household: {e}") })?;
    let line = serde_json::to_string(&doc)
        .map_err(|e| Problem { at: whole_row(), message: format!("cannot be written: {e}") })?;
    match reader.read(&line) {
        Ok(parsed) => Ok((line, parsed.member_ids.len())),
        Err(failure) => {
            let member_row = |index: usize| household.members.get(index).map(|&k| member_rows[k].number);
            let at = failure
                .pointer
                .as_deref()
                .and_then(|p| cell_of(p, household.number, &member_row, h_layout, m_layout, households, members))
                .unwrap_or_else(whole_row);
            Err(Problem { at, message: failure.message })
        }
    }
}

/// The cell a JSON pointer into the household (at row `number`, its
/// member `i` at row `member_row(i)`) came from.
fn cell_of(
    pointer: &str,
    number: usize,
    member_row: &dyn Fn(usize) -> Option<usize>,
    h_layout: &Layout,
    m_layout: &Layout,
    households: &Sheet,
    members: &Sheet,
) -> Option<String> {
    let path: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    if let ["members", index, rest @ ..] = path.as_slice() {
        let row = member_row(index.parse::<usize>().ok()?)?;
        let place = format!("{}:{row}", members.place());
        let Some((i, column)) = m_layout.find(&rest.join(".")) else { return Some(place) };
        return Some(format!("{place}:{} ({})", letter(i), column.header));
    }
    let (i, column) = h_layout.find(&path.join("."))?;
    Some(format!("{}:{number}:{} ({})", households.place(), letter(i), column.header))
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
    let parse = |part: &str| -> Result<Vec<Vec<Cell>>, ImportError> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(part.as_bytes());
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| ImportError::Read { file: file.clone(), reason: e.to_string() })?;
            rows.push(record.iter().map(Cell::from_text).collect());
        }
        Ok(rows)
    };
    let jobs = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let parts = csv_parts(&text, jobs);
    let rows = std::thread::scope(|scope| {
        let parsed: Vec<_> = parts.iter().map(|part| scope.spawn(|| parse(part))).collect();
        parsed
            .into_iter()
            .map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect::<Result<Vec<_>, _>>()
    })?;
    Ok((Sheet { file, sheet: None, rows: rows.into_iter().flatten().collect() }, gbk))
}

/// Cuts CSV text into about `jobs` parts at line ends, to be parsed side
/// by side. Only text without quotes is cut: in quoted text a line end may
/// be inside a cell.
fn csv_parts(text: &str, jobs: usize) -> Vec<&str> {
    const LEAST: usize = 1 << 20;
    if jobs <= 1 || text.len() < 2 * LEAST || text.contains('"') {
        return vec![text];
    }
    let mut parts = Vec::with_capacity(jobs);
    let mut start = 0;
    for k in 1..jobs {
        let aim = (text.len() * k / jobs).max(start);
        // Bytes, not `str` slicing: `aim` may fall inside a character.
        let Some(end) = text.as_bytes()[aim..].iter().position(|b| *b == b'\n').map(|i| aim + i + 1) else {
            break;
        };
        parts.push(&text[start..end]);
        start = end;
    }
    parts.push(&text[start..]);
    parts
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layout_writes_grouped_fields_and_the_default_schema_version() {
        let column = |table: Table, field: &str| table.columns().find(|c| c.field == field).unwrap();
        let h = Table::Households;
        let layout = Layout::new(
            h,
            vec![(0, column(h, "income.wage")), (1, column(h, "household_id")), (2, column(h, "income.property"))],
        );
        let sheet = Sheet { file: "h.csv".into(), sheet: None, rows: vec![] };
        let cells = [Cell::Number(1.0), Cell::from_text("h1"), Cell::Number(2.5)];
        let read = Row { sheet: &sheet, number: 2, cells: &cells }.read(&layout, 1);
        assert!(read.problems.is_empty());
        assert_eq!(read.id.as_deref(), Some("h1"));
        assert_eq!(
            String::from_utf8(read.json).unwrap(),
            r#"{"household_id":"h1","income":{"property":2.5,"wage":1.0},"schema_version":"1"}"#
        );

        // A member's household id is read, not written; a bad cell leaves no JSON.
        let m = Table::Members;
        let layout = Layout::new(m, vec![(0, column(m, "household_id")), (1, column(m, "member_id"))]);
        let cells = [Cell::from_text("h1"), Cell::from_text("m1")];
        let read = Row { sheet: &sheet, number: 3, cells: &cells }.read(&layout, 0);
        assert_eq!((read.id.as_deref(), read.json.as_slice()), (Some("h1"), &br#"{"member_id":"m1"}"#[..]));
        let cells = [Cell::from_text("h1"), Cell::Empty];
        let read = Row { sheet: &sheet, number: 4, cells: &cells }.read(&layout, 0);
        assert_eq!(read.problems.len(), 1, "成员编号 is required");
        assert!(read.json.is_empty());
    }

    #[test]
    fn csv_text_is_cut_at_line_ends_only_when_it_has_no_quotes() {
        let line = "户编号,工资性收入,乡镇\r\n";
        let text = line.repeat(300_000);
        let parts = csv_parts(&text, 3);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.concat(), text);
        assert!(parts.iter().all(|p| p.ends_with('\n') || p.is_empty()), "cut inside a line");
        assert!(parts.iter().all(|p| p.starts_with("户编号")));
        let quoted = format!("{text}\"a\nb\",1\n");
        assert_eq!(csv_parts(&quoted, 3), vec![quoted.as_str()]);
        assert_eq!(csv_parts("a,b\n", 3), vec!["a,b\n"]);
    }

    #[test]
    fn a_cut_file_reads_as_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        let text: String = (0..200_000).map(|i| format!("{i},是,2021/6/{}\n", i % 28 + 1)).collect();
        std::fs::write(&path, &text).unwrap();
        let (sheet, gbk) = read_csv(&path).unwrap();
        assert!(!gbk);
        assert_eq!(sheet.rows.len(), 200_000);
        for (i, row) in sheet.rows.iter().enumerate() {
            assert_eq!(row[0], Cell::Text(i.to_string().into()));
        }
    }
}
