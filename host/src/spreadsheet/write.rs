//! Households out in the import layout (`sample --csv/--xlsx`), and the
//! empty template (`import --template`): the same column table, written.

use std::path::Path;

use rulehost_input::HouseholdDoc;
use rust_xlsxwriter::{DataValidation, Format, Workbook, Worksheet, XlsxError};
use serde_json::Value;

use super::cells::date_serial;
use super::columns::{Column, Kind, Table, allowed};

/// A value ready for a cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Blank,
    Text(String),
    Number(f64),
    Date(rulehost_sdk::Date),
}

impl Out {
    fn csv(&self) -> String {
        match self {
            Out::Blank => String::new(),
            Out::Text(s) => s.clone(),
            Out::Number(f) => f.to_string(),
            Out::Date(d) => d.to_string(),
        }
    }
}

fn at<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |v, key| v.get(key).unwrap_or(&Value::Null))
}

/// The cell for `column` of a household's (or member's) JSON value.
fn out(column: &Column, value: &Value) -> Out {
    let v = at(value, column.field);
    match (column.kind, v) {
        (_, Value::Null) => Out::Blank,
        (Kind::Bool, Value::Bool(b)) => Out::Text(if *b { "是" } else { "否" }.to_owned()),
        (Kind::Enum(choices), Value::String(code)) => {
            Out::Text(choices.iter().find(|c| c.code == code).map_or(code.as_str(), |c| c.label()).to_owned())
        }
        (Kind::Date, Value::String(s)) => rulehost_sdk::Date::parse(s).map_or_else(|| Out::Text(s.clone()), Out::Date),
        (_, Value::Number(n)) => n.as_f64().map_or(Out::Blank, Out::Number),
        (_, Value::String(s)) => Out::Text(s.clone()),
        (_, other) => Out::Text(other.to_string()),
    }
}

/// The rows of one household: its row in the households table, and one
/// row per member.
pub fn rows(doc: &HouseholdDoc) -> serde_json::Result<(Vec<Out>, Vec<Vec<Out>>)> {
    let value = serde_json::to_value(doc)?;
    let household = Table::Households.columns().map(|c| out(c, &value)).collect();
    let empty = Vec::new();
    let members = value.get("members").and_then(Value::as_array).unwrap_or(&empty);
    let members = members
        .iter()
        .map(|m| {
            Table::Members
                .columns()
                .map(|c| if c.field == "household_id" { Out::Text(doc.household_id.clone()) } else { out(c, m) })
                .collect()
        })
        .collect();
    Ok((household, members))
}

/// Writes `docs` as two CSV files (UTF-8 with a byte-order mark, so that
/// Excel opens them as UTF-8), `households.csv` and `members.csv` in `dir`.
pub fn write_csv(dir: &Path, docs: impl Iterator<Item = HouseholdDoc>) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    std::fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
    let open = |name: &str| -> anyhow::Result<csv::Writer<std::io::BufWriter<std::fs::File>>> {
        let path = dir.join(name);
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("creating `{}`", path.display()))?,
        );
        file.write_all(b"\xEF\xBB\xBF")?;
        Ok(csv::Writer::from_writer(file))
    };
    let mut households = open("households.csv")?;
    let mut members = open("members.csv")?;
    households.write_record(Table::Households.columns().map(|c| c.header))?;
    members.write_record(Table::Members.columns().map(|c| c.header))?;
    for doc in docs {
        let (row, member_rows) = rows(&doc)?;
        households.write_record(row.iter().map(Out::csv))?;
        for m in member_rows {
            members.write_record(m.iter().map(Out::csv))?;
        }
    }
    households.flush()?;
    members.flush()?;
    Ok(())
}

/// Column width in characters, for a header (a CJK character counts two).
fn width(column: &Column) -> f64 {
    let header: usize = column.header.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    let content = match column.kind {
        Kind::Text => 14,
        Kind::Date => 11,
        Kind::Number => 12,
        Kind::Enum(_) => 10,
        _ => 6,
    };
    #[expect(clippy::cast_precision_loss, reason = "small widths")]
    let w = header.max(content) as f64 + 2.0;
    w
}

/// A sheet of a table: name, header row (bold, frozen), column widths.
fn start_table(sheet: &mut Worksheet, table: Table, bold: &Format) -> Result<(), XlsxError> {
    sheet.set_name(table.sheet())?;
    for (i, column) in table.columns().enumerate() {
        let col = col_num(i);
        sheet.set_column_width(col, width(column))?;
        sheet.write_string_with_format(0, col, column.header, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn col_num(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

fn write_row(sheet: &mut Worksheet, row: u32, cells: &[Out], date: &Format) -> Result<(), XlsxError> {
    for (i, cell) in cells.iter().enumerate() {
        let col = col_num(i);
        match cell {
            Out::Blank => {}
            Out::Text(s) => {
                sheet.write_string(row, col, s)?;
            }
            Out::Number(f) => {
                sheet.write_number(row, col, *f)?;
            }
            Out::Date(d) => {
                sheet.write_number_with_format(row, col, date_serial(*d), date)?;
            }
        }
    }
    Ok(())
}

/// Writes `docs` as a workbook with the two sheets, streaming (constant
/// memory mode): dates as date cells, numbers as numbers, 是/否 and labels.
pub fn write_xlsx(path: &Path, docs: impl Iterator<Item = HouseholdDoc>) -> anyhow::Result<()> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let h_count = Table::Households.columns().count();
    let m_count = Table::Members.columns().count();
    start_table(workbook.add_worksheet_with_constant_memory()?, Table::Households, &bold)?;
    start_table(workbook.add_worksheet_with_constant_memory()?, Table::Members, &bold)?;
    let (mut h_row, mut m_row) = (0u32, 0u32);
    for doc in docs {
        let (row, member_rows) = rows(&doc)?;
        h_row += 1;
        write_row(workbook.worksheet_from_index(0)?, h_row, &row, &date)?;
        for m in member_rows {
            m_row += 1;
            write_row(workbook.worksheet_from_index(1)?, m_row, &m, &date)?;
        }
    }
    workbook.worksheet_from_index(0)?.autofilter(0, 0, h_row, col_num(h_count - 1))?;
    workbook.worksheet_from_index(1)?.autofilter(0, 0, m_row, col_num(m_count - 1))?;
    workbook.save(path)?;
    Ok(())
}

/// Rows of the template that carry drop-down lists.
const TEMPLATE_ROWS: u32 = 10_000;

/// An empty workbook in the import layout: both sheets with their headers,
/// drop-down lists on enum and 是/否 columns, a notes sheet on every column.
pub fn write_template(path: &Path) -> anyhow::Result<()> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for table in [Table::Households, Table::Members] {
        let sheet = workbook.add_worksheet();
        start_table(sheet, table, &bold)?;
        for (i, column) in table.columns().enumerate() {
            let col = col_num(i);
            let list: Vec<&str> = match column.kind {
                Kind::Enum(choices) => choices.iter().map(|c| c.label()).collect(),
                Kind::Bool => vec!["是", "否"],
                Kind::Date => {
                    sheet.set_column_format(col, &date)?;
                    continue;
                }
                _ => continue,
            };
            let message = format!("{}: {}", column.header, allowed(column));
            let validation = DataValidation::new().allow_list_strings(&list)?.set_error_message(message)?;
            sheet.add_data_validation(1, col, TEMPLATE_ROWS, col, &validation)?;
        }
    }
    let notes = workbook.add_worksheet();
    notes.set_name("说明")?;
    let headers = ["表", "列名", "字段", "必填", "单位", "可填写的值"];
    for (i, (h, w)) in headers.iter().zip([10.0, 18.0, 40.0, 6.0, 20.0, 90.0]).enumerate() {
        notes.write_string_with_format(0, col_num(i), *h, &bold)?;
        notes.set_column_width(col_num(i), w)?;
    }
    let mut row = 0u32;
    for table in [Table::Households, Table::Members] {
        for column in table.columns() {
            row += 1;
            notes.write_string(row, 0, table.sheet())?;
            notes.write_string(row, 1, column.header)?;
            notes.write_string(row, 2, column.field)?;
            notes.write_string(row, 3, if column.required { "是" } else { "否" })?;
            notes.write_string(row, 4, column.unit)?;
            notes.write_string(row, 5, allowed(column))?;
        }
    }
    notes.set_freeze_panes(1, 0)?;
    workbook.save(path)?;
    Ok(())
}
