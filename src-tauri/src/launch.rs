//! What the command line asks for: the app window, the CLI, or setting the teacher PIN.

use std::ffi::{OsStr, OsString};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

/// How the app window is opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowOptions {
    /// `--data-dir DIR`; else `GOALPOST_DATA_DIR`, else the per-user app data folder.
    pub data_dir: Option<PathBuf>,
    /// `--station`: open the class station at once (it needs a teacher PIN).
    pub station: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// Open the app.
    Window(WindowOptions),
    /// `teacher-pin [--data-dir DIR]`: choose the teacher PIN, read from standard input.
    TeacherPin { data_dir: Option<PathBuf> },
    /// Anything else is the `goalpost` CLI (including `--help` and `--version`).
    Cli,
}

/// Decides what to run. Only `--data-dir DIR`, `--data-dir=DIR` and `--station` open the
/// window; every other argument goes to the CLI, which explains mistakes.
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
        } else if s == "teacher-pin" && !pin && !opts.station {
            pin = true;
        } else {
            return Launch::Cli;
        }
    }
    if pin {
        Launch::TeacherPin {
            data_dir: opts.data_dir,
        }
    } else {
        Launch::Window(opts)
    }
}

/// `goalpost-desktop teacher-pin`: sets the teacher PIN from the first line of standard
/// input. Whoever can run programs as this user on the PC may reset the PIN this way; that
/// is the way back in for a teacher who forgot it.
pub fn teacher_pin(data_dir: Option<PathBuf>) -> ExitCode {
    let result = goalpost::resolve_data_dir(data_dir)
        .and_then(goalpost::Goalpost::open)
        .and_then(|gp| {
            eprintln!("Type the new teacher PIN (at least 4 characters) and press Enter:");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| goalpost::Error::io("read the PIN from", "standard input", e))?;
            gp.set_teacher_pin(line.trim_end_matches(['\r', '\n']))
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
}
