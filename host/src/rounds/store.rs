//! The results store: one SQLite file (rusqlite, SQLite bundled) holding
//! every round's records, written one round per transaction. Migrations
//! are numbered in code and recorded in `PRAGMA user_version`.
//!
//! Over 400 lines on purpose: the schema (the first two steps' SQL is kept
//! as written, to build older stores from), opening and migrating, and the
//! reads that find one household's rounds, with about 230 lines of the
//! store's own unit tests (among them the conversion of a schema-2 store).
//! Writing a round is `write`; converting earlier rounds is `migrate`.

use std::io::BufRead;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction};

/// The schema, one step per entry: entry `i` takes `user_version` from `i`
/// to `i + 1`. Append, never edit.
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(
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
    ),
    Migration::Sql(
        r"
-- The dated parameter `rounds_for_elimination` in force for the round's
-- registry, as JSON `[[valid_from, rounds], ...]`; NULL when its parameter
-- files do not give it.
ALTER TABLE rounds ADD COLUMN rounds_for_elimination TEXT;
",
    ),
    // Households and records in blocks of consecutive lines: a row per
    // household and round cost more than the whole batch's work for that
    // household (see docs/rounds.md). Earlier rounds are converted.
    Migration::Rust(super::migrate::blocks),
];

/// One schema step.
pub(super) enum Migration {
    Sql(&'static str),
    Rust(fn(&Transaction<'_>) -> std::result::Result<(), Checked>),
}

/// Migration 3's table. A block holds lines `first_line .. first_line +
/// lines - 1` of a round: `households` is a JSON array with one entry per
/// line, `[household_id, district, status, category, per_capita_income,
/// plugin, plugin_version, dibao_fen, can_work, flags, decisions]`
/// (`household_id` null for a line that names no household or repeats
/// one; `category` and `can_work` for `ok` records; `flags` as `[{code,
/// severity, members}]`, `decisions` the eligible ones as `[{program,
/// members, amount_fen, level}]`); `records` is the lines' full records as
/// the batch wrote them, zstd-compressed.
pub(super) const TABLES: &str = r"
CREATE TABLE blocks (
    round_id   INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    first_line INTEGER NOT NULL,
    lines      INTEGER NOT NULL,
    households TEXT NOT NULL,
    records    BLOB NOT NULL,
    PRIMARY KEY (round_id, first_line)
);
-- Where each household of a round is: entries of 16 bytes, the FNV-1a
-- 64-bit hash of the household id and its line, little-endian, sorted;
-- an entry's bucket is its hash's top byte.
CREATE TABLE household_index (
    round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    bucket   INTEGER NOT NULL,
    entries  BLOB NOT NULL,
    PRIMARY KEY (round_id, bucket)
) WITHOUT ROWID;
";

/// Migration 3's views: a row per household and round, flag and eligible
/// decision, for queries by hand (`track` reads the blocks).
pub(super) const VIEWS: &str = r"
CREATE VIEW households AS
    SELECT b.round_id, b.first_line + h.key AS line, h.value ->> 0 AS household_id, h.value ->> 1 AS district,
           h.value ->> 2 AS status, h.value ->> 3 AS category, h.value ->> 4 AS per_capita_income,
           h.value ->> 5 AS plugin, h.value ->> 6 AS plugin_version, h.value ->> 7 AS dibao_fen,
           h.value ->> 8 AS can_work, h.value -> 9 AS flags, h.value -> 10 AS decisions
    FROM blocks b, json_each(b.households) h;
CREATE VIEW flags AS
    SELECT h.round_id, h.line, h.household_id, f.value ->> 'code' AS code, f.value ->> 'severity' AS severity,
           f.value -> 'members' AS members
    FROM households h, json_each(h.flags) f;
CREATE VIEW decisions AS
    SELECT h.round_id, h.line, h.household_id, d.value ->> 'program' AS program, d.value -> 'members' AS members,
           d.value ->> 'amount_fen' AS amount_fen, d.value ->> 'level' AS level
    FROM households h, json_each(h.decisions) d;
";

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
        // A new store's pages: the largest size, so that most blocks (about
        // 60 KB) fit in one page instead of a chain of overflow pages. No
        // effect on an existing store.
        conn.pragma_update(None, "page_size", 65_536).map_err(sql)?;
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
            match step {
                Migration::Sql(step) => tx.execute_batch(step).map_err(sql)?,
                Migration::Rust(step) => step(&tx).map_err(|e| e.in_store(&path))?,
            }
            tx.pragma_update(None, "user_version", i + 1).map_err(sql)?;
            tx.commit().map_err(sql)?;
        }
        Ok(())
    }

    /// Refuses a label already used with another registry unless
    /// `replace`; called before the batch runs, and again inside the
    /// writing transaction.
    pub fn check_label(&self, round: &NewRound<'_>) -> Result<()> {
        check_label(&self.conn, round).map_err(|e| e.in_store(&self.path))
    }

    /// Writes a round from chunks of records with their store rows (a
    /// batch's, as it runs), in one transaction: the round replaces any
    /// round of the same label (with `replace`, or when the registry is the
    /// same), and is whole or absent: an error from `chunks` keeps nothing.
    pub fn write_round(
        &mut self,
        round: &NewRound<'_>,
        chunks: impl Iterator<Item = std::io::Result<rulehost_core::batch::KeptChunk>>,
    ) -> Result<RoundInfo> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|source| StoreError::Sqlite { path: path.clone(), source })?;
        let info = super::write::write_in(&tx, round, chunks).map_err(|e| e.in_store(&path))?;
        tx.commit().map_err(|source| StoreError::Sqlite { path, source })?;
        Ok(info)
    }

    /// Writes a round from a whole results file and the input it was made
    /// from (a resumed batch's round), reading each record once.
    pub fn write_round_from_files(
        &mut self,
        round: &NewRound<'_>,
        results: impl BufRead,
        input: impl BufRead,
    ) -> Result<RoundInfo> {
        self.write_round(round, super::write::chunks_of_files(results, input))
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
    /// `(round label, record JSON)`, each as the batch wrote it.
    pub fn records(&self, household_id: &str) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        self.each_round_of(household_id, |label, _, _, index, records| {
            let what = || format!("the record of household `{household_id}` in round `{label}`");
            let text = decompress(records).map_err(|source| StoreError::Io { what: what(), source })?;
            let record = text.split_inclusive('\n').nth(index).ok_or_else(|| StoreError::Io {
                what: what(),
                source: std::io::Error::other("its block holds fewer records than rows"),
            })?;
            out.push((label.to_owned(), record.trim_end_matches(['\n', '\r']).to_owned()));
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `found(round label, as-of date, row, the row's index in its
    /// block, the block's compressed records)` for each round that holds
    /// `household_id`, in round order, found through the rounds' indexes.
    pub(super) fn each_round_of(
        &self,
        household_id: &str,
        mut found: impl FnMut(&str, &str, &super::rows::RowView<'_>, usize, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let e = |x| self.sql_error(x);
        let hash = rulehost_core::record::id_hash(household_id);
        let mut rounds = self
            .conn
            .prepare(
                "SELECT r.id, r.label, r.as_of, i.entries FROM rounds r \
                 JOIN household_index i ON i.round_id = r.id AND i.bucket = ?1 ORDER BY r.as_of, r.label",
            )
            .map_err(e)?;
        let mut block = self
            .conn
            .prepare(
                "SELECT first_line, households, records FROM blocks WHERE round_id = ?1 AND first_line <= ?2 \
                 ORDER BY first_line DESC LIMIT 1",
            )
            .map_err(e)?;
        let mut rows = rounds.query([hash >> 56]).map_err(e)?;
        while let Some(r) = rows.next().map_err(e)? {
            let (round_id, label, as_of): (i64, String, String) =
                (r.get(0).map_err(e)?, r.get(1).map_err(e)?, r.get(2).map_err(e)?);
            let entries = r.get_ref(3).map_err(e)?.as_blob().map_err(|x| e(x.into()))?;
            for line in super::write::lines_of(entries, hash) {
                let mut blocks = block.query(rusqlite::params![round_id, line]).map_err(e)?;
                let Some(b) = blocks.next().map_err(e)? else { continue };
                let first_line: u64 = b.get(0).map_err(e)?;
                let households = b.get_ref(1).map_err(e)?.as_bytes().map_err(|x| e(x.into()))?;
                let parsed = super::rows::parse(households).map_err(|source| StoreError::Io {
                    what: format!("a block of round `{label}`"),
                    source: source.into(),
                })?;
                let index = usize::try_from(line - first_line).unwrap_or(usize::MAX);
                let Some(row) = parsed.get(index).filter(|row| row.household_id() == Some(household_id)) else {
                    continue; // another id with the same hash
                };
                let records = b.get_ref(2).map_err(e)?.as_bytes().map_err(|x| e(x.into()))?;
                found(&label, &as_of, row, index, records)?;
                break;
            }
        }
        Ok(())
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

pub(super) enum Checked {
    Sql(rusqlite::Error),
    Store(StoreError),
}

impl Checked {
    /// The store's error, naming the store at `path`.
    fn in_store(self, path: &str) -> StoreError {
        match self {
            Checked::Sql(source) => StoreError::Sqlite { path: path.to_owned(), source },
            Checked::Store(e) => e,
        }
    }
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

pub(super) fn check_label(conn: &Connection, round: &NewRound<'_>) -> std::result::Result<(), Checked> {
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

/// Decompresses a block of records.
pub(super) fn decompress(data: &[u8]) -> std::io::Result<String> {
    let size = zstd::zstd_safe::get_frame_content_size(data).ok().flatten().unwrap_or(64 << 20);
    let bytes = zstd::bulk::decompress(data, usize::try_from(size).unwrap_or(64 << 20))?;
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;

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
        store.write_round_from_files(round, results.as_bytes(), input.as_bytes())
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
        assert_eq!(count(&store, "households"), 3);
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
        assert_eq!(count(&store, "households"), 1);
        // Another registry: refused, and the store is unchanged.
        let err = write(&mut store, &round("r1", "f2", false), &two).unwrap_err();
        assert!(matches!(err, StoreError::LabelReused { .. }), "{err}");
        assert!(store.check_label(&round("r1", "f2", false)).is_err());
        assert_eq!(count(&store, "households"), 1);
        // With --replace: replaced, no orphans.
        write(&mut store, &round("r1", "f2", true), &two).unwrap();
        assert_eq!(store.rounds().unwrap().len(), 1);
        assert_eq!(count(&store, "households"), 2);
        assert_eq!(count(&store, "flags"), 1);
        assert_eq!(count(&store, "decisions"), 2);
        let orphans: i64 = store
            .conn
            .query_row("SELECT count(*) FROM blocks WHERE round_id NOT IN (SELECT id FROM rounds)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(orphans, 0);
    }

    #[test]
    fn foreign_keys_are_enforced_and_a_bad_record_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let bad = store.conn.execute(
            "INSERT INTO blocks (round_id, first_line, lines, households, records) VALUES (999, 1, 1, '[]', x'')",
            [],
        );
        assert!(bad.is_err(), "a block of no round is refused");
        let records = [record(1, "a", "ok", None, None), "{not json".to_owned()];
        assert!(write(&mut store, &round("r1", "f1", false), &records).is_err());
        assert_eq!(count(&store, "rounds"), 0);
        assert_eq!(count(&store, "blocks"), 0);
    }

    #[test]
    fn one_row_per_household_a_repeated_id_keeps_its_record_without_the_id() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let dup = record(2, "a", "rejected", None, None).replace("\"schema\"", "\"duplicate_household_id\"");
        write(&mut store, &round("r1", "f1", false), &[record(1, "a", "ok", None, None), dup]).unwrap();
        let ids: i64 =
            store.conn.query_row("SELECT count(*) FROM households WHERE household_id = 'a'", [], |r| r.get(0)).unwrap();
        let unnamed: i64 = store
            .conn
            .query_row("SELECT count(*) FROM households WHERE household_id IS NULL", [], |r| r.get(0))
            .unwrap();
        assert_eq!((ids, count(&store, "households"), unnamed), (1, 2, 1));
    }

    #[test]
    fn a_record_is_found_in_its_block_among_many() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let records: Vec<String> = (1..=1000).map(|i| record(i, &format!("h{i}"), "ok", None, None)).collect();
        write(&mut store, &round("r1", "f1", false), &records).unwrap();
        let blocks: i64 = count(&store, "blocks");
        assert_eq!(blocks, 1000_u64.div_ceil(super::super::write::BLOCK_LINES) as i64);
        for i in [1, 255, 256, 257, 512, 513, 999, 1000] {
            let id = format!("h{i}");
            assert_eq!(store.records(&id).unwrap(), [("r1".to_owned(), records[i - 1].clone())], "{id}");
        }
    }

    /// A store as schema version 2 wrote it: one wide row per household
    /// with the record and household compressed one by one, and flag and
    /// decision rows.
    fn version_two_store(path: &Path, record: &str, household: &str) {
        let conn = Connection::open(path).unwrap();
        for step in &MIGRATIONS[..2] {
            let Migration::Sql(sql) = step else { panic!("the first two steps are SQL") };
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        let zip =
            |text: &str| zstd::bulk::Compressor::with_dictionary(3, &[]).unwrap().compress(text.as_bytes()).unwrap();
        conn.execute_batch(
            "INSERT INTO rounds VALUES (7, 'r1', '2024-03-01', 'f1', '[]', 2, 1, 1, 0, 1, 0, x'', x'', NULL)",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO household_rounds VALUES (1, 7, 'a', 1, '500229', 'ok', 'marginal', 4500.0, 'baseline', \
             '1.0.0', 10050, NULL, ?1, ?2)",
            params![zip(record), zip(household)],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO household_rounds VALUES (2, 7, NULL, 2, NULL, 'rejected', NULL, NULL, NULL, NULL, 0, NULL, ?1, NULL)",
            params![zip("{\"line\":2}")],
        )
        .unwrap();
        conn.execute_batch(
            "INSERT INTO flags VALUES (1, 'guarantee.basic_medical', 'warning', '[\"m1\"]'); \
             INSERT INTO flags VALUES (1, 'water.x', 'info', '[]'); \
             INSERT INTO decisions VALUES (1, 'dibao', '[\"m1\",\"m2\"]', 10050, NULL);",
        )
        .unwrap();
    }

    #[test]
    fn a_version_two_store_is_converted_with_nothing_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let record = record(1, "a", "ok", Some("marginal"), Some("guarantee.basic_medical"));
        let household =
            r#"{"members":[{"resident":true,"labor_capacity":"partial"},{"resident":false,"labor_capacity":"full"}]}"#;
        version_two_store(&path, &record, household);
        let store = Store::open(&path).unwrap();
        let v: i64 = store.conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
        let row: (String, String, Option<bool>, i64) = store
            .conn
            .query_row(
                "SELECT flags, decisions, can_work, dibao_fen FROM households WHERE household_id = 'a'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            row,
            (
                r#"[{"code":"guarantee.basic_medical","severity":"warning","members":["m1"]},{"code":"water.x","severity":"info","members":[]}]"#.to_owned(),
                r#"[{"program":"dibao","members":["m1","m2"],"amount_fen":10050,"level":null}]"#.to_owned(),
                Some(true),
                10050
            )
        );
        let unnamed: i64 = store
            .conn
            .query_row("SELECT count(*) FROM households WHERE household_id IS NULL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(unnamed, 1);
        assert_eq!(store.records("a").unwrap(), [("r1".to_owned(), record.clone())]);
        // The views give a flag or decision a row, as the old tables did.
        assert_eq!(count(&store, "flags"), 2);
        let fen: i64 = store.conn.query_row("SELECT amount_fen FROM decisions", [], |r| r.get(0)).unwrap();
        assert_eq!(fen, 10050);
        let old: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('household_rounds', 'flags_by_household_round')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old, 0);
        // The converted round reads as it was.
        assert_eq!(store.history("a").unwrap()[0].flags, ["guarantee.basic_medical", "water.x"]);
        assert_eq!(store.rounds().unwrap()[0].households, 2);
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
