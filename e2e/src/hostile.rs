//! A target that misbehaves at the TCP level, as real broken servers and middleboxes do, on
//! 127.0.0.1 in a thread of its own. It reads one request and, by its path:
//!
//! - `/reset`: resets the connection (SO_LINGER 0, then close) before answering a byte;
//! - `/reset-mid-body`: sends a status line, a `Content-Length` of 100,000 and 1,000 bytes of
//!   body, then resets;
//! - `/huge-headers`: answers 200 with a 250,000-byte header;
//! - anything else: `200 OK`, empty.
//!
//! [`HostileTarget::start_silent`] instead accepts connections and never reads a byte.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// See the module documentation.
pub struct HostileTarget {
    pub port: u16,
}

impl HostileTarget {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || serve(stream));
            }
        });
        Self { port }
    }

    /// A listener that accepts connections and never reads from them (nor answers).
    pub fn start_silent() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                held.push(stream);
            }
        });
        Self { port }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn serve(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(reader_stream) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader_stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // The rest of the request head.
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split(' ').nth(1).unwrap_or("/");
    match path {
        "/reset" => reset(stream),
        "/reset-mid-body" => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
            let _ = stream.write_all(&[b'x'; 1000]);
            let _ = stream.flush();
            // Let the client read what was sent before the reset discards it.
            std::thread::sleep(Duration::from_millis(100));
            reset(stream);
        }
        "/huge-headers" => {
            // One header longer than any client buffers.
            let head = format!(
                "HTTP/1.1 200 OK\r\nX-Filler: {}\r\nContent-Length: 0\r\n\r\n",
                "y".repeat(250_000)
            );
            let _ = stream.write_all(head.as_bytes());
        }
        _ => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
    }
}

/// Closes with a TCP reset: SO_LINGER 0 discards the send queue and sends RST.
fn reset(stream: TcpStream) {
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}
