//! A small SMTP client: one connection we own, kept open across messages.
//!
//! Why not lettre's `SmtpTransport`? We measured it (issue 5): a reused lettre connection
//! stalled about 40 ms on one message in ten, because it never sets `TCP_NODELAY` and
//! writes the message and the final `.` in two writes (Nagle meets delayed ACK); its pool
//! does not notice a connection the server closed (lettre issue 743); and it waits for a
//! reply to every command. `SmtpConnection` does not expose its socket, so none of this can
//! be fixed from outside. The protocol part we need is small, so we speak it here:
//!
//! - `TCP_NODELAY` on every connection, and each message (dot-stuffed, with its final
//!   `.`) goes out in one write;
//! - `MAIL`, `RCPT` and `DATA` in one write when the server advertises PIPELINING (RFC 2920);
//! - before reusing a connection we peek at the socket: a connection the server closed (or
//!   on which it sent an unsolicited 421) is dropped and a new one opened, and a message
//!   that failed on a stale connection before any of it was sent is tried once on a fresh
//!   one;
//! - TLS through rustls (ring provider, Mozilla's roots plus the system's, plus the
//!   certificates of `smtp.ca_file` for a school that runs its own certificate authority):
//!   STARTTLS on `smtp://` (required unless the server is on a loopback address and no
//!   login is configured) or TLS from the first byte on `smtps://`;
//! - the password is only ever sent over TLS: a server that does not offer STARTTLS when
//!   we need it is refused before AUTH, not logged in to in the clear.
//!
//! Every failure is classified for the outbox: [`Failure::Transient`] (try later: 4xx,
//! refused or dropped connection before the message was sent, timeouts before it),
//! [`Failure::Permanent`] (5xx: the server refused this message or address),
//! [`Failure::Unknown`] (the whole message was written but no reply came: it may have been
//! delivered, so it is retried with the same Message-ID) and [`Failure::Config`] (the
//! server refused our login or sender: no message will get through until a person fixes
//! the settings). Message bytes are never logged.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;

use crate::model::FailureKind;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No TLS: only allowed to a loopback address.
    Plain,
    /// Plain connect, then STARTTLS before anything else.
    StartTls,
    /// TLS from the first byte (`smtps://`, usually port 465).
    Tls,
}

/// Where and how to connect.
#[derive(Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
    pub password: Option<String>,
    /// For connecting and for each reply.
    pub timeout: Duration,
    /// The name we give in EHLO.
    pub hello: String,
    /// A PEM file of certificate authorities to trust besides the built-in and system ones
    /// (`smtp.ca_file`).
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for Config {
    // Never prints the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("timeout", &self.timeout)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// Why a message was not accepted, classified for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Nothing was delivered; try again later.
    Transient(String),
    /// The server refused this message for good. `address` is true when it refused the
    /// recipient (or, with one recipient, the message after DATA).
    Permanent { message: String, address: bool },
    /// The message was written in full but no verdict came back: it may have arrived.
    Unknown(String),
    /// A setting is wrong (login, sender, TLS): no message can be sent until it is fixed.
    Config(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Failure::Transient(m) | Failure::Unknown(m) | Failure::Config(m) => m,
            Failure::Permanent { message, .. } => message,
        }
    }

    pub fn kind(&self) -> FailureKind {
        match self {
            Failure::Transient(_) => FailureKind::Transient,
            Failure::Permanent { .. } => FailureKind::Permanent,
            Failure::Unknown(_) => FailureKind::Unknown,
            Failure::Config(_) => FailureKind::Config,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

/// One reply: its code and its text lines joined by spaces.
#[derive(Debug, Clone)]
struct Reply {
    code: u16,
    text: String,
}

impl Reply {
    fn positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    fn show(&self) -> String {
        format!("{} {}", self.code, self.text)
    }
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }

    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// What the server said it can do in its EHLO reply.
#[derive(Debug, Default, Clone)]
struct Caps {
    pipelining: bool,
    eight_bit: bool,
    starttls: bool,
    size: Option<usize>,
    auth: Vec<String>,
}

struct Conn {
    stream: Stream,
    buf: Vec<u8>,
    pos: usize,
    caps: Caps,
}

/// Limits on what we read, so a broken server cannot make us allocate without end.
const MAX_REPLY_BYTES: usize = 64 * 1024;

impl Conn {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    fn read_line(&mut self) -> io::Result<String> {
        loop {
            if let Some(i) = self.buf[self.pos..].iter().position(|b| *b == b'\n') {
                let line = String::from_utf8_lossy(&self.buf[self.pos..self.pos + i]);
                let line = line.trim_end_matches('\r').to_string();
                self.pos += i + 1;
                if self.pos == self.buf.len() {
                    self.buf.clear();
                    self.pos = 0;
                }
                return Ok(line);
            }
            if self.buf.len() - self.pos > MAX_REPLY_BYTES {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the server sent a reply line longer than 64 KB",
                ));
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn read_reply(&mut self) -> io::Result<Reply> {
        let mut text = Vec::new();
        let mut total = 0;
        loop {
            let line = self.read_line()?;
            total += line.len();
            if total > MAX_REPLY_BYTES {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the server's reply is larger than 64 KB",
                ));
            }
            let bytes = line.as_bytes();
            if bytes.len() < 3 || !bytes[..3].iter().all(u8::is_ascii_digit) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the server sent something that is not an SMTP reply: {line:?}"),
                ));
            }
            let code: u16 = line[..3].parse().unwrap_or(0);
            let more = bytes.get(3) == Some(&b'-');
            text.push(line.get(4..).unwrap_or("").trim().to_string());
            if !more {
                return Ok(Reply {
                    code,
                    text: text.join(" "),
                });
            }
        }
    }

    fn command(&mut self, line: &str) -> io::Result<Reply> {
        self.write_all(format!("{line}\r\n").as_bytes())?;
        self.read_reply()
    }

    /// True when the server has closed the connection or sent something unasked (such as
    /// a 421 before closing an idle connection): either way it cannot be reused.
    fn is_stale(&self) -> bool {
        if self.pos < self.buf.len() {
            return true;
        }
        let tcp = self.stream.tcp();
        if tcp.set_nonblocking(true).is_err() {
            return true;
        }
        let mut b = [0u8; 1];
        let stale = match tcp.peek(&mut b) {
            Ok(_) => true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
            Err(_) => true,
        };
        tcp.set_nonblocking(false).is_err() || stale
    }
}

/// A client that keeps one connection open across messages and reopens it when needed.
pub struct Client {
    cfg: Config,
    conn: Option<Conn>,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// How many connections were opened (for tests and the benchmark).
    pub connections: usize,
}

fn io_text(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => "no reply in time".to_string(),
        _ => e.to_string(),
    }
}

pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    h.parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Reads the certificates of a PEM file (`smtp.ca_file`). Errors name the file and the fix.
pub fn read_ca_file(
    path: &std::path::Path,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "smtp.ca_file {} could not be read ({e}): give the full path of the school's certificate authority file (PEM), or unset smtp.ca_file",
            path.display()
        )
    })?;
    let certs = rustls::pki_types::CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            format!(
                "smtp.ca_file {} is not a PEM certificate file ({e:?}): it should hold lines like -----BEGIN CERTIFICATE-----",
                path.display()
            )
        })?;
    if certs.is_empty() {
        return Err(format!(
            "smtp.ca_file {} holds no certificate: it should hold lines like -----BEGIN CERTIFICATE-----",
            path.display()
        ));
    }
    Ok(certs)
}

fn tls_config(ca_file: Option<&std::path::Path>) -> Result<Arc<rustls::ClientConfig>, Failure> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // The system's certificates too: a school may run its own certificate authority.
    // (rustls-native-certs reads SSL_CERT_FILE / SSL_CERT_DIR instead when they are set.)
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = ca_file {
        for cert in read_ca_file(path).map_err(Failure::Config)? {
            roots.add(cert).map_err(|e| {
                Failure::Config(format!(
                    "smtp.ca_file {}: a certificate in it cannot be used as an authority ({e}): give the certificate authority's certificate, not the server's key",
                    path.display()
                ))
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::Config(format!("TLS could not be set up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

/// Explains a failed TLS handshake in words that name the fix.
fn handshake_failure(where_: &str, e: &io::Error) -> Failure {
    let tls = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match tls {
        Some(rustls::Error::InvalidCertificate(c)) => {
            use rustls::CertificateError as C;
            let why = match c {
                C::UnknownIssuer | C::BadSignature => format!(
                    "its certificate is not signed by an authority this computer trusts ({c:?}). If the school runs its own certificate authority, save its certificate (PEM) and `goalpost config set smtp.ca_file /full/path/ca.pem` (or set SSL_CERT_FILE); otherwise ask the school's IT for the server's proper name"
                ),
                C::NotValidForName | C::NotValidForNameContext { .. } => "its certificate is for a different name: put the name the certificate is for in smtp.url (ask the school's IT which one)".to_string(),
                C::Expired | C::ExpiredContext { .. } => "its certificate has expired: ask the school's IT to renew it (and check this computer's clock)".to_string(),
                C::NotValidYet | C::NotValidYetContext { .. } => "its certificate is not valid yet: check this computer's date and time".to_string(),
                C::Revoked => "its certificate was revoked: ask the school's IT".to_string(),
                other => format!("its certificate was refused ({other:?}): ask the school's IT, or set smtp.ca_file if the school runs its own certificate authority"),
            };
            Failure::Config(format!(
                "the mail server {where_} cannot be trusted: {why}. Nothing was sent"
            ))
        }
        Some(other) => Failure::Config(format!(
            "the TLS handshake with {where_} failed: {other}. Check the server name and port (587 for smtp://, 465 for smtps://)"
        )),
        None => {
            let msg = format!(
                "the TLS handshake with {where_} failed: {}. Check the server name and port (587 for smtp://, 465 for smtps://)",
                io_text(e)
            );
            if e.kind() == io::ErrorKind::InvalidData {
                Failure::Config(msg)
            } else {
                Failure::Transient(msg)
            }
        }
    }
}

fn dot_stuff(message: &[u8]) -> Vec<u8> {
    // One buffer holding the whole DATA payload and its final ".", so it goes out in one
    // write. Lines starting with "." get another "." (RFC 5321 4.5.2).
    // Copied a line at a time (not a byte at a time): a 300 KB message is ~4,000 lines.
    let mut out = Vec::with_capacity(message.len() + message.len() / 512 + 8);
    for line in message.split_inclusive(|b| *b == b'\n') {
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(line);
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Whether an address can go into MAIL FROM / RCPT TO as it is.
fn check_address(a: &str) -> Result<(), Failure> {
    if a.is_empty()
        || a.len() > 254
        || !a.contains('@')
        || a.chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>')
    {
        return Err(Failure::Permanent {
            message: format!("{a:?} is not an email address that can be sent to"),
            address: true,
        });
    }
    Ok(())
}

impl Client {
    pub fn new(cfg: Config) -> Result<Client, Failure> {
        if cfg.security == Security::Plain && !is_loopback(&cfg.host) {
            return Err(Failure::Config(format!(
                "plain SMTP to {} would send passwords and children's data unencrypted: use smtp:// (STARTTLS) or smtps:// (TLS); plain is only for a server on this computer (127.0.0.1)",
                cfg.host
            )));
        }
        let tls = match cfg.security {
            Security::Plain => None,
            _ => Some(tls_config(cfg.ca_file.as_deref())?),
        };
        Ok(Client {
            cfg,
            conn: None,
            tls,
            connections: 0,
        })
    }

    fn where_(&self) -> String {
        format!("{}:{}", self.cfg.host, self.cfg.port)
    }

    fn connect(&mut self) -> Result<Conn, Failure> {
        let addrs: Vec<SocketAddr> = (self.cfg.host.as_str(), self.cfg.port)
            .to_socket_addrs()
            .map_err(|e| {
                Failure::Transient(format!(
                    "the mail server {} could not be found: {e}",
                    self.where_()
                ))
            })?
            .collect();
        let mut last = None;
        let mut tcp = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, self.cfg.timeout) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let tcp = tcp.ok_or_else(|| {
            Failure::Transient(format!(
                "could not connect to the mail server {}: {}",
                self.where_(),
                last.map(|e| io_text(&e))
                    .unwrap_or_else(|| "it has no address".into())
            ))
        })?;
        let setup = |e: io::Error| Failure::Transient(format!("connection setup failed: {e}"));
        tcp.set_nodelay(true).map_err(setup)?;
        tcp.set_read_timeout(Some(self.cfg.timeout))
            .map_err(setup)?;
        tcp.set_write_timeout(Some(self.cfg.timeout))
            .map_err(setup)?;
        self.connections += 1;
        let stream = match self.cfg.security {
            Security::Tls => Stream::Tls(Box::new(self.wrap_tls(tcp)?)),
            _ => Stream::Plain(tcp),
        };
        let mut conn = Conn {
            stream,
            buf: Vec::new(),
            pos: 0,
            caps: Caps::default(),
        };
        let t = |e: io::Error, what: &str| {
            Failure::Transient(format!(
                "the mail server {} {what}: {}",
                self.where_(),
                io_text(&e)
            ))
        };
        let greeting = conn.read_reply().map_err(|e| t(e, "did not greet us"))?;
        if greeting.code != 220 {
            return Err(Failure::Transient(format!(
                "the mail server {} is not accepting mail now: {}",
                self.where_(),
                greeting.show()
            )));
        }
        self.ehlo(&mut conn)?;
        if self.cfg.security == Security::StartTls {
            // STARTTLS was asked for (every smtp:// server not on this computer, and one on
            // this computer when we log in): without it we stop here, before the password.
            if !conn.caps.starttls {
                let _ = conn.stream.tcp().shutdown(Shutdown::Both);
                return Err(Failure::Config(format!(
                    "the mail server {} does not offer STARTTLS, so Goalpost did not log in or send anything (the password and children's data are never sent unencrypted): use smtps:// if the server takes TLS on port 465, or ask the school's IT for the right address",
                    self.where_()
                )));
            } else {
                let r = conn
                    .command("STARTTLS")
                    .map_err(|e| t(e, "failed during STARTTLS"))?;
                if r.code != 220 {
                    return Err(Failure::Config(format!(
                        "the mail server {} refused STARTTLS: {}",
                        self.where_(),
                        r.show()
                    )));
                }
                let Stream::Plain(tcp) = conn.stream else {
                    return Err(Failure::Config("STARTTLS on a TLS connection".into()));
                };
                conn = Conn {
                    stream: Stream::Tls(Box::new(self.wrap_tls(tcp)?)),
                    buf: Vec::new(),
                    pos: 0,
                    caps: Caps::default(),
                };
                self.ehlo(&mut conn)?;
            }
        }
        if let Some(user) = self.cfg.user.clone() {
            self.auth(&mut conn, &user)?;
        }
        Ok(conn)
    }

    fn wrap_tls(
        &self,
        tcp: TcpStream,
    ) -> Result<rustls::StreamOwned<rustls::ClientConnection, TcpStream>, Failure> {
        let cfg = self
            .tls
            .clone()
            .ok_or_else(|| Failure::Config("TLS was not set up".into()))?;
        let name = rustls::pki_types::ServerName::try_from(self.cfg.host.clone()).map_err(|e| {
            Failure::Config(format!(
                "{:?} is not a valid server name for TLS: {e}",
                self.cfg.host
            ))
        })?;
        let mut c = rustls::ClientConnection::new(cfg, name)
            .map_err(|e| Failure::Config(format!("TLS could not start: {e}")))?;
        let mut tcp = tcp;
        while c.is_handshaking() {
            c.complete_io(&mut tcp)
                .map_err(|e| handshake_failure(&self.where_(), &e))?;
        }
        Ok(rustls::StreamOwned::new(c, tcp))
    }

    fn ehlo(&self, conn: &mut Conn) -> Result<(), Failure> {
        let r = conn
            .command(&format!("EHLO {}", self.cfg.hello))
            .map_err(|e| Failure::Transient(format!("EHLO failed: {}", io_text(&e))))?;
        if r.code != 250 {
            return Err(Failure::Transient(format!(
                "the mail server refused EHLO: {}",
                r.show()
            )));
        }
        let mut caps = Caps::default();
        // The reply's lines were joined by spaces; keywords are upper case by convention
        // but compared without case.
        let text = r.text.to_ascii_uppercase();
        let words: Vec<&str> = text.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            match *w {
                "PIPELINING" => caps.pipelining = true,
                "8BITMIME" => caps.eight_bit = true,
                "STARTTLS" => caps.starttls = true,
                "SIZE" => caps.size = words.get(i + 1).and_then(|n| n.parse().ok()),
                "AUTH" => {
                    caps.auth = words[i + 1..]
                        .iter()
                        .take_while(|m| ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"].contains(m))
                        .map(|m| m.to_string())
                        .collect()
                }
                _ => {}
            }
        }
        conn.caps = caps;
        Ok(())
    }

    fn auth(&self, conn: &mut Conn, user: &str) -> Result<(), Failure> {
        if !conn.stream.is_tls() {
            // Only reachable with a loopback server and plain SMTP: still never in the clear.
            return Err(Failure::Config(format!(
                "the mail server {} would get the password for {user} unencrypted: use smtps://, or a server that offers STARTTLS",
                self.where_()
            )));
        }
        let Some(password) = self.cfg.password.as_deref() else {
            return Err(Failure::Config(format!(
                "the mail server address names the user {user} but no password was found: store it with `goalpost mail password` or set GOALPOST_SMTP_PASSWORD"
            )));
        };
        let b64 = base64::engine::general_purpose::STANDARD;
        let io = |e: io::Error| Failure::Transient(format!("login failed: {}", io_text(&e)));
        let r = if conn.caps.auth.iter().any(|m| m == "PLAIN") || conn.caps.auth.is_empty() {
            let token = b64.encode(format!("\0{user}\0{password}"));
            conn.command(&format!("AUTH PLAIN {token}")).map_err(io)?
        } else if conn.caps.auth.iter().any(|m| m == "LOGIN") {
            let r = conn.command("AUTH LOGIN").map_err(io)?;
            if r.code != 334 {
                r
            } else {
                let r = conn.command(&b64.encode(user)).map_err(io)?;
                if r.code != 334 {
                    r
                } else {
                    conn.command(&b64.encode(password)).map_err(io)?
                }
            }
        } else {
            return Err(Failure::Config(format!(
                "the mail server offers only login methods Goalpost does not speak ({}): ask the school's IT for a server that takes PLAIN or LOGIN over TLS",
                conn.caps.auth.join(", ")
            )));
        };
        match r.code {
            235 => Ok(()),
            400..=499 => Err(Failure::Transient(format!(
                "the mail server could not log in now: {}",
                r.show()
            ))),
            _ => Err(Failure::Config(format!(
                "the mail server refused the user name or password for {user}: {}. Store the right password with `goalpost mail password` or GOALPOST_SMTP_PASSWORD",
                r.show()
            ))),
        }
    }

    /// Sends one message to one recipient. `Ok` only after the server's 2xx to the data.
    pub fn send(&mut self, from: &str, to: &str, message: &[u8]) -> Result<(), Failure> {
        check_address(from).map_err(|_| {
            Failure::Config(format!(
                "the sender address {from:?} is not valid: fix smtp.from"
            ))
        })?;
        check_address(to)?;
        // A connection kept from the last message may have been closed by the server.
        let reused = match self.conn.take() {
            Some(c) if !c.is_stale() => Some(c),
            Some(c) => {
                let _ = c.stream.tcp().shutdown(Shutdown::Both);
                None
            }
            None => None,
        };
        let was_reused = reused.is_some();
        let conn = match reused {
            Some(c) => c,
            None => self.connect()?,
        };
        match self.transaction(conn, from, to, message) {
            // The server went away between our check and our first command: nothing of the
            // message was sent, so one try on a fresh connection is safe.
            Err((Stage::Broken, _)) if was_reused => {
                let conn = self.connect()?;
                self.transaction(conn, from, to, message)
                    .map_err(|(_, f)| f)
            }
            other => other.map_err(|(_, f)| f),
        }
    }

    fn transaction(
        &mut self,
        mut conn: Conn,
        from: &str,
        to: &str,
        message: &[u8],
    ) -> Result<(), (Stage, Failure)> {
        let env = |f| (Stage::Envelope, f);
        let mut mail = format!("MAIL FROM:<{from}>");
        if !message.is_ascii() {
            if !conn.caps.eight_bit {
                return Err(env(Failure::Permanent {
                    message: "the message is not 7-bit and the server does not take 8BITMIME"
                        .into(),
                    address: false,
                }));
            }
            mail.push_str(" BODY=8BITMIME");
        }
        if let Some(max) = conn.caps.size {
            if max > 0 && message.len() > max {
                return Err(env(Failure::Permanent {
                    message: format!(
                        "the message is {} KB and the server takes at most {} KB",
                        message.len() / 1024,
                        max / 1024
                    ),
                    address: false,
                }));
            }
            mail.push_str(&format!(" SIZE={}", message.len()));
        }
        let rcpt = format!("RCPT TO:<{to}>");
        let io_env = |e: io::Error| {
            (
                Stage::Broken,
                Failure::Transient(format!(
                    "the connection to the mail server failed before the message was sent: {}",
                    io_text(&e)
                )),
            )
        };
        let (m, r, d) = if conn.caps.pipelining {
            conn.write_all(format!("{mail}\r\n{rcpt}\r\nDATA\r\n").as_bytes())
                .map_err(io_env)?;
            let m = conn.read_reply().map_err(io_env)?;
            let r = conn.read_reply().map_err(io_env)?;
            let d = conn.read_reply().map_err(io_env)?;
            (m, Some(r), Some(d))
        } else {
            let m = conn.command(&mail).map_err(io_env)?;
            if !m.positive() {
                (m, None, None)
            } else {
                let r = conn.command(&rcpt).map_err(io_env)?;
                if !r.positive() {
                    (m, Some(r), None)
                } else {
                    let d = conn.command("DATA").map_err(io_env)?;
                    (m, Some(r), Some(d))
                }
            }
        };
        let refused = |reply: &Reply, what: &str, address: bool| {
            let text = format!("the mail server refused {what}: {}", reply.show());
            if reply.code >= 500 {
                Failure::Permanent {
                    message: text,
                    address,
                }
            } else {
                Failure::Transient(text)
            }
        };
        let failure = if !m.positive() {
            Some(if m.code >= 500 {
                Failure::Config(format!(
                    "the mail server refused the sender {from}: {}. Check smtp.from",
                    m.show()
                ))
            } else {
                refused(&m, "the sender for now", false)
            })
        } else if let Some(r) = r.as_ref().filter(|r| !r.positive()) {
            Some(refused(r, &format!("the address {to}"), true))
        } else {
            d.as_ref()
                .filter(|d| d.code != 354)
                .map(|d| refused(d, "to take the message", false))
        };
        if let Some(f) = failure {
            if d.as_ref().is_some_and(|d| d.code == 354) {
                // The server wants data although the envelope failed: never send it; drop
                // the connection instead.
                let _ = conn.stream.tcp().shutdown(Shutdown::Both);
            } else if conn.command("RSET").is_ok_and(|r| r.positive()) {
                self.conn = Some(conn);
            }
            return Err((Stage::Envelope, f));
        }
        // From here on, once the write completes, the server may have the message.
        if let Err(e) = conn.write_all(&dot_stuff(message)) {
            return Err((
                Stage::Data,
                Failure::Transient(format!(
                    "the connection dropped while sending the message: {}",
                    io_text(&e)
                )),
            ));
        }
        match conn.read_reply() {
            Ok(r) if (200..300).contains(&r.code) => {
                self.conn = Some(conn);
                Ok(())
            }
            Ok(r) => {
                let f = if r.code >= 500 {
                    Failure::Permanent {
                        message: format!("the mail server refused the message: {}", r.show()),
                        address: true,
                    }
                } else {
                    Failure::Transient(format!(
                        "the mail server did not take the message for now: {}",
                        r.show()
                    ))
                };
                if r.code != 421 {
                    self.conn = Some(conn);
                }
                Err((Stage::Data, f))
            }
            Err(e) => Err((
                Stage::Data,
                Failure::Unknown(format!(
                    "the message was sent but the mail server's answer never came ({}): it will be sent again with the same Message-ID",
                    io_text(&e)
                )),
            )),
        }
    }

    /// Whether a connection is open (false after the server could not be reached or
    /// dropped the connection).
    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// Closes the connection politely.
    pub fn quit(&mut self) {
        if let Some(mut c) = self.conn.take() {
            let _ = c.command("QUIT");
            let _ = c.stream.tcp().shutdown(Shutdown::Both);
        }
    }

    /// Opens a connection (and logs in) without sending anything: for `mail test`.
    pub fn check(&mut self) -> Result<(), Failure> {
        if self.conn.is_none() {
            let c = self.connect()?;
            self.conn = Some(c);
        }
        Ok(())
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.quit();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// The connection failed before any of the message was sent.
    Broken,
    /// The server answered the envelope (MAIL, RCPT, DATA) with a refusal.
    Envelope,
    Data,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_stuffing_and_final_dot() {
        assert_eq!(dot_stuff(b"a\r\n.b\r\n"), b"a\r\n..b\r\n.\r\n");
        assert_eq!(dot_stuff(b".x"), b"..x\r\n.\r\n");
        assert_eq!(dot_stuff(b"a.\r\n\r\n..\r\n"), b"a.\r\n\r\n...\r\n.\r\n");
        assert_eq!(dot_stuff(b""), b"\r\n.\r\n");
    }

    #[test]
    fn loopback_only_for_plain() {
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("localhost"));
        assert!(is_loopback("[::1]"));
        assert!(!is_loopback("mail.school.example"));
        let cfg = Config {
            host: "mail.school.example".into(),
            port: 25,
            security: Security::Plain,
            user: None,
            password: None,
            timeout: Duration::from_secs(1),
            hello: "goalpost".into(),
            ca_file: None,
        };
        assert!(matches!(Client::new(cfg), Err(Failure::Config(_))));
    }

    #[test]
    fn addresses_with_line_breaks_are_refused() {
        assert!(check_address("a@b.example").is_ok());
        assert!(check_address("a@b.example>\r\nRCPT TO:<c@d.example").is_err());
    }
}
