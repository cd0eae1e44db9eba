//! Writing one round, in one transaction, as blocks of consecutive lines:
//! each block holds its lines' store rows as JSON text and their full
//! records, zstd-compressed (`blocks`, see `store::TABLES`). A row per
//! household cost more than the batch's own work for that household; a
//! block costs one insert per 256 lines. The rows come with the records,
//! built by the batch's workers ([`KeptChunk`]); a round written from a
//! results file builds them from each record instead ([`chunks_of_files`]).

use std::io::BufRead;

use rulehost_core::batch::KeptChunk;
use rulehost_core::record::{RecordView, RowFacts, StoreRows};
use rulehost_input::Status;
use rusqlite::{Transaction, params};

use super::store::{Checked, NewRound, RoundInfo, StoreError, check_label};

/// The statement that inserts a block.
pub(super) const INSERT_BLOCK: &str =
    "INSERT INTO blocks (round_id, first_line, lines, households, records) VALUES (?1, ?2, ?3, ?4, ?5)";

/// Lines per block: about 350 KB of records, which zstd compresses about
/// twentyfold; one record is found by decompressing its block.
pub(super) const BLOCK_LINES: u64 = 256;
/// zstd's fastest regular level: within a block, the records' repeated
/// keys and texts are most of the gain.
const LEVEL: i32 = 1;
/// Records per chunk when a round is written from a results file.
const FILE_CHUNK: usize = 1024;

fn io(what: &str) -> impl Fn(std::io::Error) -> Checked + '_ {
    move |source| Checked::Store(StoreError::Io { what: what.to_owned(), source })
}

/// The block being filled (consecutive lines), and the round's index.
pub(super) struct Blocks {
    compressor: zstd::bulk::Compressor<'static>,
    households: Vec<u8>,
    records: Vec<u8>,
    compressed: Vec<u8>,
    first_line: u64,
    lines: u64,
    /// `(id_hash, line)` of every household of the round.
    index: Vec<(u64, u64)>,
}

/// The lines of the entries of an index bucket whose hash is `hash`.
pub(super) fn lines_of(entries: &[u8], hash: u64) -> impl Iterator<Item = u64> + '_ {
    let entry = |chunk: &[u8]| -> (u64, u64) {
        let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
        (word(&chunk[..8]), word(&chunk[8..]))
    };
    let all: Vec<(u64, u64)> = entries.chunks_exact(16).map(entry).collect();
    let start = all.partition_point(|(h, _)| *h < hash);
    all.into_iter().skip(start).take_while(move |(h, _)| *h == hash).map(|(_, line)| line)
}

impl Blocks {
    pub(super) fn new() -> std::result::Result<Blocks, Checked> {
        let compressor = zstd::bulk::Compressor::new(LEVEL).map_err(io("compressing records"))?;
        let (households, records, compressed) = (Vec::new(), Vec::new(), Vec::new());
        Ok(Blocks { compressor, households, records, compressed, first_line: 0, lines: 0, index: Vec::new() })
    }

    /// Adds line `line`: its store entry and its record (with its newline).
    pub(super) fn add(
        &mut self,
        line: u64,
        (entry, facts): (&[u8], RowFacts),
        record: &[u8],
        insert: &mut rusqlite::Statement<'_>,
        round_id: i64,
    ) -> std::result::Result<(), Checked> {
        if self.lines > 0 && line != self.first_line + self.lines {
            // A gap: the block ends, so that every block's lines follow on.
            self.flush(insert, round_id)?;
        }
        if self.lines == 0 {
            self.first_line = line;
            self.households.push(b'[');
        } else {
            self.households.push(b',');
        }
        self.households.extend_from_slice(entry);
        self.records.extend_from_slice(record);
        if let Some(hash) = facts.id_hash {
            self.index.push((hash, line));
        }
        self.lines += 1;
        if self.lines == BLOCK_LINES {
            self.flush(insert, round_id)?;
        }
        Ok(())
    }

    /// Writes the last block and the round's household index.
    pub(super) fn finish(
        mut self,
        tx: &Transaction<'_>,
        insert: &mut rusqlite::Statement<'_>,
        round_id: i64,
    ) -> std::result::Result<(), Checked> {
        self.flush(insert, round_id)?;
        self.index.sort_unstable();
        let mut bucket_row =
            tx.prepare("INSERT INTO household_index (round_id, bucket, entries) VALUES (?1, ?2, ?3)")?;
        let mut entries = Vec::new();
        for bucket in self.index.chunk_by(|a, b| a.0 >> 56 == b.0 >> 56) {
            entries.clear();
            for (hash, line) in bucket {
                entries.extend_from_slice(&hash.to_le_bytes());
                entries.extend_from_slice(&line.to_le_bytes());
            }
            bucket_row.execute(params![round_id, bucket[0].0 >> 56, entries])?;
        }
        Ok(())
    }

    fn flush(&mut self, insert: &mut rusqlite::Statement<'_>, round_id: i64) -> std::result::Result<(), Checked> {
        if self.lines == 0 {
            return Ok(());
        }
        self.households.push(b']');
        self.compressed.clear();
        self.compressed.reserve(zstd::zstd_safe::compress_bound(self.records.len()));
        self.compressor.compress_to_buffer(&self.records, &mut self.compressed).map_err(io("compressing records"))?;
        // The entries are JSON written from strings: UTF-8, never dropped.
        let households = std::str::from_utf8(&self.households).map_err(|e| StoreError::BadRecord {
            line: self.first_line,
            message: format!("a block's entries are not UTF-8: {e}"),
        })?;
        insert.execute(params![round_id, self.first_line, self.lines, households, self.compressed])?;
        self.households.clear();
        self.records.clear();
        self.lines = 0;
        Ok(())
    }
}

/// Writes round `round` from `chunks` inside `tx`: the round replaces any
/// round of the same label (the label check is made again here).
pub(super) fn write_in(
    tx: &Transaction<'_>,
    round: &NewRound<'_>,
    chunks: impl Iterator<Item = std::io::Result<KeptChunk>>,
) -> std::result::Result<RoundInfo, Checked> {
    check_label(tx, round)?;
    tx.execute("DELETE FROM rounds WHERE label = ?1", [round.label])?;
    let created =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    // Counts and the as-of date are filled in once the records are read.
    tx.execute(
        "INSERT INTO rounds (label, as_of, fingerprint, plugins, households, ok, rejected, plugin_errors, monitored, \
         created) VALUES (?1, '', ?2, ?3, 0, 0, 0, 0, 0, ?4)",
        params![round.label, round.fingerprint, round.plugins, created],
    )?;
    let round_id = tx.last_insert_rowid();
    let mut insert = tx.prepare(INSERT_BLOCK)?;
    let mut blocks = Blocks::new()?;
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
    let mut as_of = None;
    for chunk in chunks {
        let chunk = chunk.map_err(io("the batch's records"))?;
        let mut start = 0;
        for (i, line) in (chunk.first_line..).take(chunk.rows.len()).enumerate() {
            let end = memchr::memchr(b'\n', &chunk.records[start..])
                .map(|n| start + n + 1)
                .ok_or_else(|| StoreError::BadRecord { line, message: "a store row without its record".to_owned() })?;
            let Some((entry, facts)) = chunk.rows.get(i) else { break };
            blocks.add(line, (entry, facts), &chunk.records[start..end], &mut insert, round_id)?;
            start = end;
            info.households += 1;
            match facts.status {
                Status::Ok => info.ok += 1,
                Status::Rejected => info.rejected += 1,
                Status::PluginError => info.plugin_errors += 1,
            }
            info.monitored += u64::from(facts.monitored);
            as_of = as_of.max(facts.as_of);
        }
        if start < chunk.records.len() {
            return Err(StoreError::BadRecord {
                line: chunk.first_line + chunk.rows.len() as u64,
                message: "a record without its store row".to_owned(),
            }
            .into());
        }
    }
    blocks.finish(tx, &mut insert, round_id)?;
    info.as_of = match &round.as_of {
        Some(given) => given.clone(),
        None => as_of.map(|d| d.to_string()).unwrap_or_default(),
    };
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

/// The household fact the risk-elimination test needs, read from an input
/// line without reading the whole household.
#[derive(serde::Deserialize)]
struct Labour {
    members: Vec<MemberLabour>,
}

#[derive(serde::Deserialize)]
struct MemberLabour {
    resident: bool,
    labor_capacity: rulehost_sdk::LaborCapacity,
}

/// Whether a resident of the household on `line` can work; `None` when the
/// line does not say.
pub(super) fn can_work_of_line(line: &[u8]) -> Option<bool> {
    let labour: Labour = serde_json::from_slice(line).ok()?;
    Some(labour.members.iter().any(|m| rulehost_core::record::member_can_work(m.resident, m.labor_capacity)))
}

/// The chunks of a round written from a whole results file and the input
/// it was made from (records are in input order, one per line): each record
/// is read once and paired with its input line for the household fact.
pub(super) fn chunks_of_files(
    mut results: impl BufRead,
    mut input: impl BufRead,
) -> impl Iterator<Item = std::io::Result<KeptChunk>> {
    let mut at = 0u64;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut chunk = KeptChunk { first_line: 0, records: Vec::new(), rows: StoreRows::default() };
        let mut household = Vec::new();
        while chunk.rows.len() < FILE_CHUNK {
            let start = chunk.records.len();
            match results.read_until(b'\n', &mut chunk.records) {
                Ok(0) => {
                    done = true;
                    break;
                }
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
            at += 1;
            if !chunk.records.ends_with(b"\n") {
                chunk.records.push(b'\n');
            }
            let text = &chunk.records[start..chunk.records.len() - 1];
            let record = match RecordView::parse(text) {
                Ok(record) => record,
                Err(e) => {
                    done = true;
                    return Some(Err(std::io::Error::other(format!(
                        "results line {at}: not an evaluation record: {e}"
                    ))));
                }
            };
            if chunk.rows.is_empty() {
                chunk.first_line = record.line.unwrap_or(at);
            }
            household.clear();
            if let Err(e) = input.read_until(b'\n', &mut household) {
                return Some(Err(e));
            }
            let ok = record.status == Status::Ok;
            if ok && household.is_empty() {
                done = true;
                return Some(Err(std::io::Error::other("the input file has fewer lines than the results file")));
            }
            let can_work = if ok { can_work_of_line(&household) } else { None };
            chunk.rows.push_record(&record, can_work);
        }
        (!chunk.rows.is_empty()).then_some(Ok(chunk))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_bucket_gives_every_line_of_a_hash() {
        let mut entries = Vec::new();
        for (hash, line) in [(1u64, 10u64), (5, 3), (5, 7), (9, 1)] {
            entries.extend_from_slice(&hash.to_le_bytes());
            entries.extend_from_slice(&line.to_le_bytes());
        }
        assert_eq!(lines_of(&entries, 5).collect::<Vec<_>>(), [3, 7]);
        assert_eq!(lines_of(&entries, 9).collect::<Vec<_>>(), [1]);
        assert_eq!(lines_of(&entries, 4).count(), 0);
    }
}
