//! The one table that maps spreadsheet columns to household fields: the
//! import reads through it, `sample --csv/--xlsx` and the template write
//! through it, and `docs/import.md` is checked against it.

/// The two tables officials keep: one row per household, one per member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Households,
    Members,
}

impl Table {
    /// The sheet (and CSV file) name written by rulehost.
    pub fn sheet(self) -> &'static str {
        match self {
            Table::Households => "户信息",
            Table::Members => "成员信息",
        }
    }

    /// Other sheet names accepted on import.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Table::Households => &["户信息", "households", "户", "家庭户"],
            Table::Members => &["成员信息", "members", "成员", "家庭成员"],
        }
    }

    pub fn columns(self) -> impl Iterator<Item = &'static Column> {
        COLUMNS.iter().filter(move |c| c.table == self)
    }
}

/// What a cell holds and how it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// An Excel date cell or serial, `2021-06-30`, `2021/6/30`, `2021年6月30日`.
    Date,
    /// 是/否, Y/N, true/false, 1/0.
    Bool,
    /// A code of the contract, or one of its Chinese labels.
    Enum(&'static [Choice]),
    /// A number, thousands separators allowed.
    Number,
    /// A whole number.
    Integer,
}

/// One value of an enum column: the contract's code and its Chinese
/// labels (the first is the one rulehost writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub code: &'static str,
    pub labels: &'static [&'static str],
}

impl Choice {
    pub fn label(&self) -> &'static str {
        self.labels.first().copied().unwrap_or(self.code)
    }
}

const fn choice(code: &'static str, labels: &'static [&'static str]) -> Choice {
    Choice { code, labels }
}

/// One column of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub table: Table,
    /// The Chinese header rulehost writes and reads.
    pub header: &'static str,
    /// The field, dotted for nested fields (`income.wage`); also accepted as header.
    pub field: &'static str,
    pub kind: Kind,
    /// `true`: the column must be present and every cell filled. `false`:
    /// the column may be missing and an empty cell leaves the field out
    /// (or null); the schema still decides whether that is allowed.
    pub required: bool,
    pub unit: &'static str,
    /// Allowed values beyond the kind, as officials read them.
    pub note: &'static str,
}

/// Enum choices, codes as in `schemas/household.schema.json`.
pub const POVERTY_STATUS: &[Choice] = &[choice("lifted", &["脱贫户"]), choice("general", &["一般农户"])];
pub const RELATION: &[Choice] = &[
    choice("head", &["户主"]),
    choice("spouse", &["配偶"]),
    choice("child", &["子女", "之子", "之女"]),
    choice("parent", &["父母", "之父", "之母"]),
    choice("grandchild", &["孙子女", "之孙子", "之孙女"]),
    choice("sibling", &["兄弟姐妹"]),
    choice("other", &["其他"]),
];
pub const SEX: &[Choice] = &[choice("male", &["男"]), choice("female", &["女"])];
pub const HEALTH: &[Choice] = &[
    choice("healthy", &["健康"]),
    choice("chronic_illness", &["长期慢性病", "慢性病"]),
    choice("serious_illness", &["患大病", "大病"]),
];
pub const LABOR: &[Choice] = &[
    choice("full", &["普通劳动力", "技能劳动力"]),
    choice("partial", &["弱劳动力或半劳动力", "弱劳动力", "半劳动力"]),
    choice("none", &["无劳动力", "丧失劳动力"]),
];
pub const INSURANCE: &[Choice] = &[
    choice("resident", &["城乡居民", "城乡居民保险"]),
    choice("employee", &["职工", "职工保险"]),
    choice("none", &["未参保", "无"]),
];
pub const LOCATION: &[Choice] = &[
    choice("local", &["本地务工", "本地", "县内"]),
    choice("outside", &["外出务工", "外出", "县外"]),
    choice("none", &["未务工", "无"]),
];
pub const GRADE: &[Choice] =
    &[choice("A", &["A级"]), choice("B", &["B级"]), choice("C", &["C级"]), choice("D", &["D级"])];

const fn col(
    table: Table,
    header: &'static str,
    field: &'static str,
    kind: Kind,
    required: bool,
    unit: &'static str,
    note: &'static str,
) -> Column {
    Column { table, header, field, kind, required, unit, note }
}

use Kind::{Bool, Date, Enum, Integer, Number, Text};
use Table::{Households as H, Members as M};

/// Every column, in the order rulehost writes them.
pub const COLUMNS: &[Column] = &[
    col(H, "户编号", "household_id", Text, true, "", "unique in the file"),
    col(H, "数据版本", "schema_version", Text, false, "", "`1`; filled in when the column is missing"),
    col(H, "区县代码", "district_code", Text, true, "", "six digits, e.g. 500229"),
    col(H, "乡镇", "township", Text, false, "", ""),
    col(H, "村", "village", Text, false, "", ""),
    col(H, "调查日期", "survey_date", Date, true, "", ""),
    col(H, "户类型", "poverty_status", Enum(POVERTY_STATUS), true, "", ""),
    col(H, "脱贫年度", "lifted_year", Integer, false, "year", "required for 脱贫户"),
    col(H, "工资性收入", "income.wage", Number, true, "yuan/year", ">= 0"),
    col(H, "生产经营性净收入", "income.operating_net", Number, true, "yuan/year", "may be negative"),
    col(H, "财产性收入", "income.property", Number, true, "yuan/year", ">= 0"),
    col(H, "转移性收入", "income.transfer", Number, true, "yuan/year", ">= 0"),
    col(H, "上年家庭纯收入", "previous_year_income", Number, true, "yuan/year", "household total"),
    col(H, "自付医疗费用", "rigid_expenditure.medical_out_of_pocket", Number, true, "yuan/year", ">= 0"),
    col(H, "教育支出", "rigid_expenditure.education", Number, true, "yuan/year", ">= 0"),
    col(H, "灾害损失", "rigid_expenditure.disaster_loss", Number, true, "yuan/year", ">= 0"),
    col(H, "意外事故损失", "rigid_expenditure.accident_loss", Number, true, "yuan/year", ">= 0"),
    col(H, "住房安全等级", "housing.safety_grade", Enum(GRADE), true, "", ""),
    col(H, "已改造", "housing.renovated", Bool, true, "", ""),
    col(H, "地质灾害区", "housing.geohazard_zone", Bool, true, "", ""),
    col(H, "人均日用水量", "water.litres_per_person_day", Number, true, "litres/person/day", ">= 0"),
    col(H, "缺水地区", "water.water_scarce_area", Bool, true, "", ""),
    col(H, "水质达标", "water.quality_ok", Bool, true, "", ""),
    col(H, "取水时间", "water.fetch_minutes", Number, true, "minutes (round trip)", ">= 0"),
    col(H, "停水天数", "water.interruption_days", Integer, true, "days/year", "0-366"),
    col(H, "吃穿不愁", "food_clothing_secure", Bool, true, "", ""),
    col(M, "户编号", "household_id", Text, true, "", "a household of the households table"),
    col(M, "成员编号", "member_id", Text, true, "", "unique in the household"),
    col(M, "与户主关系", "relation", Enum(RELATION), true, "", ""),
    col(M, "出生日期", "birth_date", Date, true, "", ""),
    col(M, "性别", "sex", Enum(SEX), true, "", ""),
    col(M, "常住", "resident", Bool, true, "", "lives in the household"),
    col(M, "健康状况", "health", Enum(HEALTH), true, "", ""),
    col(M, "残疾等级", "disability_grade", Integer, false, "", "1-4 (1 most severe); empty for none"),
    col(M, "劳动能力", "labor_capacity", Enum(LABOR), true, "", ""),
    col(M, "在校生", "enrolled_in_school", Bool, true, "", ""),
    col(M, "送教上门", "home_schooled", Bool, true, "", ""),
    col(M, "医疗保险", "medical_insurance", Enum(INSURANCE), true, "", ""),
    col(M, "养老保险", "pension_insurance", Enum(INSURANCE), true, "", ""),
    col(M, "务工月数", "employment.months", Integer, true, "months", "0-12"),
    col(M, "务工地点", "employment.location", Enum(LOCATION), true, "", ""),
    col(M, "有法定赡养人", "has_legal_supporter", Bool, true, "", "has a legal supporter"),
];

/// 是/否 as rulehost writes them, and every spelling it reads.
pub const TRUE_WORDS: &[&str] = &["是", "Y", "y", "yes", "Yes", "YES", "true", "TRUE", "True", "1", "有", "√"];
pub const FALSE_WORDS: &[&str] = &["否", "N", "n", "no", "No", "NO", "false", "FALSE", "False", "0", "无", "×"];

/// The allowed values of a column, in words, for the docs and the notes sheet.
pub fn allowed(column: &Column) -> String {
    let kind = match column.kind {
        Text => "text".to_owned(),
        Date => "date: a date cell, 2021-06-30, 2021/6/30 or 2021年6月30日".to_owned(),
        Bool => "是/否 (also Y/N, true/false, 1/0)".to_owned(),
        Enum(choices) => {
            choices.iter().map(|c| format!("{} ({})", c.labels.join("/"), c.code)).collect::<Vec<_>>().join(", ")
        }
        Number => "number (thousands separators allowed)".to_owned(),
        Integer => "whole number".to_owned(),
    };
    if column.note.is_empty() { kind } else { format!("{kind}; {}", column.note) }
}

/// `docs/import.md`'s table, as Markdown rows.
pub fn markdown_rows(table: Table) -> Vec<String> {
    table
        .columns()
        .map(|c| {
            format!(
                "| {} | `{}` | {} | {} | {} |",
                c.header,
                c.field,
                if c.required { "yes" } else { "no" },
                if c.unit.is_empty() { "" } else { c.unit },
                allowed(c)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn headers_and_fields_are_unique_per_table() {
        for table in [Table::Households, Table::Members] {
            let mut seen = HashSet::new();
            for c in table.columns() {
                assert!(seen.insert(c.header), "{}", c.header);
                assert!(seen.insert(c.field), "{}", c.field);
            }
        }
    }

    #[test]
    fn labels_are_unique_per_enum() {
        for c in COLUMNS {
            if let Enum(choices) = c.kind {
                let mut seen = HashSet::new();
                for ch in choices {
                    assert!(seen.insert(ch.code));
                    for l in ch.labels {
                        assert!(seen.insert(l), "{l}");
                    }
                }
            }
        }
    }

    /// The docs render this table: every row must be there, word for word.
    #[test]
    fn docs_import_md_has_every_row() {
        let doc = include_str!("../../../docs/import.md");
        for table in [Table::Households, Table::Members] {
            for row in markdown_rows(table) {
                assert!(
                    doc.contains(&row),
                    "docs/import.md lacks the row\n{row}\n(regenerate it: cargo test -p rulehost --lib print_import_table -- --ignored --nocapture)"
                );
            }
        }
    }

    #[test]
    #[ignore = "prints the rows of docs/import.md"]
    fn print_import_table() {
        for table in [Table::Households, Table::Members] {
            println!("\n{}\n", table.sheet());
            println!("| header | field | required | unit | allowed values |\n|---|---|---|---|---|");
            for row in markdown_rows(table) {
                println!("{row}");
            }
        }
    }
}
