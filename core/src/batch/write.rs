//! The writer (the calling thread): puts evaluated chunks back in input
//! order, rejects repeated household ids, copies non-ok records to the
//! rejects file, and adds up the report.

use std::collections::BTreeMap;
use std::io::Write;

use crossbeam_channel::Receiver;

use super::seen::SeenIds;
use super::work::EvaluatedChunk;
use super::{Keep, KeptChunk, Progress};
use crate::record::{Record, RecordView, StoreRows};
use crate::summary::{Contribution, Summary};
use rulehost_input::{Failure, FailureKind, Status};

/// What a finished batch reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    pub lines: u64,
    pub ok: u64,
    pub rejected: u64,
    pub plugin_errors: u64,
    pub summary: Summary,
    /// Plugins caught keeping state between households, with the number of
    /// chunks that were re-evaluated household by household because of it.
    pub stateful: BTreeMap<String, u64>,
}

impl BatchReport {
    /// Counts one written record of `status`.
    pub(crate) fn count(&mut self, status: Status) {
        self.lines += 1;
        match status {
            Status::Ok => self.ok += 1,
            Status::Rejected => self.rejected += 1,
            Status::PluginError => self.plugin_errors += 1,
        }
    }
}

/// What the writer has accounted for: the report so far and the hashes of
/// the household ids seen (the first occurrence of an id stands). A fresh
/// batch starts from the default; a resumed one from its kept records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub report: BatchReport,
    pub seen: SeenIds,
}

/// Writes chunks in input order as they arrive, freeing a reader slot for
/// each chunk written.
pub(super) fn write_in_order(
    done: &Receiver<EvaluatedChunk>,
    slots: &Receiver<()>,
    output: &mut dyn Write,
    rejects: &mut Option<&mut dyn Write>,
    mut keep: Option<&mut dyn Keep>,
    progress: &dyn Progress,
    tally: Tally,
) -> std::io::Result<BatchReport> {
    let Tally { mut report, mut seen } = tally;
    let mut pending: BTreeMap<u64, EvaluatedChunk> = BTreeMap::new();
    let mut next = 0u64;
    for chunk in done {
        pending.insert(chunk.seq, chunk);
        while let Some(mut chunk) = pending.remove(&next) {
            dedupe(&mut chunk, &mut seen);
            output.write_all(&chunk.out)?;
            for (i, &(_, outcome)) in chunk.lines.iter().enumerate() {
                report.count(outcome.status);
                if let (true, Some(r)) = (outcome.status != Status::Ok, rejects.as_mut()) {
                    r.write_all(chunk.record(i))?;
                }
            }
            report.summary.merge(&chunk.summary);
            for name in chunk.stateful {
                *report.stateful.entry(name).or_default() += 1;
            }
            if let Some(keep) = keep.as_mut() {
                let records = std::mem::take(&mut chunk.out);
                keep.keep(KeptChunk { first_line: chunk.first_line, records, rows: chunk.store_rows })?;
            }
            progress.update(report.lines, chunk.bytes_read);
            slots.recv().ok();
            next += 1;
        }
    }
    output.flush()?;
    if let Some(r) = rejects.as_mut() {
        r.flush()?;
    }
    Ok(report)
}

/// Rejects, in input order, every household whose id was seen on an
/// earlier line: the first occurrence stands.
fn dedupe(chunk: &mut EvaluatedChunk, seen: &mut SeenIds) {
    let duplicates: Vec<usize> = chunk
        .lines
        .iter()
        .enumerate()
        .filter(|(_, (_, o))| o.id_hash.is_some_and(|h| !seen.insert(h)))
        .map(|(i, _)| i)
        .collect();
    if duplicates.is_empty() {
        return;
    }
    let written = std::mem::take(&mut chunk.out);
    // The store entries follow the records: a repeated id's names no household.
    let mut store_rows =
        (!chunk.store_rows.is_empty()).then(|| (std::mem::take(&mut chunk.store_rows), StoreRows::default()));
    let mut out = Vec::with_capacity(written.len());
    let mut lines = Vec::with_capacity(chunk.lines.len());
    let mut start = 0;
    for (i, &(end, mut outcome)) in chunk.lines.iter().enumerate() {
        let old = &written[start..end];
        start = end;
        // A record the pipeline just wrote always reads back.
        match (duplicates.contains(&i), RecordView::parse(old)) {
            (true, Ok(record)) => {
                chunk.summary.apply(Contribution::of_record(&record), -1);
                let district = record.district_code.as_deref();
                chunk.summary.apply(Contribution::of_status(district, Status::Rejected), 1);
                write_duplicate(&record, chunk.first_line + i as u64, &mut out);
                outcome.status = Status::Rejected;
                if let Some((_, rows)) = store_rows.as_mut() {
                    let (id, district) = (record.household_id.as_deref(), record.district_code.as_deref());
                    rows.push_failure(FailureKind::DuplicateHouseholdId, id, district, None, None);
                }
            }
            _ => {
                out.extend_from_slice(old);
                if let Some((kept, rows)) = store_rows.as_mut()
                    && let Some((entry, facts)) = kept.get(i)
                {
                    rows.push_entry(entry, facts);
                }
            }
        }
        lines.push((out.len(), outcome));
    }
    chunk.out = out;
    chunk.lines = lines;
    if let Some((_, rows)) = store_rows {
        chunk.store_rows = rows;
    }
}

fn write_duplicate(old: &RecordView<'_>, line: u64, out: &mut Vec<u8>) {
    let id = old.household_id.as_deref().unwrap_or_default();
    let failure = Failure::at(
        FailureKind::DuplicateHouseholdId,
        format!("household id `{id}` already appeared on an earlier line; the first occurrence stands"),
        "/household_id",
    );
    let mut record = Record::failed(line, &failure);
    record.household_id = Some(id);
    record.district_code = old.district_code.as_deref();
    // Serialising plain structs into a Vec cannot fail.
    serde_json::to_writer(&mut *out, &record).ok();
    out.push(b'\n');
}
