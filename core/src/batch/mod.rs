//! Streaming batch evaluation: a reader thread cuts the input into chunks
//! of lines (`read`), worker threads evaluate chunks (`work`), and the
//! calling thread writes records in input order (`write`). Memory is
//! bounded by the chunks in flight, not by the input; every line gets
//! exactly one record. `resume` and `files` pick up an interrupted run.

mod direct;
mod files;
mod read;
mod resume;
mod seen;
mod work;
mod write;

use std::io::{BufRead, Write};

use crossbeam_channel::bounded;
use rulehost_sdk::Date;

use crate::record::StoreRows;
use crate::registry::Registry;
use rulehost_input::HouseholdReader;

pub use files::{AtomicFile, Output, ResultsFile, write_whole};
pub use resume::{Resume, count_records, input_fingerprint, run_description};
pub use seen::SeenIds;
pub use work::to_recheck;
pub use write::{BatchReport, Tally};

/// How a batch runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Worker threads.
    pub jobs: usize,
    /// Overrides every household's `survey_date`.
    pub as_of: Option<Date>,
    /// Lines per chunk (1024). Plugin instances start fresh at every chunk, so
    /// results never depend on how work is spread over threads.
    pub chunk_lines: usize,
    /// Longer lines are rejected (`line_too_long`) without being buffered.
    pub max_line_bytes: usize,
    /// Rules called natively in every worker instead of the plugins
    /// (benchmarks only: the native twin of a sandboxed run).
    #[cfg(feature = "unsandboxed-native")]
    pub native: Option<crate::pipeline::Native>,
    /// The number of the input's first line (1): a slice of a larger input,
    /// such as a Spark partition, numbers its records as the whole would.
    pub first_line: u64,
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions {
            jobs: std::thread::available_parallelism().map_or(1, usize::from),
            as_of: None,
            chunk_lines: 1024,
            max_line_bytes: 1 << 20,
            #[cfg(feature = "unsandboxed-native")]
            native: None,
            first_line: 1,
        }
    }
}

/// Progress as the writer sees it: records written, input bytes consumed.
pub trait Progress: Sync {
    fn update(&self, records: u64, bytes: u64);
}

impl Progress for () {
    fn update(&self, _: u64, _: u64) {}
}

/// A chunk of records as written, in input order, with a results store's
/// row for each (see [`Keep`]).
#[derive(Debug)]
pub struct KeptChunk {
    /// The line number of the first record.
    pub first_line: u64,
    /// The records, one JSON line each, exactly as written to the output.
    pub records: Vec<u8>,
    /// One store entry per record, in the same order.
    pub rows: StoreRows,
}

/// Where a batch that keeps a round hands each chunk once it is written.
pub trait Keep {
    /// Takes the next chunk; an error stops the batch.
    fn keep(&mut self, chunk: KeptChunk) -> std::io::Result<()>;
}

/// Evaluates every line of `input`, writing one record per line to
/// `output` in input order (and non-ok records also to `rejects`).
pub fn run(
    registry: &Registry,
    reader: &HouseholdReader,
    input: &mut (dyn BufRead + Send),
    output: &mut dyn Write,
    rejects: Option<&mut dyn Write>,
    options: BatchOptions,
    progress: &dyn Progress,
) -> std::io::Result<BatchReport> {
    run_from(registry, reader, input, output, rejects, options, progress, Resume::default(), None)
}

/// Like [`run`], but after the first `resume.lines` lines, whose records an
/// interrupted run already wrote: those lines are read only to be skipped
/// (the last one is checked against the last kept record), and the report
/// and duplicate check start from the kept records. With `keep`, every
/// written chunk also goes there with its store rows.
#[expect(clippy::too_many_arguments, reason = "run's arguments plus the resume point and the store")]
pub fn run_from(
    registry: &Registry,
    reader: &HouseholdReader,
    input: &mut (dyn BufRead + Send),
    output: &mut dyn Write,
    mut rejects: Option<&mut dyn Write>,
    options: BatchOptions,
    progress: &dyn Progress,
    resume: Resume,
    keep: Option<&mut dyn Keep>,
) -> std::io::Result<BatchReport> {
    let jobs = options.jobs.max(1);
    let (chunk_tx, chunk_rx) = bounded::<read::Chunk>(jobs * 2);
    let (done_tx, done_rx) = bounded::<work::EvaluatedChunk>(jobs * 2);
    // At most this many chunks are read but not yet written.
    let (slot_tx, slot_rx) = bounded::<()>(jobs * 4);
    let Resume { lines: skip, last, tally, .. } = resume;
    std::thread::scope(|scope| {
        let reading = scope.spawn(move || {
            let (next_line, bytes_read) = read::skip_lines(input, reader, options, skip, &last)?;
            read::read_chunks(input, options, next_line, bytes_read, &chunk_tx, &slot_tx)
        });
        for _ in 0..jobs {
            let (rx, tx) = (chunk_rx.clone(), done_tx.clone());
            let store_rows = keep.is_some();
            scope.spawn(move || work::work(registry, reader, options, store_rows, &rx, &tx));
        }
        drop((chunk_rx, done_tx));
        let written = write::write_in_order(&done_rx, &slot_rx, output, &mut rejects, keep, progress, tally);
        // Unblock the reader if the writer stopped early.
        drop(slot_rx);
        drop(done_rx);
        let read = reading.join().unwrap_or_else(|_| Err(std::io::Error::other("the input reader panicked")));
        let report = written?;
        read?;
        Ok(report)
    })
}
