//! `rulehost import`, `sample --csv/--xlsx`, `import --template` and
//! `export` as a user runs them: round trips, and every kind of bad cell
//! with its exact message.
#![expect(clippy::unwrap_used, reason = "helpers of tests: a failure is the test's failure")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader};

fn rulehost(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rulehost")).args(args).output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A sample population as JSON Lines and as CSV files, in `dir`.
fn sample_csv(dir: &Path, n: u64) -> (Vec<u8>, PathBuf, PathBuf) {
    let jsonl = dir.join("sample.jsonl");
    let csv_dir = dir.join("csv");
    let n = n.to_string();
    assert!(rulehost(&["sample", "--households", &n, "--seed", "7", "--output", s(&jsonl)]).status.success());
    assert!(rulehost(&["sample", "--households", &n, "--seed", "7", "--csv", s(&csv_dir)]).status.success());
    (std::fs::read(&jsonl).unwrap(), csv_dir.join("households.csv"), csv_dir.join("members.csv"))
}

fn import_csv(h: &Path, m: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["import", "--households", s(h), "--members", s(m), "--output", s(out)];
    args.extend_from_slice(extra);
    rulehost(&args)
}

type Rows = Vec<Vec<String>>;

fn read_rows(path: &Path) -> Rows {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(path).unwrap();
    r.records().map(|rec| rec.unwrap().iter().map(|c| c.trim_start_matches('\u{feff}').to_owned()).collect()).collect()
}

fn write_rows(path: &Path, rows: &Rows) {
    let mut w = csv::Writer::from_path(path).unwrap();
    for row in rows {
        w.write_record(row).unwrap();
    }
    w.flush().unwrap();
}

fn col(rows: &Rows, header: &str) -> usize {
    rows[0].iter().position(|h| h == header).unwrap()
}

/// Changes one cell (`row` counts as the sheet does: the header is row 1).
fn edit(path: &Path, header: &str, row: usize, value: &str) {
    let mut rows = read_rows(path);
    let c = col(&rows, header);
    rows[row - 1][c] = value.to_owned();
    write_rows(path, &rows);
}

#[test]
fn sample_to_csv_and_back_gives_the_same_households() {
    let dir = tempfile::tempdir().unwrap();
    let (jsonl, h, m) = sample_csv(dir.path(), 300);
    let out = dir.path().join("imported.jsonl");
    let run = import_csv(&h, &m, &out, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(String::from_utf8(std::fs::read(&out).unwrap()).unwrap(), String::from_utf8(jsonl).unwrap());
    assert!(stderr(&run).contains("imported 300 of 300 households"), "{}", stderr(&run));
    let validate = rulehost(&["validate", s(&out)]);
    assert!(validate.status.success(), "{}", stderr(&validate));
}

#[test]
fn sample_to_xlsx_and_back_gives_the_same_households() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("sample.jsonl");
    let xlsx = dir.path().join("sample.xlsx");
    assert!(rulehost(&["sample", "--households", "300", "--seed", "9", "--output", s(&jsonl)]).status.success());
    assert!(rulehost(&["sample", "--households", "300", "--seed", "9", "--xlsx", s(&xlsx)]).status.success());
    let out = dir.path().join("imported.jsonl");
    let run = rulehost(&["import", s(&xlsx), "--output", s(&out)]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), std::fs::read_to_string(&jsonl).unwrap());

    // Dates are date cells, numbers are numbers, booleans 是/否.
    let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
    assert_eq!(wb.sheet_names(), vec!["户信息".to_owned(), "成员信息".to_owned()]);
    let members = wb.worksheet_range("成员信息").unwrap();
    assert_eq!(members.get((0, 3)), Some(&Data::String("出生日期".into())));
    assert!(matches!(members.get((1, 3)), Some(Data::DateTime(_))), "{:?}", members.get((1, 3)));
    let households = wb.worksheet_range("户信息").unwrap();
    assert!(matches!(households.get((1, 8)), Some(Data::Float(_))), "{:?}", households.get((1, 8)));
}

/// Runs an import of the sample with one edit and returns (exit code, stderr, output).
fn with_edit(edit_fn: impl FnOnce(&Path, &Path)) -> (i32, String, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (_, h, m) = sample_csv(dir.path(), 5);
    edit_fn(&h, &m);
    let out = dir.path().join("imported.jsonl");
    let run = import_csv(&h, &m, &out, &[]);
    let output = std::fs::read_to_string(&out).unwrap_or_default();
    (run.status.code().unwrap(), stderr(&run), output, dir)
}

fn lines(text: &str) -> usize {
    text.lines().count()
}

#[test]
fn a_date_that_does_not_exist() {
    let (code, err, out, dir) = with_edit(|_, m| edit(m, "出生日期", 2, "2021-02-30"));
    let m = dir.path().join("csv/members.csv");
    assert!(err.contains(&format!("{}:2:D (出生日期): 出生日期 \"2021-02-30\" is not a date", m.display())), "{err}");
    assert_eq!(code, 1);
    assert_eq!(lines(&out), 4, "the household of the bad cell is left out, the others imported");
    assert!(err.contains("left out 1 household:\n  1 with a bad cell"), "{err}");
}

#[test]
fn dates_as_officials_type_them() {
    let (code, err, out, _) = with_edit(|h, m| {
        edit(m, "出生日期", 2, "1960/3/5");
        edit(m, "出生日期", 3, "1962年11月20日");
        edit(h, "调查日期", 2, "2024/6/3");
        edit(h, "工资性收入", 2, "12,345.50");
        edit(m, "常住", 2, "Y");
        edit(m, "性别", 2, "female");
    });
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(r#""birth_date":"1960-03-05""#) && out.contains(r#""birth_date":"1962-11-20""#));
    assert!(out.contains(r#""survey_date":"2024-06-03""#) && out.contains(r#""wage":12345.5"#), "{out}");
}

#[test]
fn text_in_a_number_column() {
    let (code, err, out, dir) = with_edit(|h, _| edit(h, "工资性收入", 3, "三千"));
    let h = dir.path().join("csv/households.csv");
    assert!(err.contains(&format!("{}:3:I (工资性收入): 工资性收入 \"三千\" is not a number", h.display())), "{err}");
    assert_eq!((code, lines(&out)), (1, 4));
}

#[test]
fn an_unknown_enum_label() {
    let (code, err, _, dir) = with_edit(|h, _| edit(h, "户类型", 2, "贫困户"));
    let h = dir.path().join("csv/households.csv");
    let want = format!("{}:2:G (户类型): 户类型 \"贫困户\" is not one of 脱贫户, 一般农户", h.display());
    assert!(err.contains(&want), "{err}");
    assert_eq!(code, 1);
}

#[test]
fn a_missing_required_column() {
    let (code, err, out, dir) = with_edit(|_, m| {
        let mut rows = read_rows(m);
        let c = col(&rows, "出生日期");
        for row in &mut rows {
            row.remove(c);
        }
        write_rows(m, &rows);
    });
    let m = dir.path().join("csv/members.csv");
    assert_eq!(err.trim(), format!("error: {}:1: missing column 出生日期 (birth_date)", m.display()));
    assert_eq!((code, out.as_str()), (2, ""));
}

#[test]
fn a_duplicate_household_id() {
    let mut first = String::new();
    let (code, err, out, dir) = with_edit(|h, _| {
        let rows = read_rows(h);
        first = rows[1][0].clone();
        edit(h, "户编号", 4, &first);
    });
    let h = dir.path().join("csv/households.csv");
    let want = format!("{}:4:A (户编号): 户编号 \"{first}\" appears twice (also at row 2)", h.display());
    assert!(err.contains(&want), "{err}");
    // Both are left out: which row the members belong to cannot be told.
    assert!(err.contains("left out 2 households:"), "{err}");
    assert!(err.contains("2 with a household id that appears twice"), "{err}");
    assert_eq!((code, lines(&out)), (1, 3));
}

#[test]
fn a_member_whose_household_is_missing_and_a_household_with_no_members() {
    let mut id = String::new();
    let (code, err, out, dir) = with_edit(|_, m| {
        id = read_rows(m)[1][0].clone();
        let rows: Rows = read_rows(m).into_iter().filter(|r| r[0] != id).collect();
        let mut rows = rows;
        let mut orphan = rows[1].clone();
        orphan[0] = "nope".to_owned();
        rows.push(orphan);
        write_rows(m, &rows);
    });
    let (h, m) = (dir.path().join("csv/households.csv"), dir.path().join("csv/members.csv"));
    let last = lines(&std::fs::read_to_string(&m).unwrap());
    let want = format!("{}:{last}:A (户编号): 户编号 \"nope\": no such household in {}", m.display(), h.display());
    assert!(err.contains(&want), "{err}");
    let want = format!("{}:2:A (户编号): household \"{id}\" has no members in {}", h.display(), m.display());
    assert!(err.contains(&want), "{err}");
    assert!(err.contains("1 member row has no household"), "{err}");
    assert_eq!((code, lines(&out)), (1, 4));
}

#[test]
fn strict_stops_at_the_first_bad_cell_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_, h, m) = sample_csv(dir.path(), 5);
    edit(&m, "性别", 3, "?");
    edit(&h, "户类型", 4, "?");
    let out = dir.path().join("imported.jsonl");
    let run = import_csv(&h, &m, &out, &["--strict"]);
    assert_eq!(run.status.code(), Some(1));
    let err = stderr(&run);
    assert!(err.starts_with(&format!("{}:4:G (户类型): 户类型 \"?\" is not one of", h.display())), "{err}");
    assert!(!err.contains("性别"), "only the first: {err}");
    assert!(!out.exists() && !dir.path().join("imported.jsonl.partial").exists());
}

#[test]
fn an_empty_sheet() {
    let (code, err, _, dir) = with_edit(|_, m| std::fs::write(m, "").unwrap());
    let m = dir.path().join("csv/members.csv");
    assert_eq!(
        err.trim(),
        format!("error: {}: the sheet is empty: expected a header row, then one row per member", m.display())
    );
    assert_eq!(code, 2);

    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("empty.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let households = wb.add_worksheet().set_name("户信息").unwrap();
    for (i, c) in rulehost::spreadsheet::columns::Table::Households.columns().enumerate() {
        households.write(0, i as u16, c.header).unwrap();
    }
    wb.add_worksheet().set_name("成员信息").unwrap();
    wb.save(&xlsx).unwrap();
    let run = rulehost(&["import", s(&xlsx)]);
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        stderr(&run).trim(),
        format!(
            "error: {}:成员信息: the sheet is empty: expected a header row, then one row per member",
            xlsx.display()
        )
    );
}

#[test]
fn a_file_that_is_not_a_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("households.xlsx");
    std::fs::write(&xlsx, "户编号,区县代码\n").unwrap();
    let run = rulehost(&["import", s(&xlsx)]);
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(err.starts_with(&format!("error: {}: not an Excel workbook (.xlsx): ", xlsx.display())), "{err}");
}

#[test]
fn a_bad_cell_in_a_workbook_names_the_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("sample.xlsx");
    assert!(rulehost(&["sample", "--households", "3", "--seed", "1", "--xlsx", s(&xlsx)]).status.success());
    // Rewrite the members sheet with a bad date typed as text.
    let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
    let tables: Vec<(String, calamine::Range<Data>)> =
        ["户信息", "成员信息"].iter().map(|n| (n.to_string(), wb.worksheet_range(n).unwrap())).collect();
    let mut out = rust_xlsxwriter::Workbook::new();
    for (name, range) in &tables {
        let sheet = out.add_worksheet().set_name(name).unwrap();
        for (r, row) in range.rows().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Data::Float(f) => sheet.write_number(r, c, *f).unwrap(),
                    Data::DateTime(d) => sheet.write_number(r, c, d.as_f64()).unwrap(),
                    other => sheet.write_string(r, c, other.to_string()).unwrap(),
                };
            }
        }
        if name == "成员信息" {
            sheet.write_string(1, 3, "2020/13/01").unwrap();
        }
    }
    let bad = dir.path().join("bad.xlsx");
    out.save(&bad).unwrap();
    let run = rulehost(&["import", s(&bad), "--output", s(&dir.path().join("o.jsonl"))]);
    let err = stderr(&run);
    let want = format!("{}:成员信息:2:D (出生日期): 出生日期 \"2020/13/01\" is not a date", bad.display());
    assert!(err.contains(&want), "{err}");
    assert_eq!(run.status.code(), Some(1));
}

#[test]
fn a_gbk_csv_is_read_as_gbk() {
    let dir = tempfile::tempdir().unwrap();
    let (jsonl, h, m) = sample_csv(dir.path(), 20);
    for path in [&h, &m] {
        let text = std::fs::read_to_string(path).unwrap();
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(text.trim_start_matches('\u{feff}'));
        assert!(!unmappable);
        std::fs::write(path, &bytes).unwrap();
    }
    let out = dir.path().join("imported.jsonl");
    let run = import_csv(&h, &m, &out, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stderr(&run).contains(&format!("note: {} is not UTF-8; read it as GBK", h.display())));
    assert_eq!(std::fs::read(&out).unwrap(), jsonl);
}

#[test]
fn a_csv_in_neither_utf8_nor_gbk_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (_, h, m) = sample_csv(dir.path(), 2);
    std::fs::write(&h, b"\xff\xfe\xff\xfe,\x80\n").unwrap();
    let run = import_csv(&h, &m, &dir.path().join("o.jsonl"), &[]);
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        stderr(&run).trim(),
        format!(
            "error: {}: not UTF-8 and not GBK text; save it again as CSV UTF-8 (Excel: 另存为 → CSV UTF-8 (逗号分隔))",
            h.display()
        )
    );
}

#[test]
fn headers_by_field_name_in_any_order_and_unknown_columns_noted() {
    let (code, err, out, _) = with_edit(|h, _| {
        let rows = read_rows(h);
        let fields: Vec<&str> = rulehost::spreadsheet::columns::Table::Households.columns().map(|c| c.field).collect();
        // Reverse the columns, name them by field, and add a column of notes.
        let rows: Rows = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let mut r: Vec<String> =
                    if i == 0 { fields.iter().map(|f| f.to_string()).collect() } else { row.clone() };
                r.reverse();
                r.push(if i == 0 { "备注".into() } else { "x".into() });
                r
            })
            .collect();
        write_rows(h, &rows);
    });
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines(&out), 5);
    assert!(err.contains("(备注): not a column of the import layout; ignored"), "{err}");
}

#[test]
fn columns_shuffled_with_nested_fields_apart_give_the_same_households() {
    let dir = tempfile::tempdir().unwrap();
    let (want, h, m) = sample_csv(dir.path(), 40);
    // Every fifth column first, then the rest: 工资性收入 (income.wage) and
    // the other income columns end up apart, as do the housing and water
    // columns, in both tables.
    for path in [&h, &m] {
        let rows = read_rows(path);
        let width = rows[0].len();
        let order: Vec<usize> = (0..width).filter(|i| i % 5 == 0).chain((0..width).filter(|i| i % 5 != 0)).collect();
        let shuffled: Rows = rows.iter().map(|row| order.iter().map(|&i| row[i].clone()).collect()).collect();
        write_rows(path, &shuffled);
    }
    let income = read_rows(&h)[0].iter().position(|c| c == "工资性收入").unwrap();
    let property = read_rows(&h)[0].iter().position(|c| c == "财产性收入").unwrap();
    assert!(income.abs_diff(property) > 1, "the nested columns should be apart");
    let out = dir.path().join("imported.jsonl");
    let run = import_csv(&h, &m, &out, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(String::from_utf8(std::fs::read(&out).unwrap()).unwrap(), String::from_utf8(want).unwrap());
}

#[test]
fn empty_optional_cells_are_left_out_as_the_schema_wants() {
    // An empty 乡镇 cell cannot be written as `"township":null` (the schema
    // wants a string or nothing): such a household takes the reshaping
    // path, and comes out without the field.
    let dir = tempfile::tempdir().unwrap();
    let (want, h, m) = sample_csv(dir.path(), 30);
    let mut rows = read_rows(&h);
    let township = col(&rows, "乡镇");
    for row in rows.iter_mut().skip(1).step_by(2) {
        row[township].clear();
    }
    write_rows(&h, &rows);
    let out = dir.path().join("imported.jsonl");
    let run = import_csv(&h, &m, &out, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let got = String::from_utf8(std::fs::read(&out).unwrap()).unwrap();
    let want = String::from_utf8(want).unwrap();
    assert_eq!(got.lines().count(), 30);
    for (k, (got, want)) in got.lines().zip(want.lines()).enumerate() {
        if k % 2 == 1 {
            assert_eq!(got, want, "household {k} is untouched");
            continue;
        }
        let mut want: serde_json::Value = serde_json::from_str(want).unwrap();
        want.as_object_mut().unwrap().remove("township");
        assert!(!got.contains("township"), "{got}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(got).unwrap(), want);
    }
}

#[test]
fn a_schema_failure_points_at_its_cell() {
    // 务工月数 13 is a whole number, but the schema allows 0 to 12.
    let (code, err, _, dir) = with_edit(|_, m| edit(m, "务工月数", 2, "13"));
    let m = dir.path().join("csv/members.csv");
    assert!(err.contains(&format!("{}:2:N (务工月数): ", m.display())), "{err}");
    assert!(err.contains("1 with not a valid household (schema)"), "{err}");
    assert_eq!(code, 1);
}

#[test]
fn the_template_has_both_sheets_and_notes() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("template.xlsx");
    let run = rulehost(&["import", "--template", s(&xlsx)]);
    assert!(run.status.success(), "{}", stderr(&run));
    let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
    assert_eq!(wb.sheet_names(), vec!["户信息".to_owned(), "成员信息".to_owned(), "说明".to_owned()]);
    use rulehost::spreadsheet::columns::{COLUMNS, Table};
    for table in [Table::Households, Table::Members] {
        let range = wb.worksheet_range(table.sheet()).unwrap();
        let headers: Vec<String> = range.rows().next().unwrap().iter().map(ToString::to_string).collect();
        let want: Vec<String> = table.columns().map(|c| c.header.to_owned()).collect();
        assert_eq!(headers, want);
    }
    assert_eq!(wb.worksheet_range("说明").unwrap().rows().count(), COLUMNS.len() + 1);
    // Drop-down lists: one data validation per enum or 是/否 column.
    let file = std::fs::File::open(&xlsx).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet2.xml").unwrap(), &mut xml).unwrap();
    assert!(xml.contains(r#"<formula1>"户主,配偶,子女,父母,孙子女,兄弟姐妹,其他"</formula1>"#), "{xml}");
    // Importing the empty template: no households, nothing wrong.
    let run = rulehost(&["import", s(&xlsx)]);
    assert!(run.status.success(), "{}", stderr(&run));
}

#[test]
fn import_and_export_have_help() {
    for args in [["import", "--help"], ["export", "--help"]] {
        let out = rulehost(&args);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("Exit codes"));
    }
}

const OK: &str = r#"{"line":1,"household_id":"h1","district_code":"500229","as_of":"2024-03-01","plugin":{"name":"baseline","version":"1.0.0","sha256":"0123456789abcdef"},"status":"ok","monitoring":"marginal","monitoring_reason":"below the line","flags":[{"code":"guarantee.basic_medical","severity":"warning","reason":"no insurance","members":["m1"]}],"decisions":[{"program":"dibao","eligible":true,"members":[],"reason":"r","amount_yuan":1200.5},{"program":"tekun","eligible":false,"members":[],"reason":"r"}],"derived":{"residents":2,"net_income":9000,"per_capita_income":4500,"rigid_expenditure":0},"error":null}"#;

#[test]
fn export_writes_the_figures_of_the_results_file() {
    let dir = tempfile::tempdir().unwrap();
    let rejected = r#"{"line":2,"household_id":null,"district_code":null,"status":"rejected","error":{"kind":"not_json","message":"not valid JSON"}}"#;
    let failed = r#"{"line":3,"household_id":"h3","district_code":"500101","as_of":"2023-01-01","status":"plugin_error","error":{"kind":"out_of_fuel","message":"ran out of fuel"}}"#;
    let second =
        OK.replace(r#""line":1,"household_id":"h1""#, r#""line":4,"household_id":"h4""#).replace("1200.5", "99.25");
    let results = dir.path().join("results.jsonl");
    std::fs::write(&results, format!("{OK}\n{rejected}\n{failed}\n{second}\n")).unwrap();
    let xlsx = dir.path().join("results.xlsx");
    let run = rulehost(&["export", s(&results), "--xlsx", s(&xlsx)]);
    assert!(run.status.success(), "{}", stderr(&run));

    let digest =
        rulehost::report::Digest::read(std::io::BufReader::new(std::fs::File::open(&results).unwrap())).unwrap();
    let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
    assert_eq!(wb.sheet_names(), ["汇总", "监测户", "风险与帮扶", "拒收与错误"].map(String::from).to_vec());

    // Summary: one row per district and the total, as `report` adds them up.
    let summary = wb.worksheet_range("汇总").unwrap();
    let headers: Vec<String> = summary.rows().next().unwrap().iter().map(ToString::to_string).collect();
    let at = |row: usize, header: &str| -> Data {
        let c = headers.iter().position(|h| h == header).unwrap_or_else(|| panic!("{header} in {headers:?}"));
        summary.get((row, c)).cloned().unwrap()
    };
    let total = digest.summary.total();
    let last = summary.height() - 1;
    assert_eq!(at(last, "区县代码"), Data::String("合计".into()));
    assert_eq!(at(last, "户数"), Data::Float(total.households as f64));
    assert_eq!(at(last, "正常"), Data::Float(total.ok as f64));
    assert_eq!(at(last, "拒收"), Data::Float(total.rejected as f64));
    assert_eq!(at(last, "插件错误"), Data::Float(total.plugin_errors as f64));
    assert_eq!(at(last, "边缘易致贫户 (marginal)"), Data::Float(total.monitoring["marginal"] as f64));
    assert_eq!(at(last, "低保 (dibao)"), Data::Float(total.programmes["dibao"] as f64));
    assert_eq!(at(last, "低保金额(元)"), Data::Float(total.dibao_fen as f64 / 100.0));
    assert_eq!(at(last, "低保金额(元)"), Data::Float(1299.75));
    let row_500229 = (1..last).find(|&r| at(r, "区县代码") == Data::String("500229".into())).unwrap();
    assert_eq!(at(row_500229, "区县"), Data::String("城口县".into()));
    assert_eq!(at(row_500229, "户数"), Data::Float(digest.summary.districts["500229"].households as f64));

    // Monitored households: category, per-capita income as a number, date as a date.
    let monitored = wb.worksheet_range("监测户").unwrap();
    assert_eq!(monitored.height(), 3);
    assert_eq!(monitored.get((1, 0)), Some(&Data::String("h1".into())));
    assert!(matches!(monitored.get((1, 3)), Some(Data::DateTime(_))));
    assert_eq!(monitored.get((1, 4)), Some(&Data::String("边缘易致贫户 (marginal)".into())));
    assert_eq!(monitored.get((1, 5)), Some(&Data::Float(4500.0)));

    // One row per flag and per decision, with Chinese labels.
    let items = wb.worksheet_range("风险与帮扶").unwrap();
    assert_eq!(items.height(), 1 + 2 * 3);
    let row = |r: usize| -> Vec<String> { items.rows().nth(r).unwrap().iter().map(ToString::to_string).collect() };
    assert_eq!(row(1)[..7], ["h1", "500229", "风险", "guarantee.basic_medical", "基本医疗保障", "警告", "m1"]);
    assert_eq!(row(2)[..6], ["h1", "500229", "帮扶", "dibao", "低保", "符合"]);
    assert_eq!(items.get((2, 7)), Some(&Data::Float(1200.5)));

    // Rejects and errors with their line numbers and messages.
    let failures = wb.worksheet_range("拒收与错误").unwrap();
    assert_eq!(failures.height(), 3);
    assert_eq!(failures.get((1, 0)), Some(&Data::Float(2.0)));
    assert_eq!(failures.get((1, 4)), Some(&Data::String("not_json".into())));
    assert_eq!(failures.get((2, 0)), Some(&Data::Float(3.0)));
    assert_eq!(failures.get((2, 6)), Some(&Data::String("ran out of fuel".into())));
}

#[test]
fn export_of_a_missing_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let run = rulehost(&["export", s(&dir.path().join("none.jsonl")), "--xlsx", s(&dir.path().join("x.xlsx"))]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("opening"), "{}", stderr(&run));
}

#[test]
fn a_full_sheet_goes_on_in_the_next_part() {
    let dir = tempfile::tempdir().unwrap();
    let second = OK.replace(r#""line":1,"household_id":"h1""#, r#""line":2,"household_id":"h2""#);
    let results = dir.path().join("results.jsonl");
    std::fs::write(&results, format!("{OK}\n{second}\n")).unwrap();
    let xlsx = dir.path().join("results.xlsx");
    let written = rulehost::spreadsheet::export::export_with(&results, &xlsx, 4).unwrap();
    assert_eq!(written.items, 6);
    let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
    assert!(wb.sheet_names().contains(&"风险与帮扶 (2)".to_owned()), "{:?}", wb.sheet_names());
    let first = wb.worksheet_range("风险与帮扶").unwrap();
    let next = wb.worksheet_range("风险与帮扶 (2)").unwrap();
    assert_eq!((first.height(), next.height()), (5, 3), "4 rows, then 2, each under a header");
    assert_eq!(next.get((0, 0)), Some(&Data::String("户编号".into())));
    assert_eq!(next.get((1, 0)), Some(&Data::String("h2".into())));
}
