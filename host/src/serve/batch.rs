//! `POST /v1/batch`: JSON Lines in, JSON Lines out, through the core's
//! batch (`crate::batch::run`), so the records are byte for byte those
//! of `rulehost batch`. Both directions stream through small bounded
//! channels: the body is never held whole, a slow client slows the batch
//! down, and the line limit holds as in a file.

use std::io::{BufReader, Read, Write};
use std::sync::Arc;

use crate::batch::{self, BatchOptions};
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::evaluate::{AsOf, as_of};
use super::reply::busy;
use super::state::State as Shared;

/// Pieces of body in flight each way.
const IN_FLIGHT: usize = 8;
/// Records are sent to the client in pieces of about this size.
const OUT_PIECE: usize = 64 << 10;

pub async fn batch(State(state): State<Arc<Shared>>, query: Query<AsOf>, request: Request) -> Response {
    let Some(loaded) = state.current() else {
        return busy(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "no registry is loaded yet");
    };
    let as_of = match as_of(query) {
        Ok(a) => a,
        Err(response) => return *response,
    };
    let Ok(permit) = Arc::clone(&state.batches).try_acquire_owned() else {
        let message = format!("{} batches are running; try again shortly", state.limits.max_batches);
        return busy(StatusCode::SERVICE_UNAVAILABLE, "overloaded", &message);
    };
    let (in_tx, in_rx) = mpsc::channel::<Result<Bytes, String>>(IN_FLIGHT);
    let (out_tx, out_rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(IN_FLIGHT);
    let mut body = request.into_body().into_data_stream();
    tokio::spawn(async move {
        while let Some(piece) = body.next().await {
            let failed = piece.is_err();
            if in_tx.send(piece.map_err(|e| e.to_string())).await.is_err() || failed {
                return;
            }
        }
    });
    let options = BatchOptions {
        jobs: state.limits.batch_jobs,
        as_of,
        max_line_bytes: state.limits.max_line_bytes,
        ..BatchOptions::default()
    };
    let shared = Arc::clone(&state);
    let spawned = std::thread::Builder::new().name("rulehost-batch".into()).spawn(move || {
        let _permit = permit;
        let mut input = BufReader::with_capacity(1 << 16, ChannelReader { rx: in_rx, current: Bytes::new() });
        let mut output = ChannelWriter { tx: out_tx.clone(), buf: Vec::with_capacity(OUT_PIECE) };
        match batch::run(&loaded.registry, &shared.reader, &mut input, &mut output, None, options, &()) {
            Ok(report) => shared.metrics.batch_lines(&report),
            // Ends the response without its last chunk: the client sees the body cut short.
            Err(e) => {
                let _ = out_tx.blocking_send(Err(e));
            }
        }
    });
    if spawned.is_err() {
        return busy(StatusCode::SERVICE_UNAVAILABLE, "overloaded", "cannot start a batch thread");
    }
    let stream = futures_util::stream::unfold(out_rx, |mut rx| async move { rx.recv().await.map(|piece| (piece, rx)) });
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/x-ndjson")], Body::from_stream(stream)).into_response()
}

/// The request body, as the batch's blocking reader sees it.
struct ChannelReader {
    rx: mpsc::Receiver<Result<Bytes, String>>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(piece)) => self.current = piece,
                Some(Err(e)) => return Err(std::io::Error::other(format!("reading the request body: {e}"))),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// The response body, as the batch's blocking writer sees it.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let piece = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(OUT_PIECE)));
        self.tx
            .blocking_send(Ok(piece))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client has gone"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= OUT_PIECE {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
