//! FakePeer: a real HTTP/1.1 server on loopback standing in for a remote
//! instance we cannot run here. It answers from a table of canned responses
//! and records every request it receives.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
pub struct Canned {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// How a route's answer departs from the plain canned one.
#[derive(Clone, Default)]
struct Extra {
    headers: Vec<(String, String)>,
    delay: Option<Duration>,
    /// No Content-Length: the body ends when the connection closes.
    close_delimited: bool,
}

type Routes<T> = Arc<Mutex<HashMap<String, T>>>;

pub struct FakePeer {
    pub addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    routes: Routes<Canned>,
    extras: Routes<Extra>,
    stop: Arc<AtomicBool>,
}

impl FakePeer {
    pub fn start() -> FakePeer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake peer");
        let addr = listener.local_addr().expect("addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let routes: Routes<Canned> = Arc::new(Mutex::new(HashMap::new()));
        let extras: Routes<Extra> = Arc::new(Mutex::new(HashMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, t, x, s) = (requests.clone(), routes.clone(), extras.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (r, t, x) = (r.clone(), t.clone(), x.clone());
                        std::thread::spawn(move || serve(stream, &r, &t, &x));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FakePeer { addr, requests, routes, extras, stop }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answers `path` with this status, content type and body from now on.
    pub fn respond(&self, path: &str, status: u16, content_type: &str, body: &[u8]) {
        self.routes.lock().expect("routes").insert(
            path.to_string(),
            Canned { status, content_type: content_type.into(), body: body.to_vec() },
        );
    }

    /// Answers `path` like `respond`, with these extra response headers.
    pub fn respond_with_headers(
        &self,
        path: &str,
        status: u16,
        content_type: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) {
        self.respond(path, status, content_type, body);
        let headers = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.with_extra(path, |e| e.headers = headers);
    }

    /// Answers `path` with a redirect (`status` 301, 302, 307…) to `location`.
    pub fn redirect(&self, path: &str, status: u16, location: &str) {
        self.respond_with_headers(path, status, "text/plain", b"", &[("location", location)]);
    }

    /// Answers `path` like `respond`, without a Content-Length: the body
    /// ends when the connection closes, so its size is known only by reading.
    pub fn respond_close_delimited(&self, path: &str, status: u16, content_type: &str, body: &[u8]) {
        self.respond(path, status, content_type, body);
        self.with_extra(path, |e| e.close_delimited = true);
    }

    /// Waits this long before answering `path` (a slow or stuck peer).
    pub fn delay(&self, path: &str, delay: Duration) {
        self.with_extra(path, |e| e.delay = Some(delay));
    }

    fn with_extra(&self, path: &str, change: impl FnOnce(&mut Extra)) {
        change(self.extras.lock().expect("extras").entry(path.to_string()).or_default());
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("requests").clone()
    }
}

impl Drop for FakePeer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(
    stream: TcpStream,
    requests: &Mutex<Vec<Recorded>>,
    routes: &Mutex<HashMap<String, Canned>>,
    extras: &Mutex<HashMap<String, Extra>>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length.min(8 * 1024 * 1024)];
    let _ = reader.read_exact(&mut body);
    // An exact route first, then the same path whatever its query string.
    let canned = {
        let routes = routes.lock().expect("routes");
        routes.get(&path).or_else(|| routes.get(path.split('?').next().unwrap_or_default())).cloned()
    };
    let extra = {
        let extras = extras.lock().expect("extras");
        extras.get(&path).or_else(|| extras.get(path.split('?').next().unwrap_or_default())).cloned()
    }
    .unwrap_or_default();
    requests.lock().expect("requests").push(Recorded { method, path, headers, body });
    let canned = canned.unwrap_or(Canned {
        status: 404,
        content_type: "text/plain".into(),
        body: b"not found".to_vec(),
    });
    if let Some(delay) = extra.delay {
        std::thread::sleep(delay);
    }
    let mut stream = reader.into_inner();
    let mut head = format!("HTTP/1.1 {} X\r\ncontent-type: {}\r\n", canned.status, canned.content_type);
    if !extra.close_delimited {
        head.push_str(&format!("content-length: {}\r\n", canned.body.len()));
    }
    for (name, value) in &extra.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("connection: close\r\n\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&canned.body);
}
