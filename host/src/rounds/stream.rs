//! Writing a round while its batch runs: the batch's output goes through a
//! [`RecordTee`], which passes the bytes on to the results file and, in
//! blocks, over a bounded channel to a [`RecordFeed`]: the `BufRead` the
//! store's writer thread reads the records from. The store commits only
//! when the feed is told the output is whole ([`RecordEnd::send`]); a
//! batch that fails or is killed leaves the store as it was.

use std::io::{BufRead, Read, Write};

use crossbeam_channel::{Receiver, Sender, bounded};

/// Bytes of records sent at once.
const BLOCK: usize = 256 * 1024;
/// Blocks in flight: the batch waits for the store beyond this (16 MiB).
const BLOCKS: usize = 64;

enum Message {
    Records(Vec<u8>),
    /// The results file is whole: the feed ends here.
    End,
}

/// Writes through to the results file and copies every byte to the feed.
pub struct RecordTee<'w> {
    out: &'w mut dyn Write,
    block: Vec<u8>,
    /// `None` once the store's writer has stopped (its error is reported
    /// when it is joined); the results file is written on regardless.
    tx: Option<Sender<Message>>,
}

/// What is left to send once the batch has written its last record.
pub struct RecordEnd {
    block: Vec<u8>,
    tx: Option<Sender<Message>>,
}

/// The store writer's side: the records, in the order they were written.
pub struct RecordFeed {
    rx: Receiver<Message>,
    block: Vec<u8>,
    at: usize,
    ended: bool,
}

/// A tee onto `out` and the feed it fills.
pub fn channel(out: &mut dyn Write) -> (RecordTee<'_>, RecordFeed) {
    let (tx, rx) = bounded(BLOCKS);
    (
        RecordTee { out, block: Vec::with_capacity(BLOCK), tx: Some(tx) },
        RecordFeed { rx, block: Vec::new(), at: 0, ended: false },
    )
}

fn send(tx: &mut Option<Sender<Message>>, message: Message) {
    if tx.as_ref().is_some_and(|t| t.send(message).is_err()) {
        *tx = None;
    }
}

impl Write for RecordTee<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(bytes)?;
        if self.tx.is_some() {
            self.block.extend_from_slice(&bytes[..n]);
            if self.block.len() >= BLOCK {
                let full = std::mem::replace(&mut self.block, Vec::with_capacity(BLOCK));
                send(&mut self.tx, Message::Records(full));
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl RecordTee<'_> {
    /// Lets go of the results file, keeping what is still to be sent.
    pub fn end(self) -> RecordEnd {
        RecordEnd { block: self.block, tx: self.tx }
    }
}

impl RecordEnd {
    /// The results file is whole: the feed gets its last records and ends.
    /// Dropping a `RecordEnd` instead makes the feed fail, and the round is
    /// not kept.
    pub fn send(mut self) {
        let block = std::mem::take(&mut self.block);
        send(&mut self.tx, Message::Records(block));
        send(&mut self.tx, Message::End);
    }
}

impl Read for RecordFeed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for RecordFeed {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.at == self.block.len() && !self.ended {
            match self.rx.recv() {
                Ok(Message::Records(block)) => {
                    self.block = block;
                    self.at = 0;
                }
                Ok(Message::End) => self.ended = true,
                Err(_) => {
                    return Err(std::io::Error::other(
                        "the batch stopped before its results were whole: the round is not kept",
                    ));
                }
            }
        }
        Ok(&self.block[self.at..])
    }

    fn consume(&mut self, n: usize) {
        self.at = (self.at + n).min(self.block.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_reads_what_the_file_got_and_ends_only_when_told() {
        let mut file = Vec::new();
        let (mut tee, mut feed) = channel(&mut file);
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            feed.read_to_string(&mut text).map(|_| text)
        });
        for i in 0..100_000 {
            writeln!(tee, "record {i}").unwrap();
        }
        tee.end().send();
        let text = reader.join().unwrap().unwrap();
        assert_eq!(text.as_bytes(), file.as_slice());
        assert!(text.ends_with("record 99999\n"));
    }

    #[test]
    fn a_batch_that_stops_fails_the_feed() {
        let mut file = Vec::new();
        let (mut tee, mut feed) = channel(&mut file);
        tee.write_all(b"a line\n").unwrap();
        drop(tee.end());
        let mut text = String::new();
        let err = feed.read_to_string(&mut text).unwrap_err();
        assert!(err.to_string().contains("the round is not kept"), "{err}");
    }
}
