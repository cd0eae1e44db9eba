//! One cell to one JSON value of the household, as officials type it:
//! dates in four shapes, 是/否, Chinese labels, thousands separators.

use std::io::Write;

use compact_str::CompactString;
use rulehost_sdk::Date;
use serde_json::Value;

use super::columns::{Column, FALSE_WORDS, Kind, TRUE_WORDS};

/// A cell as read from a workbook or a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Inline up to 24 bytes: a sheet of a million rows holds millions of
    /// short cells (是, 0, 2024-06-02), each without an allocation.
    Text(CompactString),
    Number(f64),
    Bool(bool),
    /// An Excel date cell, as its serial number.
    Date(f64),
    /// An Excel error value (`#N/A`, `#VALUE!`).
    Error(String),
}

impl Cell {
    pub fn from_text(text: &str) -> Cell {
        if text.trim().is_empty() { Cell::Empty } else { Cell::Text(CompactString::from(text)) }
    }

    /// A cell as calamine gives it: a value of a whole-sheet range
    /// (`Data`) or of its cell-by-cell reader (`DataRef`).
    pub fn from_calamine(data: &impl calamine::DataType) -> Cell {
        if let Some(s) = data.get_string().or_else(|| data.get_datetime_iso()).or_else(|| data.get_duration_iso()) {
            Cell::from_text(s)
        } else if let Some(i) = data.get_int() {
            #[expect(clippy::cast_precision_loss, reason = "cell integers are far below 2^53")]
            Cell::Number(i as f64)
        } else if let Some(f) = data.get_float() {
            Cell::Number(f)
        } else if let Some(b) = data.get_bool() {
            Cell::Bool(b)
        } else if let Some(d) = data.get_datetime() {
            Cell::Date(d.as_f64())
        } else if let Some(e) = data.get_error() {
            Cell::Error(e.to_string())
        } else {
            Cell::Empty
        }
    }

    /// The cell as the official sees it, for messages.
    pub fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.to_string(),
            Cell::Number(f) | Cell::Date(f) => f.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// A cell's value for its field, before it becomes JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed<'c> {
    Null,
    Text(&'c str),
    /// Text made from a number cell (`500229`).
    Owned(String),
    Date(Date),
    Bool(bool),
    Number(f64),
    Integer(i64),
    /// An enum's code.
    Code(&'static str),
}

impl Typed<'_> {
    /// Appends the value as JSON, as `serde_json` writes the `Value`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Typed::Null => out.extend_from_slice(b"null"),
            Typed::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Typed::Date(d) => {
                out.push(b'"');
                // Writing to a `Vec` cannot fail.
                let _ = write!(out, "{d}");
                out.push(b'"');
            }
            // Writing to a `Vec` cannot fail.
            Typed::Text(s) => serde_json::to_writer(out, s).unwrap_or_default(),
            Typed::Owned(s) => serde_json::to_writer(out, s).unwrap_or_default(),
            Typed::Code(s) => serde_json::to_writer(out, s).unwrap_or_default(),
            Typed::Number(f) => serde_json::to_writer(out, f).unwrap_or_default(),
            Typed::Integer(i) => serde_json::to_writer(out, i).unwrap_or_default(),
        }
    }

    pub fn into_value(self) -> Value {
        match self {
            Typed::Null => Value::Null,
            Typed::Text(s) => Value::String(s.to_owned()),
            Typed::Owned(s) => Value::String(s),
            Typed::Date(d) => Value::String(d.to_string()),
            Typed::Bool(b) => Value::Bool(b),
            Typed::Number(f) => Value::from(f),
            Typed::Integer(i) => Value::from(i),
            Typed::Code(s) => Value::from(s),
        }
    }
}

/// Reads `cell` for `column`. `Ok(Value::Null)` is an empty optional cell.
/// The message names the header and quotes the cell.
pub fn read(column: &Column, cell: &Cell) -> Result<Value, String> {
    typed(column, cell).map(Typed::into_value)
}

/// [`read`], without building a `Value`.
pub fn typed<'c>(column: &Column, cell: &'c Cell) -> Result<Typed<'c>, String> {
    let header = column.header;
    let bad = |what: &str| format!("{header} \"{}\" is not {what}", cell.shown());
    if let Cell::Text(s) = cell
        && s.trim().is_empty()
    {
        return typed(column, &Cell::Empty);
    }
    match (column.kind, cell) {
        (_, Cell::Empty) if column.required => Err(format!("{header} is empty")),
        (_, Cell::Empty) => Ok(Typed::Null),
        (_, Cell::Error(e)) => Err(format!("{header} holds the spreadsheet error {e}")),
        (Kind::Text, Cell::Text(s)) => Ok(Typed::Text(s.trim())),
        (Kind::Text, Cell::Number(f)) => Ok(Typed::Owned(number_text(*f))),
        (Kind::Text, _) => Err(bad("text")),
        (Kind::Date, Cell::Date(serial) | Cell::Number(serial)) => {
            serial_date(*serial).map(Typed::Date).ok_or_else(|| bad("a date"))
        }
        (Kind::Date, Cell::Text(s)) => text_date(s).map(Typed::Date).ok_or_else(|| bad("a date")),
        (Kind::Date, Cell::Bool(_)) => Err(bad("a date")),
        (Kind::Bool, Cell::Bool(b)) => Ok(Typed::Bool(*b)),
        (Kind::Bool, Cell::Number(f)) if *f == 1.0 || *f == 0.0 => Ok(Typed::Bool(*f == 1.0)),
        (Kind::Bool, Cell::Text(s)) => {
            let s = s.trim();
            if TRUE_WORDS.contains(&s) {
                Ok(Typed::Bool(true))
            } else if FALSE_WORDS.contains(&s) {
                Ok(Typed::Bool(false))
            } else {
                Err(bad("是/否"))
            }
        }
        (Kind::Bool, _) => Err(bad("是/否")),
        (Kind::Enum(choices), _) => {
            let text = match cell {
                Cell::Text(s) => std::borrow::Cow::Borrowed(s.as_str()),
                Cell::Number(f) => std::borrow::Cow::Owned(number_text(*f)),
                other => std::borrow::Cow::Owned(other.shown()),
            };
            let text = text.trim();
            choices.iter().find(|c| c.code == text || c.labels.contains(&text)).map(|c| Typed::Code(c.code)).ok_or_else(
                || {
                    let names: Vec<&str> = choices.iter().map(|c| c.label()).collect();
                    format!("{header} \"{}\" is not one of {}", cell.shown(), names.join(", "))
                },
            )
        }
        (Kind::Number, Cell::Number(f)) if f.is_finite() => Ok(Typed::Number(*f)),
        (Kind::Number, Cell::Text(s)) => text_number(s).map(Typed::Number).ok_or_else(|| bad("a number")),
        (Kind::Number, _) => Err(bad("a number")),
        (Kind::Integer, Cell::Number(f)) => whole(*f).map(Typed::Integer).ok_or_else(|| bad("a whole number")),
        (Kind::Integer, Cell::Text(s)) => {
            text_number(s).and_then(whole).map(Typed::Integer).ok_or_else(|| bad("a whole number"))
        }
        (Kind::Integer, _) => Err(bad("a whole number")),
    }
}

/// A whole number without `.0`, anything else as Rust writes it.
fn number_text(f: f64) -> String {
    whole(f).map_or_else(|| f.to_string(), |i| i.to_string())
}

fn whole(f: f64) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    #[expect(clippy::cast_possible_truncation, reason = "a whole number below 2^53")]
    (f.is_finite() && f.fract() == 0.0 && f.abs() < EXACT).then_some(f as i64)
}

/// `12,345.67`, ` 1 234 `, `-300`; no letters, no empty text.
fn text_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let plain = |c: u8| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+');
    if !text.is_empty() && text.bytes().all(plain) {
        return text.parse::<f64>().ok().filter(|f| f.is_finite());
    }
    let cleaned: String = text.trim().chars().filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{a0}')).collect();
    if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Days from Excel's day 0 (1899-12-30, counting its phantom 1900-02-29)
/// to 1970-01-01.
const EXCEL_EPOCH_OFFSET: i64 = 25_569;

/// An Excel serial (date system 1900) to a date. Serials before 1 March
/// 1900 (61) are refused: Excel counts a 29 February 1900 that never was.
pub fn serial_date(serial: f64) -> Option<Date> {
    if !serial.is_finite() || !(61.0..2_958_466.0).contains(&serial) {
        return None;
    }
    #[expect(clippy::cast_possible_truncation, reason = "range checked above")]
    let days = serial.floor() as i64;
    Some(Date::from_days_since_epoch(days - EXCEL_EPOCH_OFFSET))
}

/// The Excel serial of a date (for writing date cells).
pub fn date_serial(date: Date) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "day counts are far below 2^53")]
    let serial = (date.days_since_epoch() + EXCEL_EPOCH_OFFSET) as f64;
    serial
}

/// `2021-06-30`, `2021-6-30`, `2021/6/30`, `2021.6.30`, `2021年6月30日`;
/// `None` for any other shape or a day that does not exist.
pub fn text_date(text: &str) -> Option<Date> {
    let text = text.trim();
    // The common shape, `2021-06-30`, without splitting.
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *text.as_bytes()
        && [y0, y1, y2, y3, m0, m1, d0, d1].iter().all(u8::is_ascii_digit)
    {
        let n = |digits: &[u8]| digits.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        return Date::new(n(&[y0, y1, y2, y3]), u8::try_from(n(&[m0, m1])).ok()?, u8::try_from(n(&[d0, d1])).ok()?);
    }
    let text = text.strip_suffix('日').unwrap_or(text);
    let parts: Vec<&str> = text.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else { return None };
    let digits = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit());
    if y.len() != 4 || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
        return None;
    }
    // `年` must come with `月` (and only then); mixing separators is refused.
    let chinese = text.contains('年');
    if chinese != text.contains('月') || (chinese && text.contains(['-', '/', '.'])) {
        return None;
    }
    let sep = text.chars().find(|c| !c.is_ascii_digit())?;
    if !chinese && text.chars().filter(|c| *c == sep).count() != 2 {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spreadsheet::columns::COLUMNS;

    fn column(field: &str, members: bool) -> &'static Column {
        use crate::spreadsheet::columns::Table;
        let table = if members { Table::Members } else { Table::Households };
        COLUMNS.iter().find(|c| c.field == field && c.table == table).unwrap()
    }

    fn text(field: &str, members: bool, s: &str) -> Result<Value, String> {
        read(column(field, members), &Cell::from_text(s))
    }

    #[test]
    fn dates_in_every_shape() {
        for s in ["2021-06-30", "2021/6/30", "2021年6月30日", "2021-6-30", "2021.06.30", " 2021/06/30 "] {
            assert_eq!(text("birth_date", true, s), Ok(Value::from("2021-06-30")), "{s}");
        }
        // 44377 is 2021-06-30 in Excel's 1900 date system.
        assert_eq!(read(column("birth_date", true), &Cell::Date(44377.0)), Ok(Value::from("2021-06-30")));
        assert_eq!(read(column("birth_date", true), &Cell::Number(44377.0)), Ok(Value::from("2021-06-30")));
        assert_eq!(date_serial(Date::new(2021, 6, 30).unwrap()), 44377.0);
        for s in ["2020/13/01", "2021-02-29", "30/6/2021", "2021-06", "2021/6-30", "2021年6月", "abc", "2021年6-30日"]
        {
            assert_eq!(text("birth_date", true, s), Err(format!("出生日期 \"{s}\" is not a date")), "{s}");
        }
    }

    #[test]
    fn booleans_enums_numbers() {
        for (s, b) in [("是", true), ("否", false), ("Y", true), ("N", false), ("true", true), ("0", false)] {
            assert_eq!(text("resident", true, s), Ok(Value::Bool(b)));
        }
        assert_eq!(text("resident", true, "maybe"), Err("常住 \"maybe\" is not 是/否".into()));
        assert_eq!(text("poverty_status", false, "脱贫户"), Ok(Value::from("lifted")));
        assert_eq!(text("poverty_status", false, "general"), Ok(Value::from("general")));
        assert_eq!(text("housing.safety_grade", false, "C级"), Ok(Value::from("C")));
        assert_eq!(
            text("poverty_status", false, "贫困户"),
            Err("户类型 \"贫困户\" is not one of 脱贫户, 一般农户".into())
        );
        assert_eq!(text("income.wage", false, "12,345.50"), Ok(Value::from(12345.5)));
        assert_eq!(text("income.operating_net", false, "-1,200"), Ok(Value::from(-1200.0)));
        assert_eq!(text("income.wage", false, "三千"), Err("工资性收入 \"三千\" is not a number".into()));
        assert_eq!(text("employment.months", true, "3.5"), Err("务工月数 \"3.5\" is not a whole number".into()));
        assert_eq!(text("disability_grade", true, ""), Ok(Value::Null));
        assert_eq!(text("birth_date", true, " "), Err("出生日期 is empty".into()));
        assert_eq!(read(column("district_code", false), &Cell::Number(500229.0)), Ok(Value::from("500229")));
    }
}

#[cfg(test)]
mod json_tests {
    use super::*;
    use crate::spreadsheet::columns::COLUMNS;

    /// `Typed::write_json` writes what `serde_json` writes for the `Value`
    /// `read` gives, for every column and a spread of cells.
    #[test]
    fn typed_json_is_the_values_json() {
        let cells = [
            Cell::Empty,
            Cell::Text(" 户 \"x\"\\ \n".into()),
            Cell::Text("2021/6/30".into()),
            Cell::Text("2021-06-30".into()),
            Cell::Text("12,345.50".into()),
            Cell::Text("是".into()),
            Cell::Text("A级".into()),
            Cell::Text("脱贫户".into()),
            Cell::Text("-3".into()),
            Cell::Number(44377.0),
            Cell::Number(1.0),
            Cell::Number(0.1),
            Cell::Number(500_229.0),
            Cell::Bool(true),
            Cell::Date(44377.0),
        ];
        let mut checked = 0;
        for column in COLUMNS {
            for cell in &cells {
                if let Ok(t) = typed(column, cell) {
                    let mut out = Vec::new();
                    t.clone().write_json(&mut out);
                    let value = read(column, cell).unwrap();
                    assert_eq!(
                        String::from_utf8(out).unwrap(),
                        serde_json::to_string(&value).unwrap(),
                        "{column:?} {cell:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 100, "{checked}");
    }
}
