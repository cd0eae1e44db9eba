//! The reader thread: cuts the input into chunks of lines without ever
//! holding more than `max_line_bytes` of one line, and skips the lines an
//! interrupted run already wrote records for.

use std::io::BufRead;
use std::ops::Range;

use crossbeam_channel::Sender;

use super::BatchOptions;
use super::resume::LastKept;
use rulehost_input::{Failure, FailureKind, HouseholdReader};

/// One line of input, as read.
#[derive(Debug, Clone)]
pub(super) enum Line {
    /// The line's bytes, as a range of the chunk's `data`.
    Text(Range<usize>),
    /// Longer than `max_line_bytes`; holds its length.
    TooLong(usize),
}

/// Consecutive lines, evaluated together by one worker.
#[derive(Debug)]
pub(super) struct Chunk {
    /// Position in the input, from 0: the writer restores this order.
    pub seq: u64,
    /// The 1-based number of the chunk's first line.
    pub first_line: u64,
    pub data: Vec<u8>,
    pub lines: Vec<Line>,
    /// Input bytes read up to the end of this chunk (for progress).
    pub bytes_read: u64,
}

impl Chunk {
    /// The bytes of line `i` of the chunk, unless it was too long to keep.
    pub fn text(&self, i: usize) -> Option<&[u8]> {
        match self.lines.get(i)? {
            Line::Text(range) => self.data.get(range.clone()),
            Line::TooLong(_) => None,
        }
    }
}

/// Reads past the first `lines` lines, whose records are already written;
/// refuses an input that is shorter, or whose last such line does not
/// agree with the last kept record (`last`): another household, or, for a
/// record of a line that gave no household, a line that now reads or is
/// refused for another reason. Returns the next line number and the bytes
/// read.
pub(super) fn skip_lines(
    input: &mut (dyn BufRead + Send),
    reader: &HouseholdReader,
    options: BatchOptions,
    lines: u64,
    last: &LastKept,
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
        if n == lines {
            check_cut(n, &line, &data, reader, last)?;
        }
    }
    Ok((options.first_line.max(1) + lines, bytes_read))
}

/// Line `n` of the input, at the cut, against the last kept record.
fn check_cut(n: u64, line: &Line, data: &[u8], reader: &HouseholdReader, last: &LastKept) -> std::io::Result<()> {
    let read = match line {
        Line::Text(range) => reader.read_line(&data[range.clone()]),
        Line::TooLong(_) => Err(Failure::new(FailureKind::LineTooLong, String::new())),
    };
    let (found_id, found_kind) = match &read {
        Ok(parsed) => (Some(parsed.household_id.as_str()), None),
        Err(failure) => (None, Some(failure.kind.as_str())),
    };
    let agrees = match (&last.household_id, &last.error_kind) {
        (Some(id), _) => found_id == Some(id.as_str()),
        (None, Some(kind)) => found_id.is_none() && found_kind == Some(kind.as_str()),
        (None, None) => false,
    };
    if agrees {
        return Ok(());
    }
    let found = found_id
        .map_or_else(|| format!("refused as `{}`", found_kind.unwrap_or("?")), |id| format!("household `{id}`"));
    let kept = last.household_id.as_ref().map_or_else(
        || format!("a line refused as `{}`", last.error_kind.as_deref().unwrap_or("?")),
        |id| format!("`{id}`"),
    );
    Err(std::io::Error::other(format!(
        "line {n} of the input is {found}, but the partial output's record for it names {kept}: it is not the output of this input"
    )))
}

/// Sends chunks of `options.chunk_lines` lines, numbered from `next_line`,
/// taking a slot for each so that at most that many are in flight.
pub(super) fn read_chunks(
    input: &mut (dyn BufRead + Send),
    options: BatchOptions,
    mut next_line: u64,
    mut bytes_read: u64,
    chunks: &Sender<Chunk>,
    slots: &Sender<()>,
) -> std::io::Result<()> {
    // Each chunk's buffers start at about the last one's size, so that
    // they are not grown (copied) over and over while lines are read.
    let mut last_size = 0;
    for seq in 0.. {
        let data = Vec::with_capacity(last_size + last_size / 8);
        let lines = Vec::with_capacity(options.chunk_lines.min(1 << 16));
        let mut chunk = Chunk { seq, first_line: next_line, data, lines, bytes_read: 0 };
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
        last_size = chunk.data.len();
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
    let line = if len > max { Line::TooLong(len) } else { Line::Text(start..data.len()) };
    Ok(Some((line, consumed)))
}
