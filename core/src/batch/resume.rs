//! Picking up an interrupted batch (`rulehost batch --resume`): the records
//! an interrupted run left in `OUTPUT.partial` are kept up to the last whole
//! chunk, and the batch goes on from the next line. Because a chunk's
//! records depend only on its own lines, the finished file is byte for byte
//! what an uninterrupted run writes.

use std::collections::BTreeSet;
use std::io::{BufRead, Write};

use rulehost_sdk::Date;

use super::write::Tally;
use crate::engine::Limits;
use crate::pipeline::id_hash;
use crate::record::RecordView;
use crate::registry::Registry;
use crate::summary::Contribution;
use rulehost_input::Status;

/// What the kept records of an interrupted run add up to: where the batch
/// goes on, and the writer's state at that point.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resume {
    /// Input lines whose records are kept; a multiple of the chunk size.
    pub lines: u64,
    /// Bytes of the partial output those records take.
    pub bytes: u64,
    /// Records in the partial output that are dropped (written again).
    pub dropped: u64,
    /// The sha256 of every plugin that made a kept record: the registry
    /// resumed with must still load each of them.
    pub plugins: BTreeSet<String>,
    /// The writer's state after the kept records.
    pub tally: Tally,
    /// The last kept record, to check against the input's line at the cut.
    pub(crate) last: LastKept,
}

impl Resume {
    /// Reads the partial output of an interrupted run. `count` is its
    /// number of whole records (see [`count_records`]); the first whole
    /// chunks of them are kept, and every non-`ok` record among them is
    /// written to `rejects`. Refuses records that do not number the lines
    /// 1, 2, 3, ...: such a file is not the output of a batch.
    pub fn read(
        partial: impl BufRead,
        count: u64,
        chunk_lines: usize,
        mut rejects: Option<&mut dyn Write>,
    ) -> Result<Resume, String> {
        let chunk = chunk_lines.max(1) as u64;
        let keep = count / chunk * chunk;
        let mut resume = Resume { lines: keep, dropped: count - keep, ..Resume::default() };
        for (n, line) in (1..=keep).zip(partial.split(b'\n')) {
            let line = line.map_err(|e| format!("reading the partial output: {e}"))?;
            let record = RecordView::parse(&line).map_err(|e| format!("record {n} of the partial output: {e}"))?;
            if record.line != Some(n) {
                return Err(format!(
                    "record {n} of the partial output is for line {}: it is not the output of a batch",
                    record.line.map_or_else(|| "(none)".to_owned(), |l| l.to_string())
                ));
            }
            let tally = &mut resume.tally;
            tally.report.count(record.status);
            tally.report.summary.apply(Contribution::of_record(&record), 1);
            if let Some(plugin) = &record.plugin
                && !resume.plugins.contains(plugin.sha256.as_ref())
            {
                resume.plugins.insert(plugin.sha256.clone().into_owned());
            }
            resume.last = LastKept {
                household_id: record.household_id.as_deref().map(str::to_owned),
                error_kind: record.error.as_ref().map(|e| e.kind.clone().into_owned()),
            };
            if let Some(id) = &resume.last.household_id {
                tally.seen.insert(id_hash(id));
            }
            if let (true, Some(r)) = (record.status != Status::Ok, rejects.as_mut()) {
                r.write_all(&line).and_then(|()| r.write_all(b"\n")).map_err(|e| format!("writing rejects: {e}"))?;
            }
            resume.bytes += line.len() as u64 + 1;
        }
        Ok(resume)
    }
}

/// What the last kept record says of its line: the household it names, or,
/// for a line that gave no household, why it was rejected. The input's line
/// at the cut must agree, or it is not the input the records came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LastKept {
    pub household_id: Option<String>,
    pub error_kind: Option<String>,
}

/// Everything that decides a batch's records besides the input's lines:
/// the registry and its parameter files, the options and default budgets,
/// and the input's size (`None`: standard input). A batch writing to a file
/// keeps this next to its partial output, and `--resume` goes on only when
/// the run it continues had the same.
pub fn run_description(
    registry: &Registry,
    as_of: Option<Date>,
    max_line_bytes: usize,
    limits: Limits,
    input: Option<&str>,
) -> String {
    let as_of = as_of.map_or_else(|| "each household's survey_date".to_owned(), |d| d.to_string());
    let input = input.unwrap_or("standard input");
    format!(
        "registry and parameter files: sha256 {}\nas of: {as_of}\nmax line bytes: {max_line_bytes}\n\
         default budgets: fuel {}, timeout {} ms, memory {} bytes, output {} bytes\ninput: {input}\n",
        registry.fingerprint(),
        limits.fuel,
        limits.timeout.as_millis(),
        limits.memory_bytes,
        limits.output_bytes,
    )
}

/// What identifies an input file for `--resume`, read cheaply whatever its
/// size: its length and the sha256 of its first and last MiB (the
/// household at the cut is checked as well, when the batch goes on).
pub fn input_fingerprint(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::{Read, Seek, SeekFrom};
    const SPAN: u64 = 1 << 20;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut hash = Sha256::new();
    let mut buf = Vec::new();
    (&mut file).take(SPAN).read_to_end(&mut buf)?;
    if len > SPAN {
        file.seek(SeekFrom::Start(len.saturating_sub(SPAN).max(SPAN)))?;
        file.read_to_end(&mut buf)?;
    }
    hash.update(&buf);
    Ok(format!("{len} bytes, sha256 of the first and last MiB {}", hex::encode(hash.finalize())))
}

/// Whole records (lines ending in `\n`) in a partial output; a last line
/// cut off by the interruption does not count.
pub fn count_records(mut partial: impl BufRead) -> std::io::Result<u64> {
    let mut count = 0;
    loop {
        let buf = partial.fill_buf()?;
        if buf.is_empty() {
            return Ok(count);
        }
        count += memchr::memchr_iter(b'\n', buf).count() as u64;
        let used = buf.len();
        partial.consume(used);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: u64, status: &str, id: &str) -> String {
        format!(
            r#"{{"line":{line},"household_id":"{id}","district_code":"500101","status":"{status}","monitoring":null,"flags":[],"decisions":[]}}"#
        )
    }

    #[test]
    fn whole_chunks_are_kept_and_the_rest_dropped() {
        let mut text = String::new();
        for n in 1..=7 {
            text.push_str(&record(n, if n == 2 { "plugin_error" } else { "ok" }, &format!("h{n}")));
            text.push('\n');
        }
        text.push_str("{\"line\":8,\"hou"); // cut off by the kill
        let count = count_records(text.as_bytes()).unwrap();
        assert_eq!(count, 7);
        let mut rejects = Vec::new();
        let resume = Resume::read(text.as_bytes(), count, 3, Some(&mut rejects)).unwrap();
        assert_eq!((resume.lines, resume.dropped), (6, 1));
        assert_eq!(resume.bytes as usize, text.match_indices('\n').nth(5).unwrap().0 + 1);
        let report = &resume.tally.report;
        assert_eq!((report.lines, report.ok, report.plugin_errors), (6, 5, 1));
        assert_eq!(resume.last.household_id.as_deref(), Some("h6"));
        assert!(resume.tally.seen.contains(&id_hash("h1")) && !resume.tally.seen.contains(&id_hash("h7")));
        assert_eq!(String::from_utf8(rejects).unwrap(), record(2, "plugin_error", "h2") + "\n");
    }

    #[test]
    fn records_out_of_line_order_are_refused() {
        let text = format!("{}\n{}\n", record(1, "ok", "a"), record(3, "ok", "b"));
        let err = Resume::read(text.as_bytes(), 2, 1, None).unwrap_err();
        assert!(err.contains("record 2 of the partial output is for line 3"), "{err}");
        let err = Resume::read("not json\n".as_bytes(), 1, 1, None).unwrap_err();
        assert!(err.contains("record 1 of the partial output"), "{err}");
    }
}
