//! TLS and login against a real SMTP server on 127.0.0.1 (Python aiosmtpd,
//! tests/mail_support/smtp_server.py), with a throw-away certificate authority and a server
//! certificate for 127.0.0.1 and localhost made by the `openssl` command for each test.
//!
//! Sending goes through the `goalpost` command, as a teacher or a scheduled task runs it,
//! so the password comes from `GOALPOST_SMTP_PASSWORD` exactly as in real use. Every test
//! also searches everything the run left behind (the whole data folder with its database,
//! and everything the command printed) for the password, in the clear and as the base64
//! token AUTH PLAIN sends.

mod common;
mod mail_support;

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use goalpost::mail::{smtp, TransportConfig};
use mail_support::*;

const USER: &str = "room7";
/// Distinctive, so that a leak anywhere is found by a plain search.
const PASSWORD: &str = "Kowhai-pw-5391-zq";

/// A certificate authority and a server certificate it signed, for 127.0.0.1 and localhost.
struct Pki {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("these tests need the openssl command: apt-get install openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn pki() -> Pki {
    pki_for("IP:127.0.0.1,DNS:localhost")
}

/// The same, with the server certificate for `san` (openssl subjectAltName syntax).
fn pki_for(san: &str) -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/CN=Goalpost test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(d, &ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(d, &csr);
    std::fs::write(
        d.join("server.ext"),
        format!("subjectAltName={san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"),
    )
    .unwrap();
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "30",
            "-extfile",
            "server.ext",
        ],
    );
    Pki {
        ca: d.join("ca.pem"),
        cert: d.join("server.pem"),
        key: d.join("server.key"),
        _dir: dir,
    }
}

/// A server that requires a login. `tls`: "starttls", "implicit", or "none" (a server that
/// offers AUTH without STARTTLS). `log`: a file for every byte it received in the clear.
fn server(pki: &Pki, tls: &str, log: Option<&Path>) -> Server {
    let auth = format!("{USER}:{PASSWORD}");
    let mut args: Vec<OsString> = vec![
        "--tls".into(),
        tls.into(),
        "--cert".into(),
        pki.cert.clone().into(),
        "--key".into(),
        pki.key.clone().into(),
        "--auth".into(),
        auth.into(),
    ];
    if let Some(l) = log {
        args.push("--log-bytes".into());
        args.push(l.into());
    }
    let refs: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
    Server::start_with(Fault::default(), &refs)
}

/// What one `goalpost` command did.
struct Run {
    ok: bool,
    text: String,
}

/// Runs `goalpost --data-dir DIR ARGS`, with the password (if any) in the environment.
fn goalpost(dir: &Path, password: Option<&str>, env: &[(&str, &OsStr)], args: &[&str]) -> Run {
    let mut c = assert_cmd::Command::cargo_bin("goalpost").unwrap();
    c.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("GOALPOST_NOW", NOW)
        .env_remove("GOALPOST_DATA_DIR")
        .env_remove("GOALPOST_SMTP_PASSWORD")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    if let Some(p) = password {
        c.env("GOALPOST_SMTP_PASSWORD", p);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    Run {
        ok: out.status.success(),
        text: format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A demo class in a temp folder whose mail goes to `url`.
fn class(url: &str, ca_file: Option<&Path>) -> tempfile::TempDir {
    let (dir, gp) = demo(6);
    gp.set_setting("smtp.url", url).unwrap();
    gp.set_setting("smtp.timeout", "10").unwrap();
    if let Some(ca) = ca_file {
        gp.set_setting("smtp.ca_file", ca.to_str().unwrap())
            .unwrap();
    }
    dir
}

/// How many outbox rows are in each status (emails and digests only).
fn statuses(dir: &Path) -> HashMap<String, usize> {
    let gp = reopen(dir, NOW);
    let mut out = HashMap::new();
    for e in gp.mail_outbox(false).unwrap() {
        if e.delivery.channel == "paper" {
            continue;
        }
        *out.entry(e.delivery.status.as_str().to_string())
            .or_default() += 1;
    }
    out
}

fn queued_only(dir: &Path) -> usize {
    let s = statuses(dir);
    assert_eq!(
        s.keys().collect::<Vec<_>>(),
        ["queued"],
        "every email stays queued: {s:?}"
    );
    s["queued"]
}

/// The password must not be anywhere: not in the data folder (database, logs, outbox
/// files), not in anything the commands printed, not as the base64 AUTH PLAIN token.
fn assert_no_password(dir: &Path, printed: &[&Run]) {
    let b64 = base64::engine::general_purpose::STANDARD;
    let needles = [
        PASSWORD.as_bytes().to_vec(),
        b64.encode(format!("\0{USER}\0{PASSWORD}")).into_bytes(),
        b64.encode(PASSWORD).into_bytes(),
    ];
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    assert!(
        files.iter().any(|f| f.ends_with("goalpost.sqlite3")),
        "the database was searched"
    );
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for n in &needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n.as_slice()),
                "the password is in {}",
                f.display()
            );
        }
    }
    for r in printed {
        for n in &needles {
            assert!(
                !r.text.contains(std::str::from_utf8(n).unwrap()),
                "the password was printed: {}",
                r.text
            );
        }
    }
}

/// Every message the server took, checked, with its recipient; and the logins it saw.
fn delivered(server: &Server) -> usize {
    let got = server.received();
    let parsed = parse(&got.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>());
    for ((env, _), m) in got.iter().zip(&parsed) {
        check_shape(m);
        assert_eq!(env["rcpt_tos"][0], m["to"][0]);
    }
    got.len()
}

fn logins(server: &Server) -> Vec<serde_json::Value> {
    std::fs::read_to_string(server.dir.join("auth.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn starttls_with_a_login_delivers_every_message() {
    let pki = pki();
    let server = server(&pki, "starttls", None);
    let dir = class(
        &format!("smtp://{USER}@127.0.0.1:{}", server.port),
        Some(&pki.ca),
    );
    let due = queued_before_send(dir.path());

    let send = goalpost(dir.path(), Some(PASSWORD), &[], &["mail", "send"]);
    assert!(send.ok, "{}", send.text);
    assert_eq!(statuses(dir.path()), HashMap::from([("sent".into(), due)]));
    // The server requires STARTTLS before MAIL and a login before MAIL: everything it
    // took came over TLS from a logged-in client.
    assert_eq!(delivered(&server), due);
    let l = logins(&server);
    assert!(!l.is_empty() && l.iter().all(|a| a["ok"] == true && a["login"] == USER));

    let test = goalpost(
        dir.path(),
        Some(PASSWORD),
        &[],
        &["mail", "test", "teacher@kowhai.school.example"],
    );
    assert!(test.ok, "{}", test.text);
    assert!(
        test.text.contains("accepted a test message"),
        "{}",
        test.text
    );
    assert_eq!(server.received().len(), due + 1);
    assert_no_password(dir.path(), &[&send, &test]);
}

/// How many emails and digests the demo class has due (queued by `mail_queue`).
fn queued_before_send(dir: &Path) -> usize {
    let gp = reopen(dir, NOW);
    gp.mail_queue().unwrap();
    let n = queued_only(dir);
    assert!(n >= 4, "the demo class has mail due");
    n
}

/// `mail send` against a server it must refuse: it fails saying every one of `says`, logs
/// in nowhere, delivers nothing and leaves every email queued (`due` of them).
fn send_refused(dir: &Path, server: &Server, due: usize, says: &[&str]) -> Run {
    let send = goalpost(dir, Some(PASSWORD), &[], &["mail", "send"]);
    assert!(!send.ok, "{}", send.text);
    for s in says {
        assert!(send.text.contains(s), "should say {s:?}: {}", send.text);
    }
    assert!(logins(server).is_empty(), "no login to a refused server");
    assert_eq!(server.received().len(), 0);
    assert_eq!(queued_only(dir), due);
    send
}

#[test]
fn implicit_tls_smtps_delivers_every_message_trusting_ssl_cert_file() {
    let pki = pki();
    let server = server(&pki, "implicit", None);
    // No smtp.ca_file: the authority comes from SSL_CERT_FILE, which rustls-native-certs
    // reads instead of the system's store.
    let dir = class(&format!("smtps://{USER}@127.0.0.1:{}", server.port), None);
    let due = queued_before_send(dir.path());
    let send = goalpost(
        dir.path(),
        Some(PASSWORD),
        &[("SSL_CERT_FILE", pki.ca.as_os_str())],
        &["mail", "send"],
    );
    assert!(send.ok, "{}", send.text);
    assert!(send.text.contains("smtps://127.0.0.1"), "{}", send.text);
    assert_eq!(statuses(dir.path()), HashMap::from([("sent".into(), due)]));
    assert_eq!(delivered(&server), due);
    assert_no_password(dir.path(), &[&send]);
}

#[test]
fn a_wrong_password_stops_with_a_clear_message_and_loses_nothing() {
    let pki = pki();
    let server = server(&pki, "starttls", None);
    let dir = class(
        &format!("smtp://{USER}@127.0.0.1:{}", server.port),
        Some(&pki.ca),
    );
    let due = queued_before_send(dir.path());

    let wrong = goalpost(dir.path(), Some("not-the-password"), &[], &["mail", "send"]);
    assert!(!wrong.ok, "a refused login fails the command");
    assert!(
        wrong
            .text
            .contains("refused the user name or password for room7")
            && wrong.text.contains("goalpost mail password")
            && wrong.text.contains("GOALPOST_SMTP_PASSWORD")
            && wrong.text.contains("Nothing is lost"),
        "{}",
        wrong.text
    );
    assert!(!wrong.text.contains("not-the-password"), "{}", wrong.text);
    assert_eq!(queued_only(dir.path()), due, "every email is still queued");
    assert_eq!(server.received().len(), 0);
    assert!(logins(&server).iter().all(|a| a["ok"] == false));

    // Fixed: everything goes, at once (a settings problem does not make anything wait).
    let right = goalpost(dir.path(), Some(PASSWORD), &[], &["mail", "send"]);
    assert!(right.ok, "{}", right.text);
    assert_eq!(statuses(dir.path()), HashMap::from([("sent".into(), due)]));
    assert_eq!(delivered(&server), due);
    assert_no_password(dir.path(), &[&wrong, &right]);
}

#[test]
fn a_server_without_starttls_never_gets_the_password() {
    // A server on this computer that offers AUTH in the clear and no STARTTLS. The URL
    // names a user, so STARTTLS is required even on loopback.
    let pki = pki();
    let tmp = tempfile::tempdir().unwrap();
    let wire = tmp.path().join("clear.bytes");
    let server = server(&pki, "none", Some(&wire));
    let dir = class(
        &format!("smtp://{USER}@127.0.0.1:{}", server.port),
        Some(&pki.ca),
    );
    let due = queued_before_send(dir.path());

    let send = send_refused(
        dir.path(),
        &server,
        due,
        &["does not offer STARTTLS", "smtps://"],
    );
    let clear = String::from_utf8_lossy(&std::fs::read(&wire).unwrap()).to_uppercase();
    assert!(
        clear.contains("EHLO"),
        "the client did speak to it: {clear}"
    );
    assert!(
        !clear.contains("AUTH") && !clear.contains("MAIL FROM"),
        "nothing but EHLO went out in the clear: {clear}"
    );
    assert_no_password(dir.path(), &[&send]);
}

#[test]
fn an_untrusted_certificate_is_refused_with_the_fix_named() {
    let pki = pki();
    let server = server(&pki, "starttls", None);
    // No smtp.ca_file and no SSL_CERT_FILE: the test authority is unknown.
    let dir = class(&format!("smtp://{USER}@127.0.0.1:{}", server.port), None);
    let due = queued_before_send(dir.path());

    let send = send_refused(
        dir.path(),
        &server,
        due,
        &["cannot be trusted", "goalpost config set smtp.ca_file"],
    );

    // `mail test` says the same.
    let test = goalpost(
        dir.path(),
        Some(PASSWORD),
        &[],
        &["mail", "test", "teacher@kowhai.school.example"],
    );
    assert!(
        !test.ok && test.text.contains("smtp.ca_file"),
        "{}",
        test.text
    );

    // Trusting the school's authority fixes it; nothing was lost meanwhile.
    let set = goalpost(
        dir.path(),
        None,
        &[],
        &["config", "set", "smtp.ca_file", pki.ca.to_str().unwrap()],
    );
    assert!(set.ok, "{}", set.text);
    let again = goalpost(dir.path(), Some(PASSWORD), &[], &["mail", "send"]);
    assert!(again.ok, "{}", again.text);
    assert_eq!(delivered(&server), due);
    assert_no_password(dir.path(), &[&send, &test, &again]);
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    // A certificate from a trusted authority, but for another server's name.
    let pki = pki_for("DNS:mail.other-school.example");
    let server = server(&pki, "implicit", None);
    let dir = class(
        &format!("smtps://{USER}@127.0.0.1:{}", server.port),
        Some(&pki.ca),
    );
    let due = queued_before_send(dir.path());
    let send = send_refused(
        dir.path(),
        &server,
        due,
        &["certificate is for a different name", "smtp.url"],
    );
    assert_no_password(dir.path(), &[&send]);
}

#[test]
fn ca_file_setting_is_checked() {
    let (_dir, gp) = demo(1);
    let e = gp.set_setting("smtp.ca_file", "ca.pem").unwrap_err();
    assert!(e.to_string().contains("full path"), "{e}");
    let e = gp
        .set_setting("smtp.ca_file", "/nonexistent/goalpost/ca.pem")
        .unwrap_err();
    assert!(e.to_string().contains("could not be read"), "{e}");
    let not_pem = gp.data_dir().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let e = gp
        .set_setting("smtp.ca_file", not_pem.to_str().unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("BEGIN CERTIFICATE"), "{e}");
    assert_eq!(gp.setting("smtp.ca_file").unwrap(), None, "nothing stored");
}

#[test]
fn plain_smtp_only_to_this_computer_and_never_with_a_login() {
    let (_dir, gp) = demo(1);
    let security = |url: &str| {
        gp.set_setting("smtp.url", url).unwrap();
        match gp.mail_transport().unwrap().0 {
            TransportConfig::Smtp(c) => c.security,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(security("smtp://127.0.0.1:2525"), smtp::Security::Plain);
    assert_eq!(security("smtp://localhost:2525"), smtp::Security::Plain);
    assert_eq!(
        security("smtp://mail.school.example"),
        smtp::Security::StartTls
    );
    assert_eq!(
        security("smtp://192.0.2.10:25"),
        smtp::Security::StartTls,
        "an address on the network is not this computer"
    );
    assert_eq!(security("smtps://mail.school.example"), smtp::Security::Tls);
    // A plain connection to another computer cannot even be set up.
    let e = smtp::Client::new(smtp::Config {
        host: "mail.school.example".into(),
        port: 25,
        security: smtp::Security::Plain,
        user: None,
        password: None,
        timeout: std::time::Duration::from_secs(1),
        hello: "goalpost".into(),
        ca_file: None,
    })
    .err()
    .expect("refused");
    assert!(e.to_string().contains("unencrypted"), "{e}");
}
