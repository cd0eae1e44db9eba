//! `rulehost serve` under load, over loopback, with the release binary:
//!
//! 1. `POST /v1/evaluate` on keep-alive connections, back to back: on one
//!    connection (a lone request's latency), then on 32 (the maximum
//!    rate), with p50/p99;
//! 2. the same at half that rate, paced (open loop, latency from the
//!    scheduled send time): p50/p99;
//! 3. overload at 4x the maximum rate, paced, on more connections than the
//!    service admits, from an event-driven generator (one thread for all
//!    connections, against its own back-to-back figures): how much gets
//!    503, how fast, the p99 of the rest, and the server's RSS before and
//!    after;
//! 4. `/v1/batch` against file-to-file `rulehost batch` on the same
//!    households, three times each, alternating, as ratios. The client
//!    streams the records as they come and compares them with the file's.
//!
//! `cargo bench -p rulehost --bench serve [-- SECONDS] [batch]` (not in
//! CI; `batch`: only phase 4). The load generator shares the machine's
//! cores with the service.

#[path = "../../tests/src/lib.rs"]
#[expect(dead_code, reason = "the shared harness has helpers this benchmark does not use")]
mod harness;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One keep-alive connection.
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
        stream.set_nodelay(true).ok();
        stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
        let writer = stream.try_clone().unwrap_or_else(|e| panic!("{e}"));
        Conn { reader: BufReader::with_capacity(256 << 10, stream), writer }
    }

    /// One `POST path`; the status, with the body read and dropped.
    fn post(&mut self, path: &str, body: &[u8]) -> std::io::Result<u16> {
        self.writer.write_all(&request(path, body))?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line.trim_end().is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(status)
    }
}

/// A keep-alive `POST path` with `body`, head and body in one buffer.
fn request(path: &str, body: &[u8]) -> Vec<u8> {
    let head = format!("POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {}\r\n\r\n", body.len());
    let mut request = Vec::with_capacity(head.len() + body.len());
    request.extend_from_slice(head.as_bytes());
    request.extend_from_slice(body);
    request
}

/// Latencies and statuses of one phase: `ok` and `refused` from each
/// request's scheduled time when paced (so a late generator counts against
/// the service), `ok_sent` and `refused_sent` from the moment it was sent
/// (the service's own time, which is what overload should not stretch when
/// the generator, on the same two cores, cannot keep to its schedule).
#[derive(Default)]
struct Phase {
    ok: Vec<Duration>,
    refused: Vec<Duration>,
    ok_sent: Vec<Duration>,
    refused_sent: Vec<Duration>,
    failed: usize,
    seconds: f64,
}

impl Phase {
    fn rate(&self) -> f64 {
        (self.ok.len() + self.refused.len()) as f64 / self.seconds
    }

    /// One answer (its status, if any) of a request scheduled at `from`
    /// and sent at `sent`; false when it failed.
    fn answered(&mut self, status: Option<u16>, from: Instant, sent: Instant) -> bool {
        match status {
            Some(200) => {
                self.ok.push(from.elapsed());
                self.ok_sent.push(sent.elapsed());
            }
            Some(503) => {
                self.refused.push(from.elapsed());
                self.refused_sent.push(sent.elapsed());
            }
            _ => {
                self.failed += 1;
                return false;
            }
        }
        true
    }

    fn add(&mut self, other: Phase) {
        self.ok.extend(other.ok);
        self.refused.extend(other.refused);
        self.ok_sent.extend(other.ok_sent);
        self.refused_sent.extend(other.refused_sent);
        self.failed += other.failed;
    }

    /// Sorted, with the time since `started`.
    fn finish(mut self, started: Instant) -> Phase {
        self.seconds = started.elapsed().as_secs_f64();
        self.ok.sort();
        self.refused.sort();
        self.ok_sent.sort();
        self.refused_sent.sort();
        self
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// `connections` threads for `seconds`; with `rate`, requests are paced
/// (open loop) and latency runs from each request's scheduled time.
///
/// Paced, the generator's threads run at a higher priority (nice -10, when
/// allowed) and start 300 ms after the call, once reniced and connected: a
/// client on another machine is not delayed by the service's work, so a
/// send scheduled while both cores are busy should not be late either.
fn drive(addr: SocketAddr, bodies: &Arc<Vec<Vec<u8>>>, connections: usize, seconds: f64, rate: Option<f64>) -> Phase {
    let started = Instant::now() + Duration::from_millis(if rate.is_some() { 300 } else { 0 });
    let until = started + Duration::from_secs_f64(seconds);
    let threads: Vec<_> = (0..connections)
        .map(|c| {
            let bodies = Arc::clone(bodies);
            std::thread::spawn(move || {
                if rate.is_some() {
                    raise_priority();
                }
                let mut conn = Conn::open(addr);
                let mut phase = Phase::default();
                let interval = rate.map(|r| Duration::from_secs_f64(connections as f64 / r));
                let mut next = started + interval.map_or(Duration::ZERO, |i| i.mul_f64(c as f64 / connections as f64));
                let mut i = c * 7919;
                // Bounded in time and in count.
                while Instant::now() < until && phase.ok.len() + phase.refused.len() < 5_000_000 {
                    if interval.is_some()
                        && let Some(wait) = next.checked_duration_since(Instant::now())
                    {
                        std::thread::sleep(wait);
                    }
                    let sent = Instant::now();
                    let from = if interval.is_some() { next } else { sent };
                    i += 1;
                    let status = conn.post("/v1/evaluate", &bodies[i % bodies.len()]).ok();
                    if !phase.answered(status, from, sent) {
                        conn = Conn::open(addr);
                    }
                    if let Some(interval) = interval {
                        next += interval;
                    }
                }
                phase
            })
        })
        .collect();
    let mut all = Phase::default();
    for t in threads {
        all.add(t.join().unwrap_or_default());
    }
    all.finish(started)
}

/// Renices the calling thread to -10 (Linux: a thread's own nice value);
/// quietly leaves it as it is where that is not allowed.
fn raise_priority() {
    let Ok(link) = std::fs::read_link("/proc/thread-self") else { return };
    let Some(tid) = link.file_name().and_then(|t| t.to_str()).map(str::to_owned) else { return };
    let _ = Command::new("renice").args(["-n", "-10", "-p", &tid]).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

/// One keep-alive connection of the event-driven generator: one thread
/// for all connections, so that 128 of them do not need 128 threads
/// competing with the service for the two cores.
struct AsyncConn {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
    filled: usize,
}

impl AsyncConn {
    async fn open(addr: SocketAddr) -> std::io::Result<AsyncConn> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(AsyncConn { stream, buf: vec![0; 64 << 10], filled: 0 })
    }

    async fn write_all(&self, mut data: &[u8]) -> std::io::Result<()> {
        while !data.is_empty() {
            self.stream.writable().await?;
            match self.stream.try_write(data) {
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads what has arrived (at least one byte) after `filled`.
    async fn fill(&mut self) -> std::io::Result<()> {
        if self.buf.len() - self.filled < 4096 {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            self.stream.readable().await?;
            match self.stream.try_read(&mut self.buf[self.filled..]) {
                Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    self.filled += n;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// One `POST path`; the status, with the body read and dropped.
    async fn post(&mut self, path: &str, body: &[u8]) -> std::io::Result<u16> {
        self.write_all(&request(path, body)).await?;
        let end = loop {
            if let Some(i) = memchr::memmem::find(&self.buf[..self.filled], b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let length: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        while self.filled < end + length {
            self.fill().await?;
        }
        self.buf.copy_within(end + length..self.filled, 0);
        self.filled -= end + length;
        Ok(status)
    }
}

/// [`drive`] with the event-driven generator: `connections` connections
/// on one thread.
fn drive_async(
    addr: SocketAddr,
    bodies: &Arc<Vec<Vec<u8>>>,
    connections: usize,
    seconds: f64,
    rate: Option<f64>,
) -> Phase {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let all = runtime.block_on(async {
        let tasks: Vec<_> = (0..connections)
            .map(|c| {
                let bodies = Arc::clone(bodies);
                tokio::spawn(async move {
                    let mut phase = Phase::default();
                    let Ok(mut conn) = AsyncConn::open(addr).await else {
                        phase.failed += 1;
                        return phase;
                    };
                    let interval = rate.map(|r| Duration::from_secs_f64(connections as f64 / r));
                    let mut next =
                        started + interval.map_or(Duration::ZERO, |i| i.mul_f64(c as f64 / connections as f64));
                    let mut i = c * 7919;
                    // Bounded in time and in count.
                    while Instant::now() < until && phase.ok.len() + phase.refused.len() < 5_000_000 {
                        if interval.is_some() {
                            tokio::time::sleep_until(next.into()).await;
                        }
                        let sent = Instant::now();
                        let from = if interval.is_some() { next } else { sent };
                        i += 1;
                        let answer = tokio::time::timeout(
                            Duration::from_secs(30),
                            conn.post("/v1/evaluate", &bodies[i % bodies.len()]),
                        )
                        .await;
                        if !phase.answered(answer.ok().and_then(Result::ok), from, sent) {
                            match AsyncConn::open(addr).await {
                                Ok(c) => conn = c,
                                Err(_) => return phase,
                            }
                        }
                        if let Some(interval) = interval {
                            next += interval;
                        }
                    }
                    phase
                })
            })
            .collect();
        let mut all = Phase::default();
        for t in tasks {
            all.add(t.await.unwrap_or_default());
        }
        all
    });
    all.finish(started)
}

/// The service's own latency histogram of `/v1/evaluate` (from `/metrics`):
/// cumulative counts by upper bound in seconds.
fn server_histogram(addr: SocketAddr) -> Vec<(f64, u64)> {
    let Ok(mut s) = TcpStream::connect(addr) else { return Vec::new() };
    let _ = s.write_all(b"GET /metrics HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    let prefix = "rulehost_http_request_duration_seconds_bucket{route=\"/v1/evaluate\",le=\"";
    text.lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .filter_map(|l| l.split_once("\"} "))
        .filter_map(|(le, n)| Some((le.parse().ok()?, n.trim().parse().ok()?)))
        .collect()
}

/// What share of the requests between two histograms the service answered
/// within 1, 2.5, 5 and 10 ms, by its own clock.
fn server_share(before: &[(f64, u64)], after: &[(f64, u64)]) -> String {
    // The bounds parse from the same decimal text as these literals.
    let count = |h: &[(f64, u64)], bound: f64| h.iter().find(|(le, _)| *le == bound).map_or(0, |b| b.1);
    let total = count(after, f64::INFINITY).saturating_sub(count(before, f64::INFINITY)).max(1);
    [0.001, 0.0025, 0.005, 0.01]
        .iter()
        .map(|&b| {
            let n = count(after, b).saturating_sub(count(before, b));
            format!("{:.2}% within {} ms", 100.0 * n as f64 / total as f64, b * 1000.0)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

fn start(registry: &Path, cache: &Path, args: &[&str]) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rulehost"))
        .args(["serve", "--registry"])
        .arg(registry)
        .args(["--listen", "127.0.0.1:0", "--cache-dir"])
        .arg(cache)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let line = BufReader::new(stdout).lines().next().and_then(Result::ok).unwrap_or_default();
    let addr: SocketAddr =
        line.trim_start_matches("listening on http://").parse().unwrap_or_else(|e| panic!("{e}: {line}"));
    let started = Instant::now();
    while !ready(addr) {
        assert!(started.elapsed() < Duration::from_secs(120), "not ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, addr)
}

fn ready(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else { return false };
    let _ = s.write_all(b"GET /readyz HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.starts_with("HTTP/1.1 200")
}

fn report(name: &str, p: &Phase) {
    println!(
        "{name}: {:.0} requests/s ({} ok, {} 503, {} failed) · ok p50 {:.2} ms, p99 {:.2} ms · 503 p99 {:.2} ms",
        p.rate(),
        p.ok.len(),
        p.refused.len(),
        p.failed,
        percentile(&p.ok, 0.5),
        percentile(&p.ok, 0.99),
        percentile(&p.refused, 0.99)
    );
    println!(
        "    from the send: ok p50 {:.2} ms, p99 {:.2} ms · 503 p50 {:.2} ms, p99 {:.2} ms",
        percentile(&p.ok_sent, 0.5),
        percentile(&p.ok_sent, 0.99),
        percentile(&p.refused_sent, 0.5),
        percentile(&p.refused_sent, 0.99)
    );
}

fn main() {
    let seconds: f64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10.0);
    let only_batch = std::env::args().any(|a| a == "batch");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = harness::write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let cache = dir.path().join("cache");
    let sample = harness::sample(20_000, 2024);
    let bodies: Arc<Vec<Vec<u8>>> =
        Arc::new(sample.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect());

    if !only_batch {
        evaluate_phases(&registry, &cache, &bodies, seconds);
    }
    batch_phase(dir.path(), &registry, &cache);
}

/// `/v1/evaluate`: back to back, paced at half that rate, with the access
/// log, and overloaded.
fn evaluate_phases(registry: &Path, cache: &Path, bodies: &Arc<Vec<Vec<u8>>>, seconds: f64) {
    let (mut child, addr) = start(registry, cache, &["--no-access-log"]);
    drive(addr, bodies, 16, 2.0, None); // warm-up
    let one = drive(addr, bodies, 1, seconds, None);
    report("evaluate, one keep-alive connection back to back (one request at a time)", &one);
    let max = drive(addr, bodies, 32, seconds, None);
    report("evaluate, keep-alive, 32 connections back to back", &max);
    let before = server_histogram(addr);
    let half = drive(addr, bodies, 32, seconds, Some(max.rate() / 2.0));
    report(&format!("evaluate at half that rate ({:.0}/s, paced)", max.rate() / 2.0), &half);
    println!("    by the service's clock: {}", server_share(&before, &server_histogram(addr)));
    let _ = child.kill();
    let _ = child.wait();

    let (mut child, addr) = start(registry, cache, &[]);
    let logged = drive(addr, bodies, 32, seconds, None);
    report("evaluate with the access log on", &logged);
    let _ = child.kill();
    let _ = child.wait();

    // Overload: more connections than the service admits at once, from
    // the event-driven generator, against its own back-to-back figures.
    let (mut child, addr) = start(registry, cache, &["--no-access-log", "--max-pending", "64"]);
    drive_async(addr, bodies, 16, 2.0, None);
    let base = drive_async(addr, bodies, 32, seconds, None);
    report("evaluate, event-driven generator, 32 connections back to back", &base);
    let before = rss_mib(child.id());
    let over = drive_async(addr, bodies, 128, seconds, Some(max.rate() * 4.0));
    let after = rss_mib(child.id());
    report(&format!("overload at 4x ({:.0}/s scheduled, 128 connections, max-pending 64)", max.rate() * 4.0), &over);
    println!(
        "overload: the generator sent {:.0}/s ({:.1}x the maximum rate); {:.0}% got 503",
        over.rate(),
        over.rate() / max.rate(),
        100.0 * over.refused.len() as f64 / (over.ok.len() + over.refused.len()).max(1) as f64
    );
    println!("overload: server RSS {before:.0} MiB before, {after:.0} MiB after");

    let _ = child.kill();
    let _ = child.wait();
}

/// `/v1/batch` against file-to-file batch, 200,000 households, three
/// times each, alternating.
fn batch_phase(dir: &Path, registry: &Path, cache: &Path) {
    let (mut child, addr) = start(registry, cache, &["--no-access-log"]);
    let input = dir.join("households.jsonl");
    let households = Arc::new(harness::sample(200_000, 7));
    std::fs::write(&input, &*households).unwrap_or_else(|e| panic!("{e}"));
    let output = dir.join("results.jsonl");
    for round in 1..=3 {
        let t = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_rulehost"))
            .args(["batch", "-q", "--registry"])
            .arg(registry)
            .arg("--input")
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .arg("--cache-dir")
            .arg(cache)
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(status.success());
        let file_rate = 200_000.0 / t.elapsed().as_secs_f64();
        let expected = std::fs::read(&output).unwrap_or_else(|e| panic!("{e}"));
        let t = Instant::now();
        let same = post_batch(addr, &households, &expected);
        let http_rate = 200_000.0 / t.elapsed().as_secs_f64();
        println!(
            "batch {round}, 200,000 households: file to file {file_rate:.0}/s (incl. start-up), /v1/batch {http_rate:.0}/s: {:.2}x; records identical: {same}",
            http_rate / file_rate
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Streams `households` to `/v1/batch` on one connection while reading the
/// chunked response, as a client that writes records on as they come
/// would: each piece is compared with the next bytes of `expected` and
/// dropped. Whether the whole response equals `expected`.
fn post_batch(addr: SocketAddr, households: &Arc<Vec<u8>>, expected: &[u8]) -> bool {
    let mut conn = Conn::open(addr);
    let mut writer = conn.writer.try_clone().unwrap_or_else(|e| panic!("{e}"));
    let body = Arc::clone(households);
    let sending = std::thread::spawn(move || {
        let head = format!("POST /v1/batch HTTP/1.1\r\nHost: b\r\nContent-Length: {}\r\n\r\n", body.len());
        let _ = writer.write_all(head.as_bytes());
        let _ = writer.write_all(&body);
    });
    let mut line = String::new();
    loop {
        line.clear();
        if conn.reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim_end().is_empty() {
            break;
        }
    }
    // Chunked: sizes and pieces until the empty chunk.
    let (mut at, mut same) = (0usize, true);
    let mut piece = Vec::new();
    loop {
        line.clear();
        conn.reader.read_line(&mut line).unwrap_or(0);
        let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        piece.resize(size, 0);
        conn.reader.read_exact(&mut piece).unwrap_or_else(|e| panic!("{e}"));
        same &= expected.get(at..at + size) == Some(&piece[..]);
        at += size;
        line.clear();
        conn.reader.read_line(&mut line).unwrap_or(0);
    }
    let _ = sending.join();
    same && at == expected.len()
}
