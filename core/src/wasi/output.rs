//! stdout and stderr of a WASI plugin: kept per household, up to a bound,
//! for `rulehost test` and `rulehost eval --debug`; never in a record.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// The line a plugin SDK writes to stderr when the rules raised an
/// exception: the rest of the line is the failure's message.
pub const EXCEPTION_MARKER: &[u8] = b"rulehost-plugin-exception: ";
/// The longest exception message kept, in bytes.
const EXCEPTION_BYTES: usize = 1024;

/// What a plugin wrote while evaluating one household.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    /// Bytes written past the bound, counted and dropped.
    pub dropped: u64,
}

impl Output {
    pub fn is_empty(&self) -> bool {
        self.stdout.is_empty() && self.stderr.is_empty() && self.dropped == 0
    }
}

/// One bounded stream. Writes never fail: bytes past the bound are counted
/// and dropped, so a plugin that prints too much still gets its record.
#[derive(Clone)]
pub(crate) struct Capture(Arc<Mutex<Buffer>>);

struct Buffer {
    bytes: Vec<u8>,
    bound: usize,
    dropped: u64,
    exception: Option<String>,
}

impl Capture {
    pub(crate) fn new(bound: usize) -> Capture {
        Capture(Arc::new(Mutex::new(Buffer { bytes: Vec::new(), bound, dropped: 0, exception: None })))
    }

    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The text written since the last take, and bytes dropped; empties it.
    pub(crate) fn take(&self) -> (String, u64) {
        let mut b = self.lock();
        let text = String::from_utf8_lossy(&b.bytes).into_owned();
        let dropped = b.dropped;
        b.bytes.clear();
        b.dropped = 0;
        (text, dropped)
    }

    /// Forgets what was written, the exception line included.
    pub(crate) fn clear(&self) {
        let mut b = self.lock();
        b.bytes.clear();
        b.dropped = 0;
        b.exception = None;
    }

    /// The first exception line an SDK wrote since the last clear, if any.
    pub(crate) fn exception(&self) -> Option<String> {
        self.lock().exception.clone()
    }

    fn append(&self, data: &[u8]) {
        let mut b = self.lock();
        // The exception line is looked for in every write, kept apart from
        // the bound: a plugin that filled stderr still has its error named.
        // The first line wins: it names the exception the rules raised, not
        // one raised while reporting it.
        if let Some(at) = memchr::memmem::find(data, EXCEPTION_MARKER).filter(|_| b.exception.is_none()) {
            let rest = &data[at + EXCEPTION_MARKER.len()..];
            let line = rest.split(|&c| c == b'\n').next().unwrap_or_default();
            let line = &line[..line.len().min(EXCEPTION_BYTES)];
            b.exception = Some(String::from_utf8_lossy(line).trim_end().to_owned());
        }
        let room = b.bound.saturating_sub(b.bytes.len());
        let kept = data.len().min(room);
        b.bytes.extend_from_slice(&data[..kept]);
        b.dropped = b.dropped.saturating_add((data.len() - kept) as u64);
    }
}

/// Bytes accepted per write: large, so that a guest's big write is taken
/// whole (a guest may drop what a short write leaves over).
const PERMIT: usize = 1 << 20;

#[wasmtime_wasi::async_trait]
impl OutputStream for Capture {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(PERMIT)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Capture {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for Capture {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_past_the_bound_are_counted_and_dropped() {
        let c = Capture::new(8);
        c.append(b"hello ");
        c.append(b"world");
        assert_eq!(c.take(), ("hello wo".to_owned(), 3));
        assert_eq!(c.take(), (String::new(), 0));
    }

    #[test]
    fn the_exception_line_is_kept_even_past_the_bound() {
        let c = Capture::new(4);
        c.append(b"noise noise");
        c.append(b"Traceback\nrulehost-plugin-exception: ValueError: bad (plugin.py, line 3)\nmore");
        assert_eq!(c.exception().as_deref(), Some("ValueError: bad (plugin.py, line 3)"));
        c.clear();
        assert_eq!(c.exception(), None);
    }
}
