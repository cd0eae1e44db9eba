//! Writing a round while its batch runs: the batch's writer hands each
//! chunk it has written (the records and their store rows, see
//! [`rulehost_core::batch::Keep`]) to a [`RoundSender`], which passes it
//! over a bounded channel to a [`RoundFeed`], read by the store's writer
//! thread. The store commits only when the sender is told the results file
//! is whole ([`RoundSender::end`]); a batch that fails or is killed leaves
//! the store as it was.

use crossbeam_channel::{Receiver, Sender, bounded};
use rulehost_core::batch::{Keep, KeptChunk};

/// Chunks in flight: the batch waits for the store beyond this (about 16
/// chunks of 1,024 records, 23 MB).
const CHUNKS: usize = 16;

enum Message {
    Chunk(KeptChunk),
    /// The results file is whole: the feed ends here.
    End,
}

/// The batch's side.
pub struct RoundSender {
    /// `None` once the store's writer has stopped (its error is reported
    /// when it is joined); the results file is written on regardless.
    tx: Option<Sender<Message>>,
}

/// The store writer's side: the chunks, in the order they were written.
pub struct RoundFeed {
    rx: Receiver<Message>,
    ended: bool,
}

/// A sender for the batch and the feed it fills.
pub fn channel() -> (RoundSender, RoundFeed) {
    let (tx, rx) = bounded(CHUNKS);
    (RoundSender { tx: Some(tx) }, RoundFeed { rx, ended: false })
}

impl RoundSender {
    fn send(&mut self, message: Message) {
        if self.tx.as_ref().is_some_and(|t| t.send(message).is_err()) {
            self.tx = None;
        }
    }

    /// The results file is whole: the feed ends here. Dropping the sender
    /// instead makes the feed fail, and the round is not kept.
    pub fn end(mut self) {
        self.send(Message::End);
    }
}

impl Keep for RoundSender {
    fn keep(&mut self, chunk: KeptChunk) -> std::io::Result<()> {
        self.send(Message::Chunk(chunk));
        Ok(())
    }
}

impl Iterator for RoundFeed {
    type Item = std::io::Result<KeptChunk>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        match self.rx.recv() {
            Ok(Message::Chunk(chunk)) => Some(Ok(chunk)),
            Ok(Message::End) => {
                self.ended = true;
                None
            }
            Err(_) => {
                self.ended = true;
                Some(Err(std::io::Error::other(
                    "the batch stopped before its results were whole: the round is not kept",
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(first_line: u64) -> KeptChunk {
        KeptChunk {
            first_line,
            records: format!("record {first_line}\n").into_bytes(),
            rows: rulehost_core::record::StoreRows::default(),
        }
    }

    #[test]
    fn the_feed_gives_every_chunk_in_order_and_ends_only_when_told() {
        let (mut sender, feed) = channel();
        let reader = std::thread::spawn(move || feed.map(|c| c.map(|c| c.first_line)).collect::<Vec<_>>());
        for i in 1..=100 {
            sender.keep(chunk(i)).unwrap();
        }
        sender.end();
        let lines: Vec<u64> = reader.join().unwrap().into_iter().map(Result::unwrap).collect();
        assert_eq!(lines, (1..=100).collect::<Vec<_>>());
    }

    #[test]
    fn a_batch_that_stops_fails_the_feed() {
        let (mut sender, mut feed) = channel();
        sender.keep(chunk(1)).unwrap();
        drop(sender);
        assert!(feed.next().unwrap().is_ok());
        let err = feed.next().unwrap().unwrap_err();
        assert!(err.to_string().contains("the round is not kept"), "{err}");
        assert!(feed.next().is_none());
    }
}
