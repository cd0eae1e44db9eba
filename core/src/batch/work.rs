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
fn find_state(
    registry: &Registry,
    reader: &HouseholdReader,
    options: BatchOptions,
    chunk: &Chunk,
    done: &EvaluatedChunk,
) -> Vec<String> {
    let mut stateful = Vec::new();
    for (deployment, i) in to_recheck(done.lines.iter().map(|(_, o)| (o.deployment, o.status))) {
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

/// The households the state check evaluates again, given each line's
/// instance (`None`: no plugin ran) and status in chunk order: for every
/// instance that evaluated two households or more, the index of its last
/// `ok` one. An instance that got one household evaluated it fresh
/// already, so there is nothing to check.
pub fn to_recheck<K: Ord>(lines: impl IntoIterator<Item = (Option<K>, Status)>) -> Vec<(K, usize)> {
    let mut seen: BTreeMap<K, (usize, Option<usize>)> = BTreeMap::new();
    for (i, (key, status)) in lines.into_iter().enumerate() {
        let Some(key) = key else { continue };
        let (count, last_ok) = seen.entry(key).or_default();
        *count += 1;
        if status == Status::Ok {
            *last_ok = Some(i);
        }
    }
    seen.into_iter().filter(|(_, (count, _))| *count > 1).filter_map(|(key, (_, i))| Some((key, i?))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_instances_with_two_households_or_more_are_checked_at_their_last_ok_one() {
        let lines = [
            (Some('a'), Status::Ok),
            (None, Status::Rejected),
            (Some('b'), Status::Ok),
            (Some('a'), Status::Ok),
            (Some('c'), Status::PluginError),
            (Some('a'), Status::PluginError),
            (Some('c'), Status::PluginError),
        ];
        // `a`: three households, the last ok at 3; `b`: one, fresh already;
        // `c`: two, none ok, nothing to compare.
        assert_eq!(to_recheck(lines), vec![('a', 3)]);
        assert_eq!(to_recheck([(Some(1), Status::Ok)]), Vec::new());
        assert_eq!(to_recheck([(Some(1), Status::Ok), (Some(1), Status::Ok)]), vec![(1, 1)]);
    }
}
