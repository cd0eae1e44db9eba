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

use rayon::prelude::*;
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
    /// A large CSV file's rows after its header, still as text: they are
    /// parsed in parts side by side when the rows are read, so that the
    /// whole table is never held as cells.
    pub rest: Option<CsvRest>,
}

/// The CSV text after a sheet's `rows`: no quotes, so every line is one
/// row (empty lines are skipped, as the `csv` reader does).
#[derive(Debug, Clone)]
pub struct CsvRest {
    text: String,
    /// Where in `text` the first row after `rows` starts.
    start: usize,
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
///
/// Fields are written in the order the household's document
/// ([`HouseholdDoc`]) serialises them, which is the order of the column
/// table with `schema_version` first and a household's members after
/// `lifted_year`. So a household assembled from full tables is already the
/// text `sample` writes, and needs no reshaping before it is checked.
struct Layout {
    /// In the sheet's order, for messages.
    columns: Vec<(usize, &'static Column)>,
    /// What a row starts with: `{`, and a household's default
    /// `schema_version` when the sheet has no such column.
    open: Vec<u8>,
    /// In the document's order, so that the fields of one nested object
    /// (`income.wage`, `income.property`) come together; each with the
    /// JSON written before its value (`,"district_code":`, `,"income":{"wage":`),
    /// or `None` for a field read but not written (a member's
    /// `household_id`).
    fields: Vec<(usize, &'static Column, Option<Vec<u8>>)>,
    /// For households, the index in `fields` of the first field written
    /// after the members (`fields.len()` when there is none).
    members_before: usize,
    /// The JSON after the last value: closing braces.
    close: Vec<u8>,
}

/// Where a field comes in the household's document: `schema_version`
/// first, then the column table's order.
fn document_rank(table: Table, field: &str) -> usize {
    if field == "schema_version" {
        return 0;
    }
    1 + table.columns().position(|c| c.field == field).unwrap_or(usize::MAX - 1)
}

impl Layout {
    fn new(table: Table, columns: Vec<(usize, &'static Column)>) -> Layout {
        let skip = match table {
            Table::Households => None,
            Table::Members => Some("household_id"),
        };
        let mut in_order = columns.clone();
        in_order.sort_by_key(|(_, c)| document_rank(table, c.field));
        let default_version = table == Table::Households && !columns.iter().any(|(_, c)| c.field == "schema_version");
        let open = if default_version { b"{\"schema_version\":\"1\"".to_vec() } else { b"{".to_vec() };
        let mut group_open: Option<&str> = None;
        let (mut top_empty, mut inner_empty) = (!default_version, true);
        let mut fields = Vec::with_capacity(in_order.len());
        let lifted = document_rank(Table::Households, "lifted_year");
        let mut members_before = None;
        for (i, column) in in_order {
            if skip == Some(column.field) {
                fields.push((i, column, None));
                continue;
            }
            if table == Table::Households && members_before.is_none() && document_rank(table, column.field) > lifted {
                members_before = Some(fields.len());
            }
            let mut before = Vec::new();
            let (group, key) = match column.field.split_once('.') {
                Some((group, key)) => (Some(group), key),
                None => (None, column.field),
            };
            if group_open.is_some() && group_open != group {
                before.push(b'}');
                group_open = None;
            }
            if group_open.is_none() {
                if !top_empty {
                    before.push(b',');
                }
                top_empty = false;
                if let Some(group) = group {
                    write_key(&mut before, group);
                    before.push(b'{');
                    group_open = Some(group);
                    inner_empty = true;
                }
            }
            if group_open.is_some() {
                if !inner_empty {
                    before.push(b',');
                }
                inner_empty = false;
            }
            write_key(&mut before, key);
            fields.push((i, column, Some(before)));
        }
        let mut close = Vec::new();
        if group_open.is_some() {
            close.push(b'}');
        }
        close.push(b'}');
        let members_before = members_before.unwrap_or(fields.len());
        Layout { columns, open, fields, members_before, close }
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
    let Some(header_row) = sheet.rows.iter().position(|r| !blank(r)) else {
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
        json.extend_from_slice(&layout.open);
        let mut members_at = 0;
        for (k, (i, column, before)) in layout.fields.iter().enumerate() {
            if k == layout.members_before {
                members_at = json.len();
            }
            let value = match typed(column, self.cell(*i)) {
                Ok(Typed::Number(f)) if WHOLE_AS_INTEGER.contains(&column.field) => {
                    rulehost_sdk::types::as_whole(f).map_or(Typed::Number(f), Typed::Integer)
                }
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
        if layout.members_before == layout.fields.len() {
            members_at = json.len();
        }
        json.extend_from_slice(&layout.close);
        // Kept until the household is written: at its size, not the
        // buffer's.
        json = if problems.is_empty() { json.as_slice().to_vec() } else { Vec::new() };
        problems.sort_by_key(|(i, _)| *i);
        RowRead {
            number: self.number,
            problems: problems.into_iter().map(|(_, p)| p).collect(),
            id: id_text,
            json,
            members_at,
        }
    }
}

/// Number fields that the household's document writes as an integer when
/// the number is whole (`rulehost_sdk::types::as_whole`).
const WHOLE_AS_INTEGER: &[&str] = &["water.fetch_minutes"];

/// One row, read.
struct RowRead {
    number: usize,
    problems: Vec<Problem>,
    id: Option<String>,
    /// The row's fields as a JSON object; empty when a cell is bad.
    json: Vec<u8>,
    /// For a household, where in `json` its members go.
    members_at: usize,
}

/// `"key":`, for the table's own field names (plain ASCII).
fn write_key(out: &mut Vec<u8>, key: &str) {
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Reads every row after the header in parallel (see [`Row::read`]), in
/// row order, and frees each row's cells once it is read: the sheet keeps
/// its name, for messages, but no cells. Blank rows are skipped.
fn read_rows(sheet: &mut Sheet, header_row: usize, layout: &Layout, id: usize) -> Vec<RowRead> {
    let cells = std::mem::take(&mut sheet.rows);
    let kept = cells.len();
    let rest = sheet.rest.take();
    let sheet = &*sheet;
    let read = |i: usize, cells: &[Cell]| (!blank(cells)).then(|| Row { sheet, number: i + 1, cells }.read(layout, id));
    let mut rows: Vec<RowRead> = cells
        .into_par_iter()
        .with_min_len(64)
        .enumerate()
        .skip(header_row + 1)
        .filter_map(|(i, cells)| read(i, &cells))
        .collect();
    if let Some(rest) = rest {
        // Each part is parsed and read where it is, its rows numbered on
        // from the rows of the parts before it.
        let parts = csv_parts(&rest.text[rest.start..], rayon::current_num_threads());
        let counts: Vec<usize> = parts.par_iter().map(|p| csv_records(p)).collect();
        let mut first = kept;
        let parts: Vec<(&str, usize)> = parts
            .into_iter()
            .zip(counts)
            .map(|(part, count)| {
                let at = first;
                first += count;
                (part, at)
            })
            .collect();
        let read_parts: Vec<Vec<RowRead>> = parts
            .par_iter()
            .map(|(part, first)| {
                let mut reader = csv_reader(part);
                let mut record = csv::StringRecord::new();
                let mut cells: Vec<Cell> = Vec::new();
                let mut read_rows = Vec::new();
                let mut i = *first;
                loop {
                    match reader.read_record(&mut record) {
                        Ok(false) => break,
                        Ok(true) => {
                            cells.clear();
                            cells.extend(record.iter().map(Cell::from_text));
                            read_rows.extend(read(i, &cells));
                        }
                        // Text without quotes, from a `String`, always
                        // parses; were a row not to, it is still accounted
                        // for, as a row with a bad cell.
                        Err(e) => read_rows.push(RowRead {
                            number: i + 1,
                            problems: vec![Problem {
                                at: format!("{}:{}", sheet.place(), i + 1),
                                message: format!("cannot be read as CSV: {e}"),
                            }],
                            id: None,
                            json: Vec::new(),
                            members_at: 0,
                        }),
                    }
                    i += 1;
                }
                read_rows
            })
            .collect();
        rows.extend(read_parts.into_iter().flatten());
    }
    rows
}

/// Whether a row has nothing in it (a blank text is already
/// [`Cell::Empty`]): the header is the first row that is not blank.
fn blank(cells: &[Cell]) -> bool {
    cells.iter().all(|c| *c == Cell::Empty)
}

/// How many records the `csv` reader finds in text without quotes: runs of
/// bytes between line ends (`\r`, `\n`), empty ones skipped.
fn csv_records(text: &str) -> usize {
    let bytes = text.as_bytes();
    let end = |b: u8| b == b'\n' || b == b'\r';
    bytes.iter().enumerate().filter(|&(i, &b)| !end(b) && (i == 0 || end(bytes[i - 1]))).count()
}

fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes())
}

/// A household row waiting for its members.
struct Pending {
    /// The row number in the sheet (1 is the header row's sheet row 1).
    number: usize,
    id: String,
    /// Its fields as a JSON object, without its members.
    json: Vec<u8>,
    /// Where in `json` its members go.
    members_at: usize,
    /// Its members: indices into the members read.
    members: Vec<usize>,
    reasons: Vec<Reason>,
}

/// Imports `households` and `members`, writing one JSON line per good
/// household to `out` in the households table's order. With `strict`, the
/// first problem ends the import.
pub fn import(
    households: &mut Sheet,
    members: &mut Sheet,
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
    for RowRead { number, problems, id, json, members_at } in read_rows(households, h_header, &h_layout, h_id_index) {
        // The problems are reported in row order.
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
        pending.push(Pending { number, id: id.unwrap_or_default(), json, members_at, members: Vec::new(), reasons });
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
    let (households, members): (&Sheet, &Sheet) = (households, members);
    for household in pending.iter_mut().filter(|h| h.members.is_empty()) {
        household.reasons.push(Reason::NoMembers);
    }
    // Assembling and reading each household is most of the work: the
    // households of a block are checked in parallel, then written and
    // reported in order while the next block is checked.
    let check_block = |block: &[Pending]| -> Vec<Checked> {
        let check_one = |h: &Pending| {
            h.reasons.is_empty().then(|| check(h, &member_rows, &h_layout, &m_layout, households, members, reader))
        };
        block.par_iter().with_min_len(16).map(check_one).collect()
    };
    let mut write_block =
        |block: &mut [Pending], checks: Vec<Checked>| -> Result<Result<(), Strict>, ImportOutcomeError> {
            for (household, check) in block.iter_mut().zip(checks) {
                if household.members.is_empty() {
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
            Ok(Ok(()))
        };
    let mut blocks = pending.chunks_mut(CHECK_BLOCK);
    let mut current = blocks.next().map(|block| {
        let checks = check_block(block);
        (block, checks)
    });
    while let Some((block, checks)) = current.take() {
        let next = blocks.next();
        let (written, next_checks) = std::thread::scope(|scope| {
            let next_checks = next.as_deref().map(|b| scope.spawn(|| check_block(b)));
            let written = write_block(block, checks);
            (written, next_checks.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))))
        });
        if let Err(stop) = written? {
            return Ok(Err(stop));
        }
        current = next.zip(next_checks);
    }
    let mut reasons: Vec<(Reason, usize)> = counts.into_iter().collect();
    reasons.sort();
    report.reasons = reasons;
    Ok(Ok(report))
}

/// A household checked: its line and member count, or why it is left out;
/// `None` when it was left out before the check.
type Checked = Option<Result<(String, usize), Problem>>;

/// Households checked at once, in parallel, before they are written.
const CHECK_BLOCK: usize = 4096;

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

/// The household's text, its members set in their place, read by the
/// batch's reader: a failure points at the cell it came from when it can.
///
/// From full tables the text is already in the document's order and is
/// written as it was read. When the reader refuses it (a missing optional
/// column such as 脱贫年度, an empty 乡镇 cell, or a bad value), the
/// household goes through its document ([`HouseholdDoc`]), which fills in
/// or leaves out what the schema wants, and the reader's answer on that is
/// the one that counts.
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
    let mut text = Vec::with_capacity(household.json.len() + 512 * household.members.len() + 64);
    let (head, tail) = household.json.split_at(household.members_at.min(household.json.len()));
    text.extend_from_slice(head);
    text.extend_from_slice(b",\"members\":[");
    for (k, &index) in household.members.iter().enumerate() {
        if k > 0 {
            text.push(b',');
        }
        text.extend_from_slice(&member_rows[index].json);
    }
    text.push(b']');
    text.extend_from_slice(tail);
    // Every piece is text from a cell or the layout, so this only fails on
    // a bug; reading a `str` spares serde checking each string again.
    let text = String::from_utf8(text)
        .map_err(|e| Problem { at: whole_row(), message: format!("not a valid household: {e}") })?;
    if let Ok(parsed) = reader.read(&text) {
        return Ok((text, parsed.member_ids.len()));
    }
    let doc: HouseholdDoc = serde_json::from_str(&text)
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
    let (text, gbk) = match String::from_utf8(bytes) {
        Ok(text) => (text, false),
        Err(e) => {
            let bytes = e.into_bytes();
            match encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(&bytes) {
                Some(text) => (text.into_owned(), true),
                None => return Err(ImportError::Encoding { file }),
            }
        }
    };
    let bom = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let read_error = |e: csv::Error| ImportError::Read { file: file.clone(), reason: e.to_string() };
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    if text.len() < 2 * CSV_PART || text.contains('"') {
        // Parsed whole: in quoted text a line end may be inside a cell.
        for record in csv_reader(&text[bom..]).records() {
            rows.push(record.map_err(read_error)?.iter().map(Cell::from_text).collect());
        }
        return Ok((Sheet { file, sheet: None, rows, rest: None }, gbk));
    }
    // Lines up to the header as cells; the rest stays text until its rows
    // are read.
    let mut reader = csv_reader(&text[bom..]);
    let mut record = csv::StringRecord::new();
    let mut start = text.len();
    while reader.read_record(&mut record).map_err(read_error)? {
        let cells: Vec<Cell> = record.iter().map(Cell::from_text).collect();
        let header = !blank(&cells);
        rows.push(cells);
        if header {
            start = bom + usize::try_from(reader.position().byte()).unwrap_or(text.len());
            break;
        }
    }
    let start = start.min(text.len());
    Ok((Sheet { file, sheet: None, rows, rest: Some(CsvRest { text, start }) }, gbk))
}

/// CSV text is cut into parts of at least this many bytes.
const CSV_PART: usize = 1 << 20;

/// Cuts CSV text into about `jobs` parts at line ends, to be parsed side
/// by side. Only text without quotes is cut: in quoted text a line end may
/// be inside a cell.
fn csv_parts(text: &str, jobs: usize) -> Vec<&str> {
    if jobs <= 1 || text.len() < 2 * CSV_PART || text.contains('"') {
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
    let open = || {
        calamine::open_workbook_auto(path)
            .map_err(|e| ImportError::NotWorkbook { file: file.clone(), reason: e.to_string() })
    };
    // The reader that gives the sheet names reads the households sheet; a
    // second one reads the members sheet at the same time (opening reads
    // the workbook's shared strings, so it is done no more than that).
    let first = open()?;
    let names = first.sheet_names();
    let sheet = |workbook: calamine::Sheets<_>, table: Table, what: &'static str| -> Result<Sheet, ImportError> {
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
        // Each sheet through its own reader, so that both are parsed at once.
        let not_workbook =
            |e: &dyn std::fmt::Display| ImportError::NotWorkbook { file: file.clone(), reason: e.to_string() };
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        match workbook {
            // Cell by cell, into the sheet's rows: no whole-sheet range of
            // calamine's own in between (a third of the memory).
            calamine::Sheets::Xlsx(mut workbook) => {
                let mut cells = match workbook.worksheet_cells_reader(&name) {
                    Ok(cells) => Some(cells),
                    Err(calamine::XlsxError::NotAWorksheet(_)) => None,
                    Err(e) => return Err(not_workbook(&e)),
                };
                while let Some(cell) =
                    cells.as_mut().map(|c| c.next_cell()).transpose().map_err(|e| not_workbook(&e))?.flatten()
                {
                    let (r, c) = cell.get_position();
                    let (r, c) = (r as usize, c as usize);
                    let value = Cell::from_calamine(cell.get_value());
                    if value == Cell::Empty {
                        continue;
                    }
                    if rows.len() <= r {
                        rows.resize_with(r + 1, Vec::new);
                    }
                    let row = &mut rows[r];
                    if row.len() < c {
                        row.resize(c, Cell::Empty);
                    }
                    if row.len() == c {
                        row.push(value);
                    } else {
                        row[c] = value;
                    }
                }
            }
            mut workbook => {
                let range = workbook.worksheet_range(&name).map_err(|e| not_workbook(&e))?;
                let (top, left) = range.start().unwrap_or((0, 0));
                rows = (0..top).map(|_| Vec::new()).collect();
                for r in range.rows() {
                    let mut row: Vec<Cell> = (0..left).map(|_| Cell::Empty).collect();
                    row.extend(r.iter().map(Cell::from_calamine));
                    rows.push(row);
                }
            }
        }
        Ok(Sheet { file: file.clone(), sheet: Some(name), rows, rest: None })
    };
    let (households, members) =
        rayon::join(|| sheet(first, Table::Households, "households"), || sheet(open()?, Table::Members, "members"));
    let (households, members) = (households?, members?);
    Ok((households, members))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layout_writes_fields_in_the_documents_order_with_the_default_schema_version() {
        let column = |table: Table, field: &str| table.columns().find(|c| c.field == field).unwrap();
        let h = Table::Households;
        let layout = Layout::new(
            h,
            vec![(0, column(h, "income.wage")), (1, column(h, "household_id")), (2, column(h, "income.property"))],
        );
        let sheet = Sheet { file: "h.csv".into(), sheet: None, rows: vec![], rest: None };
        let cells = [Cell::Number(1.0), Cell::from_text("h1"), Cell::Number(2.5)];
        let read = Row { sheet: &sheet, number: 2, cells: &cells }.read(&layout, 1);
        assert!(read.problems.is_empty());
        assert_eq!(read.id.as_deref(), Some("h1"));
        // The members go after the fields up to 脱贫年度 (lifted_year), before 工资性收入.
        assert_eq!(&read.json[..read.members_at], br#"{"schema_version":"1","household_id":"h1""#);
        assert_eq!(
            String::from_utf8(read.json).unwrap(),
            r#"{"schema_version":"1","household_id":"h1","income":{"wage":1.0,"property":2.5}}"#
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
    fn a_large_csv_file_is_read_in_parts_with_its_rows_numbered_as_in_the_file() {
        // Over 2 MiB without quotes: kept as text after its header, then read
        // in parts. Empty lines are not rows (as the `csv` reader has it),
        // and `\r\n` and `\n` line ends mix.
        let mut text = String::from("\u{feff}\n户编号,成员编号\r\n");
        for i in 0..200_000 {
            if i % 1000 == 0 {
                text.push_str("\n\r\n");
            }
            let member = if i == 150_000 { String::new() } else { format!("m{i}") };
            text.push_str(&format!("h{i},{member}{}", if i % 2 == 0 { "\n" } else { "\r\n" }));
        }
        assert!(text.len() > 2 * CSV_PART);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, &text).unwrap();
        let (mut sheet, gbk) = read_csv(&path).unwrap();
        assert!(!gbk);
        assert!(sheet.rest.is_some(), "read in parts");
        assert_eq!(sheet.rows.len(), 1, "only the header as cells");
        let column = |field: &str| Table::Members.columns().find(|c| c.field == field).unwrap();
        let layout = Layout::new(Table::Members, vec![(0, column("household_id")), (1, column("member_id"))]);
        let rows = read_rows(&mut sheet, 0, &layout, 0);
        assert_eq!(rows.len(), 200_000);
        for (i, row) in rows.iter().enumerate() {
            assert_eq!((row.number, row.id.as_deref()), (i + 2, Some(format!("h{i}").as_str())));
            assert_eq!(row.problems.is_empty(), i != 150_000);
        }
        let place = format!("{}:150002:B (成员编号)", path.display());
        assert_eq!(rows[150_000].problems[0].at, place);
    }
}
