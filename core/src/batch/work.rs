//! The worker threads: each evaluates whole chunks through its own
//! pipeline, with fresh plugin instances at every chunk boundary, then
//! checks that no plugin carried state from one household to the next.

use std::collections::BTreeMap;

use crossbeam_channel::{Receiver, Sender};

use super::BatchOptions;
use super::read::{Chunk, Line};
use crate::pipeline::{LineOutcome, Pipeline};
use crate::record::StoreRows;
use crate::registry::Registry;
use crate::summary::Summary;
use rulehost_input::HouseholdReader;
use rulehost_input::{Failure, FailureKind, Status};

/// A chunk's records, ready for the writer.
#[derive(Debug)]
pub(super) struct EvaluatedChunk {
    pub seq: u64,
    pub first_line: u64,
    /// The records, one JSON line each, in line order.
    pub out: Vec<u8>,
    /// End offset in `out` and outcome of each line.
    pub lines: Vec<(usize, LineOutcome)>,
    pub summary: Summary,
    pub bytes_read: u64,
    /// Plugins caught keeping state in this chunk.
    pub stateful: Vec<String>,
    /// A results store's row for each line, when the batch keeps a round.
    pub store_rows: StoreRows,
}

impl EvaluatedChunk {
    /// The record of line `i` of the chunk, with its newline.
    pub fn record(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.lines[i - 1].0 };
        &self.out[start..self.lines[i].0]
    }
}

/// Evaluates chunks until the reader is done or the writer has stopped.
pub(super) fn work(
    registry: &Registry,
    reader: &HouseholdReader,
    options: BatchOptions,
    store_rows: bool,
    chunks: &Receiver<Chunk>,
    done: &Sender<EvaluatedChunk>,
) {
    let mut pipeline = new_pipeline(registry, reader, options).keep_store_rows(store_rows);
    for chunk in chunks {
        let mut result = evaluate_chunk(&mut pipeline, &chunk, options.max_line_bytes);
        let stateful = find_state(registry, reader, options, &chunk, &result);
        if stateful.is_empty() {
            result.summary = pipeline.take_summary();
        } else {
            // Evaluate this chunk again, every household in a fresh instance.
            pipeline.take_summary();
            let mut fresh = new_pipeline(registry, reader, options).fresh_each(true).keep_store_rows(store_rows);
            result = evaluate_chunk(&mut fresh, &chunk, options.max_line_bytes);
            result.summary = fresh.take_summary();
        }
        result.stateful = stateful;
        if done.send(result).is_err() {
            return;
        }
    }
}

/// A worker's pipeline (natively running rules, in a benchmark's twin run).
fn new_pipeline<'r>(registry: &'r Registry, reader: &'r HouseholdReader, options: BatchOptions) -> Pipeline<'r> {
    let pipeline = Pipeline::new(registry, reader, options.as_of);
    #[cfg(feature = "unsandboxed-native")]
    if let Some(native) = options.native {
        return pipeline.native(native.0);
    }
    pipeline
}

fn evaluate_chunk(pipeline: &mut Pipeline<'_>, chunk: &Chunk, max: usize) -> EvaluatedChunk {
    // Fresh instances at every chunk boundary: a chunk's records depend
    // only on its own lines, whichever thread evaluates it.
    pipeline.reset();
    let mut out = Vec::with_capacity(chunk.lines.len() * 2048);
    let mut lines = Vec::with_capacity(chunk.lines.len());
    for (n, line) in (chunk.first_line..).zip(&chunk.lines) {
        let outcome = match line {
            Line::Text(range) => pipeline.process(n, &chunk.data[range.clone()], &mut out),
            Line::TooLong(len) => {
                let message = format!("line is {len} bytes long; the limit is {max} bytes");
                pipeline.reject(n, &Failure::new(FailureKind::LineTooLong, message), &mut out)
            }
        };
        lines.push((out.len(), outcome));
    }
    EvaluatedChunk {
        seq: chunk.seq,
        first_line: chunk.first_line,
        out,
        lines,
        summary: Summary::default(),
        bytes_read: chunk.bytes_read,
        stateful: Vec::new(),
        store_rows: pipeline.take_store_rows(),
    }
}

/// Re-evaluates, in a fresh instance, the last household each plugin
/// evaluated in the chunk; a different record means the plugin carried
/// state from earlier households. Returns the names of such plugins.
///
/// A plugin that got only one household in the chunk evaluated it in a
/// fresh instance already, so there is nothing to check.
fn find_state(
    registry: &Registry,
    reader: &HouseholdReader,
    options: BatchOptions,
    chunk: &Chunk,
    done: &EvaluatedChunk,
) -> Vec<String> {
    let mut last: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (i, (_, outcome)) in done.lines.iter().enumerate() {
        if let Some(d) = outcome.deployment {
            let (seen, ok) = last.entry(d).or_insert((0, usize::MAX));
            *seen += 1;
            if outcome.status == Status::Ok {
                *ok = i;
            }
        }
    }
    let mut stateful = Vec::new();
    for (deployment, (seen, i)) in last {
        if seen < 2 || i == usize::MAX {
            continue;
        }
        let Some(text) = chunk.text(i) else { continue };
        let mut fresh = new_pipeline(registry, reader, options);
        let mut again = Vec::new();
        fresh.process(chunk.first_line + i as u64, text, &mut again);
        if again != done.record(i) {
            stateful.push(registry.deployments()[deployment].plugin.identity().name.clone());
        }
    }
    stateful
}
