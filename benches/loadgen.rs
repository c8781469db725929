//! A small closed-loop HTTP/1.1 load generator: N keep-alive connections, each sending one
//! pre-rendered GET at a time and timing it, for a set time or a set number of requests, so
//! the bench needs no external tool like wrk. Reads Content-Length and chunked answers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What to send and for how long.
#[derive(Clone, Debug)]
pub struct LoadSpec {
    /// Where the server listens.
    pub addr: SocketAddr,
    /// The raw request, head and (empty) body, sent as is on every round trip.
    pub request: Vec<u8>,
    /// Concurrent keep-alive connections.
    pub conns: usize,
    /// Time spent loading before anything is recorded (fills caches, grows buffers).
    pub warmup: Duration,
    /// Time spent recording (with a `budget`, the most it may take).
    pub duration: Duration,
    /// Requests left to send, shared by the connections (a soak); storing 0 stops the run early.
    pub budget: Option<Arc<AtomicU64>>,
}

/// The merged outcome of one load run.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Round-trip latency of every recorded request, microseconds, sorted ascending.
    pub latencies_us: Vec<u32>,
    /// Recorded requests answered with something other than 200.
    pub non_200: u64,
    /// The first non-200 status seen, to say what went wrong.
    pub first_bad_status: Option<u16>,
    /// Connection-level failures (connect, read, write, malformed answer).
    pub io_errors: u64,
    /// The first connection-level failure, for the report.
    pub first_io_error: Option<String>,
    /// Wall time from the end of the warm-up until the last connection stopped.
    pub elapsed: Duration,
}

impl LoadReport {
    /// Recorded requests per second (every answer, whatever its status).
    pub fn rps(&self) -> f64 {
        self.latencies_us.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q` quantile (0..=1) of the latency, milliseconds; 0 if nothing was recorded.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        // Nearest-rank: the smallest sample with at least q of the samples at or below it.
        let rank = ((q * self.latencies_us.len() as f64).ceil() as usize).clamp(1, self.latencies_us.len());
        f64::from(self.latencies_us[rank - 1]) / 1000.0
    }
}

/// Renders a keep-alive GET for `path` with `extra` header lines (each without CRLF).
pub fn render_get(addr: SocketAddr, path: &str, extra: &[String]) -> Vec<u8> {
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n");
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// Renders a keep-alive POST of `body` (a form) to `path` with `extra` header lines.
pub fn render_post_form(addr: SocketAddr, path: &str, extra: &[String], body: &str) -> Vec<u8> {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        body.len()
    );
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head.push_str(body);
    head.into_bytes()
}

/// Per-connection tallies, merged at the end so the hot loop touches nothing shared.
#[derive(Default)]
struct ConnStats {
    latencies_us: Vec<u32>,
    non_200: u64,
    first_bad_status: Option<u16>,
    io_errors: u64,
    first_io_error: Option<String>,
}

/// Runs the load on the current tokio runtime and returns the merged figures.
///
/// Every connection loops until the deadline; requests that start after the warm-up are
/// recorded. A watchdog stops the run if the server stops answering.
pub async fn run(spec: &LoadSpec) -> LoadReport {
    let start = Instant::now();
    let record_from = start + spec.warmup;
    let deadline = record_from + spec.duration;
    let mut handles = Vec::with_capacity(spec.conns);
    for _ in 0..spec.conns {
        let (addr, request) = (spec.addr, spec.request.clone());
        // Reserve roughly what a connection will record so the vector never reallocates
        // in the measured window on a fast server.
        let expected = match &spec.budget {
            Some(n) => n.load(Ordering::Relaxed) as usize / spec.conns + 1,
            None => (spec.duration.as_secs_f64() * 200_000.0 / spec.conns as f64) as usize,
        };
        let window = Window { record_from, deadline, budget: spec.budget.clone() };
        handles.push(tokio::spawn(connection(addr, request, window, expected)));
    }
    let mut report = LoadReport::default();
    // A server that hangs would hang the bench; give it a generous grace past the deadline.
    let watchdog = tokio::time::sleep_until((deadline + Duration::from_secs(10)).into());
    tokio::pin!(watchdog);
    for mut handle in handles {
        let joined = tokio::select! {
            joined = &mut handle => joined,
            _ = &mut watchdog => {
                handle.abort();
                report.io_errors += 1;
                report.first_io_error.get_or_insert_with(|| "a connection hung past the deadline; aborted".to_owned());
                continue;
            }
        };
        match joined {
            Ok(stats) => {
                report.latencies_us.extend_from_slice(&stats.latencies_us);
                report.non_200 += stats.non_200;
                report.io_errors += stats.io_errors;
                if report.first_bad_status.is_none() {
                    report.first_bad_status = stats.first_bad_status;
                }
                if report.first_io_error.is_none() {
                    report.first_io_error = stats.first_io_error;
                }
            }
            Err(e) => {
                report.io_errors += 1;
                report.first_io_error.get_or_insert_with(|| format!("connection task failed: {e}"));
            }
        }
    }
    report.elapsed = Instant::now().saturating_duration_since(record_from);
    report.latencies_us.sort_unstable();
    report
}

/// When a connection records and when it stops.
struct Window {
    record_from: Instant,
    deadline: Instant,
    /// Requests left to send across all connections, when the run is a set number of them.
    budget: Option<Arc<AtomicU64>>,
}

impl Window {
    /// Takes one request from the budget; false once it is spent.
    fn take(&self) -> bool {
        self.budget
            .as_ref()
            .is_none_or(|b| b.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok())
    }
}

/// One keep-alive connection's loop; reconnects after a failure so one bad answer does not
/// silence a connection for the rest of the run.
async fn connection(addr: SocketAddr, request: Vec<u8>, window: Window, expected: usize) -> ConnStats {
    let Window { record_from, deadline, .. } = window;
    let mut stats = ConnStats { latencies_us: Vec::with_capacity(expected), ..ConnStats::default() };
    let mut buf = BytesMut::with_capacity(8192);
    'connect: while Instant::now() < deadline {
        let mut stream = match TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(e) => {
                stats.fail(format!("connect {addr}: {e}"));
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // Small requests and answers: Nagle would add delayed-ACK stalls to every round trip.
        let _ = stream.set_nodelay(true);
        buf.clear();
        loop {
            let sent = Instant::now();
            if sent >= deadline || !window.take() {
                break 'connect;
            }
            let answer = round_trip(&mut stream, &request, &mut buf).await;
            let took = sent.elapsed();
            match answer {
                Ok(status) => {
                    if sent >= record_from {
                        stats.latencies_us.push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
                        if status != 200 {
                            stats.non_200 += 1;
                            stats.first_bad_status.get_or_insert(status);
                        }
                    }
                }
                Err(e) => {
                    stats.fail(e);
                    continue 'connect;
                }
            }
        }
    }
    stats
}

impl ConnStats {
    fn fail(&mut self, what: String) {
        self.io_errors += 1;
        self.first_io_error.get_or_insert(what);
    }
}

/// Connects, sends `request` once and returns the answer's status: a readiness probe.
pub async fn probe(addr: SocketAddr, request: &[u8]) -> Result<u16, String> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| format!("connect {addr}: {e}"))?;
    let _ = stream.set_nodelay(true);
    round_trip(&mut stream, request, &mut BytesMut::with_capacity(8192)).await
}

/// Sends `request` and reads one answer, returning its status. The answer carries a
/// Content-Length or is chunked (Java WireMock chunks its stub bodies).
async fn round_trip(stream: &mut TcpStream, request: &[u8], buf: &mut BytesMut) -> Result<u16, String> {
    stream.write_all(request).await.map_err(|e| format!("write: {e}"))?;
    let mut scanned = 0;
    let head_len = loop {
        // Only scan what arrived since the last look, backing up 3 bytes for a split CRLFCRLF.
        if let Some(at) = find(&buf[scanned..], b"\r\n\r\n") {
            break scanned + at + 4;
        }
        scanned = buf.len().saturating_sub(3);
        read_more(stream, buf).await?;
    };
    let (status, body) = parse_head(&buf[..head_len])?;
    let body_len = match body {
        Body::Length(n) => {
            while buf.len() < head_len + n {
                read_more(stream, buf).await?;
            }
            n
        }
        Body::Chunked => loop {
            if let Some(n) = chunked_len(&buf[head_len..])? {
                break n;
            }
            read_more(stream, buf).await?;
        },
    };
    buf.advance(head_len + body_len);
    Ok(status)
}

/// How an answer's body is framed.
enum Body {
    Length(usize),
    Chunked,
}

/// The length of a complete chunked body at the start of `buf`, or `None` if more must arrive.
fn chunked_len(buf: &[u8]) -> Result<Option<usize>, String> {
    let mut at = 0;
    loop {
        let Some(eol) = find(&buf[at..], b"\r\n") else { return Ok(None) };
        let line = std::str::from_utf8(&buf[at..at + eol]).map_err(|_| "a chunk size that is not UTF-8".to_owned())?;
        let hex = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(hex, 16).map_err(|_| format!("a malformed chunk size: {line:?}"))?;
        at += eol + 2;
        if size == 0 {
            // The last chunk: an empty line ends the trailers (usually there are none).
            let rest = &buf[at..];
            if rest.starts_with(b"\r\n") {
                return Ok(Some(at + 2));
            }
            return Ok(find(rest, b"\r\n\r\n").map(|t| at + t + 4));
        }
        if buf.len() < at + size + 2 {
            return Ok(None);
        }
        at += size + 2;
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut BytesMut) -> Result<(), String> {
    buf.reserve(4096);
    match stream.read_buf(buf).await {
        Ok(0) => Err("the server closed the connection".to_owned()),
        Ok(_) => Ok(()),
        Err(e) => Err(format!("read: {e}")),
    }
}

/// The status code and body framing of a response head.
fn parse_head(head: &[u8]) -> Result<(u16, Body), String> {
    let text = std::str::from_utf8(head).map_err(|_| "a response head that is not UTF-8".to_owned())?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| format!("a malformed status line: {status_line:?}"))?;
    let headers: Vec<(&str, &str)> = lines.filter_map(|line| line.split_once(':')).collect();
    let header = |name: &str| headers.iter().find(|(n, _)| n.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return Ok((status, Body::Chunked));
    }
    let length = header("content-length")
        .and_then(|value| value.parse::<usize>().ok())
        .ok_or_else(|| format!("an answer with neither Content-Length nor chunks (status {status})"))?;
    Ok((status, Body::Length(length)))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
