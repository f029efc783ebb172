//! What the command line asks for: the app window, the CLI, or setting the teacher PIN;
//! and which running app a window launch belongs to (one per data folder).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sha2::{Digest, Sha256};

/// How the app window is opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowOptions {
    /// `--data-dir DIR`; else `GOALPOST_DATA_DIR`, else the per-user app data folder.
    pub data_dir: Option<PathBuf>,
    /// `--station`: open the class station at once (it needs a teacher PIN).
    pub station: bool,
    /// `--fullscreen` (with `--station`): the station as a kiosk, full screen without a
    /// window frame, closed only from the teacher's window.
    pub fullscreen: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// Open the app.
    Window(WindowOptions),
    /// `teacher-pin [--data-dir DIR]`: choose the teacher PIN, read from standard input.
    TeacherPin { data_dir: Option<PathBuf> },
    /// Anything else is the `goalpost` CLI (including `--help` and `--version`).
    Cli,
    /// Window options that do not go together: what to write instead.
    Usage(String),
}

/// Decides what to run. Only `--data-dir DIR`, `--data-dir=DIR`, `--station` and
/// `--fullscreen` open the window; every other argument goes to the CLI, which explains
/// mistakes.
pub fn parse_args(args: &[OsString]) -> Launch {
    let mut opts = WindowOptions::default();
    let mut pin = false;
    let mut rest = args.iter().skip(1);
    while let Some(a) = rest.next() {
        let s = a.to_string_lossy();
        if s == "--data-dir" {
            match rest.next() {
                Some(d) => opts.data_dir = Some(PathBuf::from(d)),
                None => return Launch::Cli,
            }
        } else if let Some(d) = s.strip_prefix("--data-dir=") {
            opts.data_dir = Some(PathBuf::from(OsStr::new(d)));
        } else if s == "--station" && !pin {
            opts.station = true;
        } else if s == "--fullscreen" && !pin {
            opts.fullscreen = true;
        } else if s == "teacher-pin" && !pin && !opts.station && !opts.fullscreen {
            pin = true;
        } else {
            return Launch::Cli;
        }
    }
    if pin {
        Launch::TeacherPin {
            data_dir: opts.data_dir,
        }
    } else if opts.fullscreen && !opts.station {
        Launch::Usage(
            "--fullscreen is for the class station: start it with --station --fullscreen".into(),
        )
    } else {
        Launch::Window(opts)
    }
}

/// The app's identifier for one data folder: `org.goalpost.app.k` and 16 hex digits of a
/// hash of the folder's full path. Tauri's single-instance plugin keys the running app by
/// the identifier (a D-Bus name on Linux, a named mutex on Windows, a socket on macOS), so
/// a second launch on the same folder, however it is spelled (relative, `..`, a symlink),
/// finds the app that holds it, and a launch on another folder is an app of its own.
/// Windows and macOS compare paths without case, as their file systems do.
pub fn instance_id(data_dir: &Path) -> String {
    let full = std::fs::canonicalize(data_dir)
        .or_else(|_| std::path::absolute(data_dir))
        .unwrap_or_else(|_| data_dir.to_path_buf());
    let bytes = full.as_os_str().as_encoded_bytes();
    let key = if cfg!(any(windows, target_os = "macos")) {
        bytes.to_ascii_lowercase()
    } else {
        bytes.to_vec()
    };
    let digest = Sha256::digest(&key);
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}.k{hex}", goalpost::APP_IDENTIFIER)
}

/// `goalpost-desktop teacher-pin`: sets the teacher PIN, typed without echo at a terminal,
/// else the first line of standard input. Whoever can run programs as this user on the PC may reset the PIN this way; that
/// is the way back in for a teacher who forgot it.
pub fn teacher_pin(data_dir: Option<PathBuf>) -> ExitCode {
    let result = goalpost::resolve_data_dir(data_dir)
        .and_then(goalpost::Goalpost::open)
        .and_then(|gp| {
            let pin = goalpost::terminal::read_secret(
                "Type the new teacher PIN (at least 4 characters; not shown) and press Enter: ",
                "read the PIN from",
            )?;
            gp.set_teacher_pin(&pin)
        });
    match result {
        Ok(()) => {
            eprintln!("The teacher PIN is set.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The exit code of `goalpost-desktop` when its window cannot open (WebView2 missing, no
/// display, the window refused): distinct from the CLI's 1 (an error) and 2 (a usage error).
pub const EXIT_NO_WINDOW: u8 = 3;

/// Why the window cannot open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoWindow {
    /// Windows without the Microsoft Edge WebView2 Runtime, which draws the window.
    #[cfg_attr(not(windows), allow(dead_code))]
    WebView2Missing,
    /// Making the window failed (the system's words, or a panic's, as detail).
    Failed(String),
}

/// The Microsoft page that offers the WebView2 Runtime (the Evergreen Bootstrapper).
pub const WEBVIEW2_URL: &str = "https://developer.microsoft.com/microsoft-edge/webview2/";

impl NoWindow {
    /// What the teacher reads: what happened, and the fix.
    pub fn message(&self) -> String {
        let fix = if cfg!(windows) {
            format!(
                "Install the Microsoft Edge WebView2 Runtime ({WEBVIEW2_URL}, \"Evergreen Bootstrapper\"), or run the Goalpost installer again, which installs it; on a managed school PC, ask IT to deploy the WebView2 Runtime"
            )
        } else {
            "Start Goalpost from a desktop session (it needs a display), and reinstall the Goalpost package if it still fails: the package brings the WebKitGTK libraries the window needs".to_string()
        };
        let what = match self {
            NoWindow::WebView2Missing => "Goalpost cannot open its window: this PC does not have the Microsoft Edge WebView2 Runtime, which Windows uses to show it.".to_string(),
            NoWindow::Failed(detail) => format!("Goalpost cannot open its window ({}).", detail.trim()),
        };
        format!(
            "{what}\n\n{fix}. Then start Goalpost again.\n\nYour class is safe, and the command line works without a window: `goalpost-desktop sync` still syncs."
        )
    }
}

/// Tells the teacher that the window cannot open and returns [`EXIT_NO_WINDOW`]: on standard
/// error always, and in a message box on Windows when a person is there to read it.
pub fn cannot_open(problem: &NoWindow) -> ExitCode {
    let text = problem.message();
    eprintln!("error: {text}");
    if platform::person_is_there() {
        platform::message_box("Goalpost", &text);
    }
    ExitCode::from(EXIT_NO_WINDOW)
}

/// Runs `open` (which makes the window and runs the app), turning a failure or a panic
/// while the window is being made into [`cannot_open`]: never a panic with a backtrace.
/// `open` calls the given function once the window is open; a panic after that is
/// reported in one line as an internal error.
pub fn guarded(open: impl FnOnce(&dyn Fn()) -> Result<(), String>) -> ExitCode {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    static OPENING: AtomicBool = AtomicBool::new(true);
    static PANIC: Mutex<Option<String>> = Mutex::new(None);
    std::panic::set_hook(Box::new(|info| {
        let what = match (
            info.payload().downcast_ref::<&str>(),
            info.payload().downcast_ref::<String>(),
        ) {
            (Some(s), _) => s.to_string(),
            (_, Some(s)) => s.clone(),
            _ => "an unexpected failure".to_string(),
        };
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if OPENING.load(Ordering::SeqCst) {
            if let Ok(mut p) = PANIC.lock() {
                *p = Some(readable(&what));
            }
        } else {
            eprintln!("error: Goalpost met an internal error ({what}{at}): please report it; your class is safe");
        }
    }));
    let opened = || OPENING.store(false, Ordering::SeqCst);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| open(&opened)));
    let detail = match outcome {
        Ok(Ok(())) => return ExitCode::SUCCESS,
        Ok(Err(e)) => e,
        Err(_) => PANIC
            .lock()
            .ok()
            .and_then(|mut p| p.take())
            .unwrap_or_else(|| "an unexpected failure".into()),
    };
    if OPENING.load(Ordering::SeqCst) {
        cannot_open(&NoWindow::Failed(detail))
    } else {
        ExitCode::FAILURE
    }
}

/// A panic's message as a teacher may read it: its first line, without the debug dump of
/// an error value that libraries append after ": " ("Failed to initialize gtk backend!:
/// BoolError { ... }" becomes "Failed to initialize gtk backend!").
fn readable(panic: &str) -> String {
    let line = panic.lines().next().unwrap_or("").trim();
    match line.split_once(": ") {
        Some((head, dump)) if dump.contains(['{', '(']) => head.to_string(),
        _ => line.to_string(),
    }
}

/// Code that only one operating system needs.
mod platform {
    /// Whether a person will see a message box: standard error goes nowhere (a window app
    /// started from the Start menu) or to a console window. Not when it goes to a file or a
    /// pipe (a script, a scheduled task's log, a test), where the message is read there.
    #[cfg(windows)]
    pub fn person_is_there() -> bool {
        match winapi_util::file::typ(winapi_util::HandleRef::stderr()) {
            Ok(t) => !(t.is_disk() || t.is_pipe()),
            Err(_) => true,
        }
    }

    #[cfg(not(windows))]
    pub fn person_is_there() -> bool {
        false
    }

    /// A native message box with an error icon and an OK button; returns when it is closed.
    #[cfg(windows)]
    pub fn message_box(title: &str, text: &str) {
        use std::ffi::OsStr;
        use std::os::windows::ffi::OsStrExt;
        const MB_ICONERROR: u32 = 0x10;
        const MB_SETFOREGROUND: u32 = 0x1_0000;
        #[link(name = "user32")]
        extern "system" {
            fn MessageBoxW(
                hwnd: *mut std::ffi::c_void,
                text: *const u16,
                caption: *const u16,
                flags: u32,
            ) -> i32;
        }
        let wide = |s: &str| -> Vec<u16> { OsStr::new(s).encode_wide().chain([0]).collect() };
        let (text, title) = (wide(text), wide(title));
        // SAFETY: both strings are NUL-terminated UTF-16 that outlive the call; no owner
        // window. A failure (no desktop) only means no box: the text went to stderr too.
        unsafe {
            MessageBoxW(
                std::ptr::null_mut(),
                text.as_ptr(),
                title.as_ptr(),
                MB_ICONERROR | MB_SETFOREGROUND,
            );
        }
    }

    #[cfg(not(windows))]
    pub fn message_box(_title: &str, _text: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Launch {
        let mut v: Vec<OsString> = vec!["goalpost-desktop".into()];
        v.extend(args.iter().map(OsString::from));
        parse_args(&v)
    }

    #[test]
    fn no_arguments_or_only_a_data_dir_open_the_window() {
        assert_eq!(parse(&[]), Launch::Window(WindowOptions::default()));
        let w = |d: &str, station| {
            Launch::Window(WindowOptions {
                data_dir: Some(d.into()),
                station,
                fullscreen: false,
            })
        };
        assert_eq!(parse(&["--data-dir", "/tmp/c"]), w("/tmp/c", false));
        assert_eq!(parse(&["--data-dir=/tmp/c"]), w("/tmp/c", false));
        assert_eq!(
            parse(&["--station", "--data-dir", "/tmp/c"]),
            w("/tmp/c", true)
        );
    }

    #[test]
    fn subcommands_and_help_go_to_the_cli() {
        assert_eq!(parse(&["sync"]), Launch::Cli);
        assert_eq!(
            parse(&["--data-dir", "/tmp/c", "student", "list"]),
            Launch::Cli
        );
        assert_eq!(parse(&["--help"]), Launch::Cli);
        assert_eq!(parse(&["--version"]), Launch::Cli);
        assert_eq!(
            parse(&["--data-dir"]),
            Launch::Cli,
            "clap explains the missing value"
        );
    }

    /// Issue 13: the kiosk flag is a window option, never handed to the CLI, and makes
    /// sense only for the station.
    #[test]
    fn fullscreen_goes_with_the_station() {
        assert_eq!(
            parse(&["--station", "--fullscreen", "--data-dir", "/tmp/c"]),
            Launch::Window(WindowOptions {
                data_dir: Some("/tmp/c".into()),
                station: true,
                fullscreen: true,
            })
        );
        assert_eq!(
            parse(&["--fullscreen", "--station"]),
            Launch::Window(WindowOptions {
                data_dir: None,
                station: true,
                fullscreen: true,
            })
        );
        match parse(&["--fullscreen"]) {
            Launch::Usage(m) => assert!(m.contains("--station --fullscreen"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse(&["--fullscreen", "sync"]), Launch::Cli);
        assert_eq!(parse(&["teacher-pin", "--fullscreen"]), Launch::Cli);
    }

    /// Issue 13: one app per data folder, whichever way the folder is written; another
    /// folder is another app. The identifier is a valid D-Bus name element.
    #[test]
    fn one_instance_key_per_data_folder() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("room7");
        let b = d.path().join("room8");
        std::fs::create_dir_all(a.join("sub")).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let id = instance_id(&a);
        assert_eq!(instance_id(&a.join("sub").join("..")), id);
        assert_eq!(instance_id(&a.join(".")), id);
        assert_ne!(instance_id(&b), id);
        assert_ne!(
            instance_id(&d.path().join("not-made-yet")),
            id,
            "a folder not made yet has a key too"
        );
        #[cfg(unix)]
        {
            let link = d.path().join("link");
            std::os::unix::fs::symlink(&a, &link).unwrap();
            assert_eq!(instance_id(&link), id);
        }
        let last = id.rsplit('.').next().unwrap();
        assert!(
            id.starts_with("org.goalpost.app.k") && last.len() == 17,
            "{id}"
        );
        assert!(last.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
    }

    #[test]
    fn teacher_pin_is_the_desktops_own_subcommand() {
        assert_eq!(
            parse(&["teacher-pin", "--data-dir", "/tmp/c"]),
            Launch::TeacherPin {
                data_dir: Some("/tmp/c".into())
            }
        );
        assert_eq!(parse(&["teacher-pin", "extra"]), Launch::Cli);
    }

    #[test]
    fn a_panics_debug_dump_is_left_out() {
        assert_eq!(
            readable("Failed to initialize gtk backend!: BoolError { message: \"Failed\" }"),
            "Failed to initialize gtk backend!"
        );
        assert_eq!(
            readable("no display: try again\nmore"),
            "no display: try again"
        );
    }

    #[test]
    fn the_no_window_message_names_the_fix() {
        let m = NoWindow::WebView2Missing.message();
        assert!(m.contains("WebView2 Runtime"), "{m}");
        let m = NoWindow::Failed("Failed to initialize gtk backend!".into()).message();
        assert!(m.contains("(Failed to initialize gtk backend!)"), "{m}");
        assert!(m.contains("goalpost-desktop sync"), "{m}");
        if cfg!(windows) {
            assert!(m.contains(WEBVIEW2_URL) && m.contains("installer"), "{m}");
        } else {
            assert!(m.contains("display") && m.contains("WebKitGTK"), "{m}");
        }
    }
}
