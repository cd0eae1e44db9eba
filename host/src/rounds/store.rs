//! The results store: one SQLite file (rusqlite, SQLite bundled) holding
//! every round's records, written one round per transaction. Migrations
//! are numbered in code and recorded in `PRAGMA user_version`.
//!
//! Over 400 lines on purpose: the schema, the one-transaction write and the
//! reads share the store's private row layout, and 120 of the lines are the
//! store's own unit tests.

use std::io::BufRead;
use std::path::Path;

use rulehost_core::record::RecordView;
use rulehost_input::Status;
use rulehost_sdk::types::LaborCapacity;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// The schema, one step per entry: entry `i` takes `user_version` from `i`
/// to `i + 1`. Append, never edit.
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE rounds (
    id            INTEGER PRIMARY KEY,
    label         TEXT NOT NULL UNIQUE,
    as_of         TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    plugins       TEXT NOT NULL,
    households    INTEGER NOT NULL,
    ok            INTEGER NOT NULL,
    rejected      INTEGER NOT NULL,
    plugin_errors INTEGER NOT NULL,
    monitored     INTEGER NOT NULL,
    created       INTEGER NOT NULL,
    -- zstd dictionaries the round's records and households are compressed with
    record_dictionary    BLOB NOT NULL,
    household_dictionary BLOB NOT NULL
);
CREATE TABLE household_rounds (
    id                INTEGER PRIMARY KEY,
    round_id          INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    household_id      TEXT,
    line              INTEGER NOT NULL,
    district          TEXT,
    status            TEXT NOT NULL CHECK (status IN ('ok', 'rejected', 'plugin_error')),
    category          TEXT,
    per_capita_income REAL,
    plugin            TEXT,
    plugin_version    TEXT,
    dibao_fen         INTEGER NOT NULL DEFAULT 0,
    can_work          INTEGER,
    -- the full record and the household line, zstd-compressed with the round's dictionaries
    record            BLOB NOT NULL,
    household         BLOB,
    UNIQUE (round_id, household_id),
    UNIQUE (round_id, line)
);
CREATE INDEX household_rounds_by_household ON household_rounds(household_id);
CREATE TABLE flags (
    household_round_id INTEGER NOT NULL REFERENCES household_rounds(id) ON DELETE CASCADE,
    code               TEXT NOT NULL,
    severity           TEXT NOT NULL,
    members            TEXT NOT NULL
);
CREATE INDEX flags_by_household_round ON flags(household_round_id);
CREATE TABLE decisions (
    household_round_id INTEGER NOT NULL REFERENCES household_rounds(id) ON DELETE CASCADE,
    program            TEXT NOT NULL,
    members            TEXT NOT NULL,
    amount_fen         INTEGER,
    level              TEXT
);
CREATE INDEX decisions_by_household_round ON decisions(household_round_id);
",
    r"
-- The dated parameter `rounds_for_elimination` in force for the round's
-- registry, as JSON `[[valid_from, rounds], ...]`; NULL when its parameter
-- files do not give it.
ALTER TABLE rounds ADD COLUMN rounds_for_elimination TEXT;
",
];

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store `{path}`: {source}")]
    Sqlite { path: String, source: rusqlite::Error },
    #[error(
        "round `{label}` is already in the store with another registry (fingerprint {stored}, now {now}); \
         pass `--replace` to replace it, or choose another `--round` label"
    )]
    LabelReused { label: String, stored: String, now: String },
    #[error("store `{path}` was written by a newer rulehost (schema version {found}, this one knows {known})")]
    TooNew { path: String, found: i64, known: usize },
    #[error("no round `{0}` in the store")]
    NoRound(String),
    #[error("round `{label}`: {message}; give `--rounds-for-elimination N`")]
    Parameter { label: String, message: String },
    #[error("reading {what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error("results line {line}: {message}")]
    BadRecord { line: u64, message: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// An open store.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    path: String,
}

/// What a round is, apart from its households.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RoundInfo {
    pub label: String,
    pub as_of: String,
    pub fingerprint: String,
    /// `[{name, version, sha256}]`, as JSON text.
    pub plugins: String,
    pub households: u64,
    pub ok: u64,
    pub rejected: u64,
    pub plugin_errors: u64,
    pub monitored: u64,
}

/// The round being written: its label, the batch's `--as-of` (if any), the
/// registry fingerprint and pins.
#[derive(Debug, Clone)]
pub struct NewRound<'a> {
    pub label: &'a str,
    pub as_of: Option<String>,
    pub fingerprint: &'a str,
    pub plugins: String,
    /// `rounds_for_elimination` through time, from the registry's
    /// parameter files: `[[valid_from, rounds], ...]` as JSON, or `None`.
    pub rounds_for_elimination: Option<String>,
    pub replace: bool,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema
    /// up to date.
    pub fn open(path: &Path) -> Result<Store> {
        let name = path.display().to_string();
        let sql = |source| StoreError::Sqlite { path: name.clone(), source };
        let conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(sql)?;
        conn.pragma_update(None, "cache_size", -131_072).map_err(sql)?;
        let mut store = Store { conn, path: name };
        store.migrate()?;
        Ok(store)
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite { path: self.path.clone(), source }
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(self.err())?;
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew { path: self.path.clone(), found: version, known: MIGRATIONS.len() });
        }
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite { path: path.clone(), source };
        for (i, step) in MIGRATIONS.iter().enumerate().skip(usize::try_from(version).unwrap_or(0)) {
            let tx = self.conn.transaction().map_err(sql)?;
            tx.execute_batch(step).map_err(sql)?;
            tx.pragma_update(None, "user_version", i + 1).map_err(sql)?;
            tx.commit().map_err(sql)?;
        }
        Ok(())
    }

    /// Refuses a label already used with another registry unless
    /// `replace`; called before the batch runs, and again inside the
    /// writing transaction.
    pub fn check_label(&self, round: &NewRound<'_>) -> Result<()> {
        check_label(&self.conn, round).map_err(|e| match e {
            Checked::Sql(source) => StoreError::Sqlite { path: self.path.clone(), source },
            Checked::Store(e) => e,
        })
    }

    /// Writes a round from a results file and the input it was made from,
    /// in one transaction: the round replaces any round of the same label
    /// (with `replace`, or when the registry is the same), and is whole or
    /// absent.
    pub fn write_round(
        &mut self,
        round: &NewRound<'_>,
        results: impl BufRead,
        input: impl BufRead,
    ) -> Result<RoundInfo> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|source| StoreError::Sqlite { path: path.clone(), source })?;
        let info = write_in(&tx, round, results, input).map_err(|e| match e {
            Checked::Sql(source) => StoreError::Sqlite { path: path.clone(), source },
            Checked::Store(e) => e,
        })?;
        tx.commit().map_err(|source| StoreError::Sqlite { path, source })?;
        Ok(info)
    }

    /// Every round, in round order (as-of date, then label).
    pub fn rounds(&self) -> Result<Vec<RoundInfo>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT label, as_of, fingerprint, plugins, households, ok, rejected, plugin_errors, monitored \
                 FROM rounds ORDER BY as_of, label",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RoundInfo {
                    label: r.get(0)?,
                    as_of: r.get(1)?,
                    fingerprint: r.get(2)?,
                    plugins: r.get(3)?,
                    households: r.get(4)?,
                    ok: r.get(5)?,
                    rejected: r.get(6)?,
                    plugin_errors: r.get(7)?,
                    monitored: r.get(8)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(self.err())
    }

    /// The database ids of the rounds, in round order, with their labels.
    pub fn round_ids(&self) -> Result<Vec<(i64, String)>> {
        let mut stmt = self.conn.prepare("SELECT id, label FROM rounds ORDER BY as_of, label").map_err(self.err())?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(self.err())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(self.err())
    }

    /// The full records kept for one household, in round order:
    /// `(round label, record JSON)`, decompressed.
    pub fn records(&self, household_id: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.label, r.record_dictionary, h.record FROM household_rounds h JOIN rounds r ON r.id = h.round_id \
                 WHERE h.household_id = ?1 ORDER BY r.as_of, r.label",
            )
            .map_err(self.err())?;
        let rows: Vec<(String, Vec<u8>, Vec<u8>)> = stmt
            .query_map([household_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(self.err())?
            .collect::<std::result::Result<_, _>>()
            .map_err(self.err())?;
        rows.into_iter()
            .map(|(label, dictionary, data)| {
                let record = decompress(&dictionary, &data)
                    .map_err(|source| StoreError::Io { what: format!("the record of round `{label}`"), source })?;
                Ok((label, record))
            })
            .collect()
    }

    /// The `rounds_for_elimination` in force at round `label`'s as-of
    /// date, from the parameter files its batch was run with: `None` when
    /// they did not give it; an error when the round is older than every
    /// value (never a guess).
    pub fn rounds_for_elimination(&self, label: &str) -> Result<Option<usize>> {
        let (as_of, dated): (String, Option<String>) = self
            .conn
            .query_row("SELECT as_of, rounds_for_elimination FROM rounds WHERE label = ?1", [label], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(self.err())?
            .ok_or_else(|| StoreError::NoRound(label.to_owned()))?;
        let Some(dated) = dated else { return Ok(None) };
        let bad = |message: String| StoreError::Parameter { label: label.to_owned(), message };
        let values: Vec<(String, usize)> =
            serde_json::from_str(&dated).map_err(|e| bad(format!("`rounds_for_elimination` unreadable: {e}")))?;
        values
            .iter()
            .rev()
            .find(|(from, _)| **from <= *as_of)
            .map(|(_, n)| Some(*n))
            .ok_or_else(|| bad(format!("no `rounds_for_elimination` in force at its as-of date {as_of}")))
    }

    pub(crate) fn sql_error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite { path: self.path.clone(), source }
    }
}

enum Checked {
    Sql(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for Checked {
    fn from(e: rusqlite::Error) -> Checked {
        Checked::Sql(e)
    }
}

impl From<StoreError> for Checked {
    fn from(e: StoreError) -> Checked {
        Checked::Store(e)
    }
}

fn check_label(conn: &Connection, round: &NewRound<'_>) -> std::result::Result<(), Checked> {
    let stored: Option<String> =
        conn.query_row("SELECT fingerprint FROM rounds WHERE label = ?1", [round.label], |r| r.get(0)).optional()?;
    match stored {
        Some(stored) if stored != round.fingerprint && !round.replace => {
            Err(StoreError::LabelReused { label: round.label.to_owned(), stored, now: round.fingerprint.to_owned() }
                .into())
        }
        _ => Ok(()),
    }
}

fn io(what: &str) -> impl Fn(std::io::Error) -> Checked + '_ {
    move |source| Checked::Store(StoreError::Io { what: what.to_owned(), source })
}

/// The household fact the risk-elimination test needs, read from the kept
/// household only for the few households that pass the test's other
/// conditions (`track`), not for every household as a round is written.
/// Reading these fields alone is several times faster than the whole
/// `HouseholdDoc`.
#[derive(serde::Deserialize)]
pub(super) struct Labour {
    members: Vec<MemberLabour>,
}

#[derive(serde::Deserialize)]
struct MemberLabour {
    resident: bool,
    labor_capacity: LaborCapacity,
}

/// Whether a resident can work (labour capacity full or partial): the
/// risk-elimination test's household fact.
pub(super) fn can_work(household: &Labour) -> bool {
    household.members.iter().any(|m| m.resident && !matches!(m.labor_capacity, LaborCapacity::None))
}

/// The input lines, read forward to the line a record names (records are
/// in input order, one per line); the first lines are read ahead to train
/// the household dictionary on.
struct InputLines<I> {
    input: I,
    ahead: std::collections::VecDeque<Vec<u8>>,
    /// Lines taken so far.
    at: u64,
    line: Vec<u8>,
}

impl<I: BufRead> InputLines<I> {
    fn new(mut input: I, ahead: usize) -> std::result::Result<InputLines<I>, Checked> {
        let mut lines = std::collections::VecDeque::with_capacity(ahead);
        while lines.len() < ahead {
            let mut line = Vec::new();
            if input.read_until(b'\n', &mut line).map_err(io("the input file"))? == 0 {
                break;
            }
            trim(&mut line);
            lines.push_back(line);
        }
        Ok(InputLines { input, ahead: lines, at: 0, line: Vec::new() })
    }

    /// Input line `n` (1-based, at or after the last one taken), or `None`
    /// when the record names a line already passed.
    fn take(&mut self, n: u64) -> std::result::Result<Option<&[u8]>, Checked> {
        if n <= self.at {
            return Ok(None);
        }
        while self.at < n {
            self.line.clear();
            match self.ahead.pop_front() {
                Some(line) => self.line = line,
                None => {
                    if self.input.read_until(b'\n', &mut self.line).map_err(io("the input file"))? == 0 {
                        return Err(StoreError::BadRecord {
                            line: n,
                            message: "the input file has fewer lines than the results file".to_owned(),
                        }
                        .into());
                    }
                    trim(&mut self.line);
                }
            }
            self.at += 1;
        }
        Ok(Some(&self.line))
    }
}

fn trim(line: &mut Vec<u8>) {
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
}

/// Records and households trained on to build a round's compression
/// dictionaries.
const DICTIONARY_SAMPLES: usize = 2000;
const DICTIONARY_BYTES: usize = 64 * 1024;
/// zstd level: fast, and with a dictionary most of the gain is there.
const LEVEL: i32 = 3;

/// A zstd dictionary trained on `samples` (empty when there are too few to
/// train on: then rows are compressed without one).
fn dictionary<'s>(samples: impl Iterator<Item = &'s [u8]>) -> Vec<u8> {
    let samples: Vec<&[u8]> = samples.collect();
    if samples.len() < 16 {
        return Vec::new();
    }
    zstd::dict::from_samples(&samples, DICTIONARY_BYTES).unwrap_or_default()
}

fn write_in(
    tx: &Transaction<'_>,
    round: &NewRound<'_>,
    results: impl BufRead,
    input: impl BufRead,
) -> std::result::Result<RoundInfo, Checked> {
    check_label(tx, round)?;
    tx.execute("DELETE FROM rounds WHERE label = ?1", [round.label])?;
    let created =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();

    // The first records and households train the round's dictionaries;
    // each record is then parsed once, as its row is written.
    let mut results = results;
    let mut first: Vec<Vec<u8>> = Vec::with_capacity(DICTIONARY_SAMPLES);
    while first.len() < DICTIONARY_SAMPLES {
        let mut record = Vec::new();
        if results.read_until(b'\n', &mut record).map_err(io("the results file"))? == 0 {
            break;
        }
        trim(&mut record);
        first.push(record);
    }
    let mut input = InputLines::new(input, DICTIONARY_SAMPLES)?;
    let record_dictionary = dictionary(first.iter().map(Vec::as_slice));
    let household_dictionary = dictionary(input.ahead.iter().map(Vec::as_slice));
    let compressor = |dictionary: &[u8]| zstd::bulk::Compressor::with_dictionary(LEVEL, dictionary);
    let mut record_zstd = compressor(&record_dictionary).map_err(io("compressing"))?;
    let mut household_zstd = compressor(&household_dictionary).map_err(io("compressing"))?;

    // Counts and the as-of date are filled in once the records are read.
    tx.execute(
        "INSERT INTO rounds (label, as_of, fingerprint, plugins, households, ok, rejected, plugin_errors, monitored, \
         created, record_dictionary, household_dictionary) VALUES (?1, '', ?2, ?3, 0, 0, 0, 0, 0, ?4, ?5, ?6)",
        params![round.label, round.fingerprint, round.plugins, created, record_dictionary, household_dictionary],
    )?;
    let round_id = tx.last_insert_rowid();
    let mut household_row = tx.prepare(
        "INSERT INTO household_rounds (round_id, household_id, line, district, status, category, per_capita_income, \
         plugin, plugin_version, dibao_fen, can_work, record, household) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut flag_row =
        tx.prepare("INSERT INTO flags (household_round_id, code, severity, members) VALUES (?1, ?2, ?3, ?4)")?;
    let mut decision_row = tx.prepare(
        "INSERT INTO decisions (household_round_id, program, members, amount_fen, level) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;

    let mut info = RoundInfo {
        label: round.label.to_owned(),
        as_of: String::new(),
        fingerprint: round.fingerprint.to_owned(),
        plugins: round.plugins.clone(),
        households: 0,
        ok: 0,
        rejected: 0,
        plugin_errors: 0,
        monitored: 0,
    };
    let mut first = first.into_iter();
    let mut text = Vec::new();
    loop {
        match first.next() {
            Some(record) => text = record,
            None => {
                text.clear();
                if results.read_until(b'\n', &mut text).map_err(io("the results file"))? == 0 {
                    break;
                }
                trim(&mut text);
            }
        }
        let record = RecordView::parse(&text).map_err(|e| StoreError::BadRecord {
            line: info.households + 1,
            message: format!("not an evaluation record: {e}"),
        })?;
        let line = record.line.unwrap_or(info.households + 1);
        info.households += 1;
        match record.status {
            Status::Ok => info.ok += 1,
            Status::Rejected => info.rejected += 1,
            Status::PluginError => info.plugin_errors += 1,
        }
        let ok = record.status == Status::Ok;
        if ok && record.monitoring.is_some() {
            info.monitored += 1;
        }
        if let Some(as_of) = record.as_of.as_deref()
            && *as_of > *info.as_of
        {
            info.as_of = as_of.to_owned();
        }
        // A repeated household id is a rejected line of its own: it keeps
        // its record but not the id, so that each household has one row.
        let duplicate = record.error.as_ref().is_some_and(|e| e.kind == "duplicate_household_id");
        let household_id = if duplicate { None } else { record.household_id.as_deref() };
        let household = input.take(line)?.filter(|_| ok);
        let household = household.map(|h| household_zstd.compress(h)).transpose().map_err(io("compressing"))?;
        household_row.execute(params![
            round_id,
            household_id,
            line,
            record.district_code.as_deref(),
            record.status.as_str(),
            record.monitoring.as_deref().filter(|_| ok),
            record.derived.map(|d| d.per_capita_income),
            record.plugin.as_ref().map(|p| p.name.as_ref()),
            record.plugin.as_ref().map(|p| p.version.as_ref()),
            record.dibao_fen(),
            // Left to `track` (NULL): see `Labour`.
            None::<bool>,
            record_zstd.compress(&text).map_err(io("compressing"))?,
            household,
        ])?;
        let row = tx.last_insert_rowid();
        for flag in &record.flags {
            let members = serde_json::to_string(&flag.members).unwrap_or_default();
            flag_row.execute(params![row, flag.code.as_ref(), flag.severity.as_ref(), members])?;
        }
        for decision in record.eligible() {
            let members = serde_json::to_string(&decision.members).unwrap_or_default();
            let fen = decision.amount_yuan.map(rulehost_core::record::yuan_to_fen);
            decision_row.execute(params![row, decision.program.as_ref(), members, fen, decision.level.as_deref()])?;
        }
    }
    if let Some(as_of) = &round.as_of {
        info.as_of.clone_from(as_of);
    }
    tx.execute(
        "UPDATE rounds SET as_of = ?2, households = ?3, ok = ?4, rejected = ?5, plugin_errors = ?6, monitored = ?7, \
         rounds_for_elimination = ?8 WHERE id = ?1",
        params![
            round_id,
            info.as_of,
            info.households,
            info.ok,
            info.rejected,
            info.plugin_errors,
            info.monitored,
            round.rounds_for_elimination
        ],
    )?;
    Ok(info)
}

/// Decompresses a record or household kept in the store with its round's
/// dictionary.
pub(super) fn decompress(dictionary: &[u8], data: &[u8]) -> std::io::Result<String> {
    let size = zstd::zstd_safe::get_frame_content_size(data).ok().flatten().unwrap_or(16 << 20);
    let mut d = zstd::bulk::Decompressor::with_dictionary(dictionary)?;
    let bytes = d.decompress(data, usize::try_from(size).unwrap_or(16 << 20))?;
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: u64, id: &str, status: &str, category: Option<&str>, flag: Option<&str>) -> String {
        let monitoring = category.map_or("null".to_owned(), |c| format!("\"{c}\""));
        let flags = flag.map_or(String::new(), |f| {
            format!(r#"{{"code":"{f}","severity":"warning","reason":"r","members":["m1"]}}"#)
        });
        let error = if status == "ok" { "null".to_owned() } else { r#"{"kind":"schema","message":"m"}"#.to_owned() };
        format!(
            r#"{{"line":{line},"household_id":"{id}","district_code":"500229","as_of":"2024-03-01","plugin":{{"name":"baseline","version":"1.0.0","sha256":"ab"}},"status":"{status}","monitoring":{monitoring},"flags":[{flags}],"decisions":[{{"program":"dibao","eligible":true,"members":[],"reason":"r","amount_yuan":100.5}}],"derived":{{"per_capita_income":4500,"residents":2,"net_income":9000,"rigid_expenditure":0}},"error":{error}}}"#
        )
    }

    fn round<'a>(label: &'a str, fingerprint: &'a str, replace: bool) -> NewRound<'a> {
        NewRound { label, as_of: None, fingerprint, plugins: "[]".to_owned(), rounds_for_elimination: None, replace }
    }

    fn write(store: &mut Store, round: &NewRound<'_>, records: &[String]) -> Result<RoundInfo> {
        let results = records.join("\n") + "\n";
        let input = "{}\n".repeat(records.len());
        store.write_round(round, results.as_bytes(), input.as_bytes())
    }

    fn count(store: &Store, table: &str) -> i64 {
        store.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn a_round_is_written_with_its_rows_flags_and_decisions() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let records = [
            record(1, "a", "ok", Some("marginal"), Some("guarantee.basic_medical")),
            record(2, "b", "ok", None, None),
            record(3, "c", "rejected", None, None),
        ];
        let info = write(&mut store, &round("2024-06", "f1", false), &records).unwrap();
        assert_eq!((info.households, info.ok, info.rejected, info.monitored), (3, 2, 1, 1));
        assert_eq!(info.as_of, "2024-03-01");
        assert_eq!(count(&store, "household_rounds"), 3);
        assert_eq!(count(&store, "flags"), 1);
        assert_eq!(count(&store, "decisions"), 3);
        let mode: String = store.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        // The full record is recoverable.
        assert_eq!(store.records("a").unwrap(), [("2024-06".to_owned(), records[0].clone())]);
    }

    #[test]
    fn a_label_is_reused_only_with_the_same_registry_or_replace() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let two = [record(1, "a", "ok", None, Some("guarantee.x")), record(2, "b", "ok", None, None)];
        write(&mut store, &round("r1", "f1", false), &two).unwrap();
        // Same registry: a rerun replaces the round.
        write(&mut store, &round("r1", "f1", false), &two[..1]).unwrap();
        assert_eq!(count(&store, "household_rounds"), 1);
        // Another registry: refused, and the store is unchanged.
        let err = write(&mut store, &round("r1", "f2", false), &two).unwrap_err();
        assert!(matches!(err, StoreError::LabelReused { .. }), "{err}");
        assert!(store.check_label(&round("r1", "f2", false)).is_err());
        assert_eq!(count(&store, "household_rounds"), 1);
        // With --replace: replaced, no orphans.
        write(&mut store, &round("r1", "f2", true), &two).unwrap();
        assert_eq!(store.rounds().unwrap().len(), 1);
        assert_eq!(count(&store, "household_rounds"), 2);
        assert_eq!(count(&store, "flags"), 1);
        assert_eq!(count(&store, "decisions"), 2);
        let orphans: i64 = store
            .conn
            .query_row(
                "SELECT (SELECT count(*) FROM flags WHERE household_round_id NOT IN (SELECT id FROM household_rounds)) \
                 + (SELECT count(*) FROM household_rounds WHERE round_id NOT IN (SELECT id FROM rounds))",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0);
    }

    #[test]
    fn foreign_keys_are_enforced_and_a_bad_record_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let bad = store.conn.execute(
            "INSERT INTO flags (household_round_id, code, severity, members) VALUES (999, 'x', 'info', '[]')",
            [],
        );
        assert!(bad.is_err(), "a flag of no household round is refused");
        let records = [record(1, "a", "ok", None, None), "{not json".to_owned()];
        assert!(write(&mut store, &round("r1", "f1", false), &records).is_err());
        assert_eq!(count(&store, "rounds"), 0);
        assert_eq!(count(&store, "household_rounds"), 0);
    }

    #[test]
    fn one_row_per_household_a_repeated_id_keeps_its_record_without_the_id() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let dup = record(2, "a", "rejected", None, None).replace("\"schema\"", "\"duplicate_household_id\"");
        write(&mut store, &round("r1", "f1", false), &[record(1, "a", "ok", None, None), dup]).unwrap();
        let ids: i64 = store
            .conn
            .query_row("SELECT count(*) FROM household_rounds WHERE household_id = 'a'", [], |r| r.get(0))
            .unwrap();
        assert_eq!((ids, count(&store, "household_rounds")), (1, 2));
    }

    #[test]
    fn reopening_keeps_the_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        drop(Store::open(&path).unwrap());
        let store = Store::open(&path).unwrap();
        let v: i64 = store.conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
    }
}
