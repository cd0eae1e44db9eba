//! Streaming batch evaluation: a reader thread cuts the input into chunks
//! of lines, worker threads evaluate chunks, and the calling thread writes
//! records in input order. Memory is bounded by the chunks in flight, not by
//! the input; every line gets exactly one record.

use std::collections::{BTreeMap, HashSet};

use std::io::{BufRead, Write};

use crossbeam_channel::{Receiver, Sender, bounded};
use rulehost_sdk::Date;

use crate::household::HouseholdReader;
use crate::outcome::{Failure, FailureKind, Status};
use crate::pipeline::{LineOutcome, Worker};
use crate::record::Record;
use crate::registry::Registry;
use crate::resume::Resume;
use crate::summary::{Contribution, Summary};

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
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions {
            jobs: std::thread::available_parallelism().map_or(1, usize::from),
            as_of: None,
            chunk_lines: 1024,
            max_line_bytes: 1 << 20,
        }
    }
}

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

/// Progress as the writer sees it: records written, input bytes consumed.
pub trait Progress: Sync {
    fn update(&self, records: u64, bytes: u64);
}

impl Progress for () {
    fn update(&self, _: u64, _: u64) {}
}

/// One line of input, as read.
#[derive(Debug)]
enum Line {
    /// Byte range in the chunk's data.
    Text(usize, usize),
    /// Longer than `max_line_bytes`; holds its length.
    TooLong(usize),
}

#[derive(Debug)]
struct Chunk {
    seq: u64,
    first_line: u64,
    data: Vec<u8>,
    lines: Vec<Line>,
    bytes_read: u64,
}

#[derive(Debug)]
struct Done {
    seq: u64,
    first_line: u64,
    out: Vec<u8>,
    /// End offset in `out` and outcome of each line.
    lines: Vec<(usize, LineOutcome)>,
    summary: Summary,
    bytes_read: u64,
    stateful: Vec<String>,
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
    run_from(registry, reader, input, output, rejects, options, progress, Resume::default())
}

/// Like [`run`], but after the first `resume.lines` lines, whose records an
/// interrupted run already wrote: those lines are read only to be skipped
/// (the last one is checked against the last kept record), and the report
/// and duplicate check start from the kept records.
#[expect(clippy::too_many_arguments, reason = "run's arguments plus the resume point")]
pub fn run_from(
    registry: &Registry,
    reader: &HouseholdReader,
    input: &mut (dyn BufRead + Send),
    output: &mut dyn Write,
    mut rejects: Option<&mut dyn Write>,
    options: BatchOptions,
    progress: &dyn Progress,
    resume: Resume,
) -> std::io::Result<BatchReport> {
    let jobs = options.jobs.max(1);
    let (chunk_tx, chunk_rx) = bounded::<Chunk>(jobs * 2);
    let (done_tx, done_rx) = bounded::<Done>(jobs * 2);
    // At most this many chunks are read but not yet written.
    let (slot_tx, slot_rx) = bounded::<()>(jobs * 4);
    std::thread::scope(|scope| {
        let (skip, last_id) = (resume.lines, resume.last_id.clone());
        let read = scope.spawn(move || {
            let (next_line, bytes_read) = skip_lines(input, reader, options, skip, last_id.as_deref())?;
            read_chunks(input, options, next_line, bytes_read, &chunk_tx, &slot_tx)
        });
        for _ in 0..jobs {
            let (rx, tx) = (chunk_rx.clone(), done_tx.clone());
            scope.spawn(move || work(registry, reader, options, &rx, &tx));
        }
        drop((chunk_rx, done_tx));
        let written = write_in_order(&done_rx, &slot_rx, output, &mut rejects, progress, resume);
        // Unblock the reader if the writer stopped early.
        drop(slot_rx);
        drop(done_rx);
        let read = read.join().unwrap_or_else(|_| Err(std::io::Error::other("the input reader panicked")));
        let report = written?;
        read?;
        Ok(report)
    })
}

/// Reads past the first `lines` lines, whose records are already written;
/// refuses an input that is shorter, or whose last such line is not the
/// household `last_id` names. Returns the next line number and the bytes read.
fn skip_lines(
    input: &mut (dyn BufRead + Send),
    reader: &HouseholdReader,
    options: BatchOptions,
    lines: u64,
    last_id: Option<&str>,
) -> std::io::Result<(u64, u64)> {
    let (mut bytes_read, mut data) = (0u64, Vec::new());
    for n in 1..=lines {
        data.clear();
        let Some((line, consumed)) = read_line(input, &mut data, options.max_line_bytes)? else {
            return Err(std::io::Error::other(format!(
                "the input has {} lines, but the partial output holds records for {lines}: it is not the output of this input",
                n - 1
            )));
        };
        bytes_read += consumed;
        if n == lines
            && let (Line::Text(start, end), Some(id)) = (line, last_id)
        {
            let found = reader.read_line(&data[start..end]).map(|p| p.household_id).ok();
            if found.as_deref() != Some(id) {
                return Err(std::io::Error::other(format!(
                    "line {n} of the input is household {found:?}, but the partial output's record for it names `{id}`: it is not the output of this input"
                )));
            }
        }
    }
    Ok((lines + 1, bytes_read))
}

fn read_chunks(
    input: &mut (dyn BufRead + Send),
    options: BatchOptions,
    mut next_line: u64,
    mut bytes_read: u64,
    chunks: &Sender<Chunk>,
    slots: &Sender<()>,
) -> std::io::Result<()> {
    for seq in 0.. {
        let mut chunk = Chunk { seq, first_line: next_line, data: Vec::new(), lines: Vec::new(), bytes_read: 0 };
        while chunk.lines.len() < options.chunk_lines {
            match read_line(input, &mut chunk.data, options.max_line_bytes)? {
                Some((line, consumed)) => {
                    bytes_read += consumed;
                    chunk.lines.push(line);
                }
                None => break,
            }
        }
        if chunk.lines.is_empty() {
            return Ok(());
        }
        next_line += chunk.lines.len() as u64;
        chunk.bytes_read = bytes_read;
        let last = chunk.lines.len() < options.chunk_lines;
        if slots.send(()).is_err() || chunks.send(chunk).is_err() {
            return Ok(()); // The writer stopped; it reports why.
        }
        if last {
            return Ok(());
        }
    }
    Ok(())
}

/// Reads one line (without its `\n`) into `data`, keeping at most `max`
/// bytes of it. `None` at the end of input.
fn read_line(input: &mut dyn BufRead, data: &mut Vec<u8>, max: usize) -> std::io::Result<Option<(Line, u64)>> {
    let start = data.len();
    let mut len = 0usize;
    let mut consumed = 0u64;
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            if consumed == 0 {
                return Ok(None);
            }
            break; // A last line without a newline.
        }
        let (take, newline) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i, true),
            None => (buf.len(), false),
        };
        if len + take <= max {
            data.extend_from_slice(&buf[..take]);
        } else if len <= max {
            data.truncate(start); // Too long: stop keeping it.
        }
        len += take;
        let used = take + usize::from(newline);
        input.consume(used);
        consumed += used as u64;
        if newline {
            break;
        }
    }
    let line = if len > max { Line::TooLong(len) } else { Line::Text(start, data.len()) };
    Ok(Some((line, consumed)))
}

fn work(
    registry: &Registry,
    reader: &HouseholdReader,
    options: BatchOptions,
    chunks: &Receiver<Chunk>,
    done: &Sender<Done>,
) {
    let mut worker = Worker::new(registry, reader, options.as_of);
    for chunk in chunks {
        let mut result = evaluate_chunk(&mut worker, &chunk, options.max_line_bytes);
        let stateful = find_state(registry, reader, options, &chunk, &result);
        if !stateful.is_empty() {
            // Evaluate this chunk again, every household in a fresh instance.
            worker.take_summary();
            let mut fresh = Worker::new(registry, reader, options.as_of).fresh_each(true);
            result = evaluate_chunk(&mut fresh, &chunk, options.max_line_bytes);
            result.summary = fresh.take_summary();
        } else {
            result.summary = worker.take_summary();
        }
        result.stateful = stateful;
        if done.send(result).is_err() {
            return;
        }
    }
}

fn evaluate_chunk(worker: &mut Worker<'_>, chunk: &Chunk, max: usize) -> Done {
    // Fresh instances at every chunk boundary: a chunk's results depend
    // only on its own lines, whichever thread evaluates it.
    worker.reset();
    let mut out = Vec::with_capacity(chunk.lines.len() * 2048);
    let mut lines = Vec::with_capacity(chunk.lines.len());
    for (n, line) in (chunk.first_line..).zip(&chunk.lines) {
        let outcome = match *line {
            Line::Text(a, b) => worker.process(n, &chunk.data[a..b], &mut out),
            Line::TooLong(len) => {
                let message = format!("line is {len} bytes long; the limit is {max} bytes");
                worker.reject(n, &Failure::new(FailureKind::LineTooLong, message), &mut out)
            }
        };
        lines.push((out.len(), outcome));
    }
    Done {
        seq: chunk.seq,
        first_line: chunk.first_line,
        out,
        lines,
        summary: Summary::default(),
        bytes_read: chunk.bytes_read,
        stateful: Vec::new(),
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
    done: &Done,
) -> Vec<String> {
    let mut last: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, (_, outcome)) in done.lines.iter().enumerate() {
        if let (Some(d), Status::Ok) = (outcome.deployment, outcome.status) {
            last.insert(d, i);
        }
    }
    let mut stateful = Vec::new();
    for (deployment, i) in last {
        let (Some(Line::Text(a, b)), Some(line)) = (chunk.lines.get(i), chunk.first_line.checked_add(i as u64)) else {
            continue;
        };
        let start = if i == 0 { 0 } else { done.lines[i - 1].0 };
        let mut fresh = Worker::new(registry, reader, options.as_of);
        let mut again = Vec::new();
        fresh.process(line, &chunk.data[*a..*b], &mut again);
        if again != done.out[start..done.lines[i].0] {
            stateful.push(registry.deployments()[deployment].plugin.identity().name.clone());
        }
    }
    stateful
}

fn write_in_order(
    done: &Receiver<Done>,
    slots: &Receiver<()>,
    output: &mut dyn Write,
    rejects: &mut Option<&mut dyn Write>,
    progress: &dyn Progress,
    resume: Resume,
) -> std::io::Result<BatchReport> {
    let Resume { mut report, mut seen, .. } = resume;
    let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
    let mut next = 0u64;
    for chunk in done {
        pending.insert(chunk.seq, chunk);
        while let Some(mut chunk) = pending.remove(&next) {
            dedupe(&mut chunk, &mut seen);
            output.write_all(&chunk.out)?;
            let mut start = 0;
            for &(end, outcome) in &chunk.lines {
                report.lines += 1;
                match outcome.status {
                    Status::Ok => report.ok += 1,
                    Status::Rejected => report.rejected += 1,
                    Status::PluginError => report.plugin_errors += 1,
                }
                if let (true, Some(r)) = (outcome.status != Status::Ok, rejects.as_mut()) {
                    r.write_all(&chunk.out[start..end])?;
                }
                start = end;
            }
            report.summary.merge(&chunk.summary);
            for name in chunk.stateful {
                *report.stateful.entry(name).or_default() += 1;
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
fn dedupe(chunk: &mut Done, seen: &mut HashSet<u128>) {
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
    let mut out = Vec::with_capacity(chunk.out.len());
    let mut start = 0;
    let mut lines = Vec::with_capacity(chunk.lines.len());
    for (i, &(end, mut outcome)) in chunk.lines.iter().enumerate() {
        let old = &chunk.out[start..end];
        if duplicates.contains(&i) {
            let record: serde_json::Value = serde_json::from_slice(old).unwrap_or_default();
            chunk.summary.apply(Summary::contribution_of(&record), -1);
            let district = record["district_code"].as_str();
            let contribution = Contribution { district, status: Some(Status::Rejected), ..Contribution::default() };
            chunk.summary.apply(contribution, 1);
            write_duplicate(&record, chunk.first_line + i as u64, &mut out);
            outcome.status = Status::Rejected;
        } else {
            out.extend_from_slice(old);
        }
        lines.push((out.len(), outcome));
        start = end;
    }
    chunk.out = out;
    chunk.lines = lines;
}

fn write_duplicate(old: &serde_json::Value, line: u64, out: &mut Vec<u8>) {
    let id = old["household_id"].as_str().unwrap_or_default();
    let failure = Failure::at(
        FailureKind::DuplicateHouseholdId,
        format!("household id `{id}` already appeared on an earlier line; the first occurrence stands"),
        "/household_id",
    );
    let mut record = Record::failed(line, &failure);
    record.household_id = Some(id);
    record.district_code = old["district_code"].as_str();
    serde_json::to_writer(&mut *out, &record).ok();
    out.push(b'\n');
}
