//! A raw TCP front before the fake platform: reads each request whole, asks the
//! platform for its fate, and either resets the connection (before or after the platform
//! processed the request) or passes the request on, with its fate in a header, and pipes
//! the answer back.
//!
//! The platform closes every connection after one answer, so each connection carries
//! exactly one request.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::flaky::{Fate, Platform, FATE_HEADER};

/// Stops accepting when dropped.
pub struct Front {
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Front {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Front {
    pub async fn start(upstream: SocketAddr, platform: Platform) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("front binds");
        let address = listener.local_addr().expect("front address");
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let platform = platform.clone();
                tokio::spawn(async move {
                    // A client that went away mid-request is no concern of the test.
                    let _ = relay(client, upstream, platform).await;
                });
            }
        });
        Self { address, task }
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

async fn relay(mut client: TcpStream, upstream: SocketAddr, platform: Platform) -> io::Result<()> {
    let request = read_request(&mut client).await?;
    let (method, path) = request_line(&request)?;
    let fate = platform.decide(&method, &path);
    if fate == Fate::ResetBefore {
        return reset(client);
    }
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&with_fate(&request, fate)).await?;
    if fate == Fate::ResetAfter {
        // Wait until the platform has processed the request and starts answering, then
        // drop the client unanswered.
        let mut first = [0u8; 1];
        let _ = server.read(&mut first).await?;
        return reset(client);
    }
    tokio::io::copy_bidirectional(&mut client, &mut server).await?;
    Ok(())
}

/// Closes with RST rather than FIN: what a crashed load balancer looks like.
fn reset(client: TcpStream) -> io::Result<()> {
    client.set_zero_linger()?;
    drop(client);
    Ok(())
}

/// The request head and its `Content-Length` body.
async fn read_request(client: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = find(&buf, b"\r\n\r\n") {
            break at + 4;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf)
}

fn request_line(request: &[u8]) -> io::Result<(String, String)> {
    let end = find(request, b"\r\n").ok_or(io::ErrorKind::InvalidData)?;
    let line = String::from_utf8_lossy(&request[..end]);
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some(method), Some(target)) => {
            let path = target.split('?').next().unwrap_or(target);
            Ok((method.to_string(), path.to_string()))
        }
        _ => Err(io::ErrorKind::InvalidData.into()),
    }
}

/// The request with the fate header after its request line.
fn with_fate(request: &[u8], fate: Fate) -> Vec<u8> {
    let at = find(request, b"\r\n").map_or(0, |i| i + 2);
    let mut out = Vec::with_capacity(request.len() + 32);
    out.extend_from_slice(&request[..at]);
    out.extend_from_slice(format!("{FATE_HEADER}: {}\r\n", fate.code()).as_bytes());
    out.extend_from_slice(&request[at..]);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
