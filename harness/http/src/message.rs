use std::net::SocketAddr;

/// A request as the handler sees it: fully read, owned, no async types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `POST`, `GET`, … as sent.
    pub method: String,
    /// Path with query string, e.g. `/gsma/rsp2/es9plus/initiateAuthentication`.
    pub path: String,
    /// Header names lower-case (HTTP/1 names are case-insensitive), values decoded lossily as
    /// UTF-8, in arrival order, repeated names kept.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// DER certificates the client presented (leaf first) when mutual TLS is on; empty otherwise.
    pub peer_certificates: Vec<Vec<u8>>,
    pub peer_addr: SocketAddr,
}

impl HttpRequest {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A response: status, headers, body. The adapter adds `content-length` (and `date`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// Names as given; for a received response, lower-case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Close the connection without answering (fault injection: a dropped connection). Only
    /// the server adapter looks at it.
    pub abort: bool,
}

impl HttpResponse {
    /// A response with a status and body and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
            abort: false,
        }
    }

    /// No response at all: the server closes the connection.
    pub fn abort_connection() -> HttpResponse {
        HttpResponse {
            abort: true,
            ..HttpResponse::new(0, Vec::new())
        }
    }

    /// `status` with `Content-Type: application/json;charset=UTF-8` (what SM-DP+s send).
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse::new(status, body)
            .with_header("content-type", "application/json;charset=UTF-8")
    }

    /// `204 No Content`, empty body (HandleNotification, ES2+ HandleDownloadProgressInfo).
    pub fn no_content() -> HttpResponse {
        HttpResponse::new(204, Vec::new())
    }

    /// `status` with a `text/plain` body, for adapter-level errors.
    pub fn text(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, body.as_bytes().to_vec())
            .with_header("content-type", "text/plain;charset=UTF-8")
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: &str, value: &str) -> HttpResponse {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
