//! The `goalpost` command line: one thin function per subcommand over the core.
//!
//! The desktop binary runs the same commands (`goalpost-desktop sync`), so a school installs
//! one program. Errors are printed as one readable line (plus the bad rows of a roster) and
//! give a non-zero exit; nothing is half-done, because every core operation is one transaction.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use serde::Serialize;

use crate::error::Result;
use crate::{Clock, Goalpost};

mod args;
mod class;
mod learning;
mod mail;
mod notes;
mod output;
mod portfolio;
mod sync;

pub use args::*;
use class::*;
use learning::*;
use mail::*;
use portfolio::*;
use sync::*;

/// Runs the CLI with the process's arguments.
pub fn main() -> ExitCode {
    run_from(std::env::args_os())
}

/// Runs the CLI with the given arguments (the first is the program name).
pub fn run_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                let _ = writeln!(
                    std::io::stderr(),
                    "{}",
                    serde_json::to_string(&crate::error::ErrorReport::from(&e)).unwrap_or_default()
                );
            } else {
                let _ = writeln!(std::io::stderr(), "error: {e}");
            }
            exit_code(&e)
        }
    }
}

/// The exit code for an error: [`EXIT_TEMPFAIL`](crate::error::EXIT_TEMPFAIL) (75) when
/// something else holds the class and the command can simply be run again later, else 1.
pub fn exit_code(e: &crate::Error) -> ExitCode {
    match e.kind() {
        crate::ErrorKind::Busy => ExitCode::from(crate::error::EXIT_TEMPFAIL),
        _ => ExitCode::FAILURE,
    }
}

struct Ctx {
    data_dir: PathBuf,
    json: bool,
    clock: Clock,
}

impl Ctx {
    fn open(&self) -> Result<Goalpost> {
        Ok(Goalpost::open(&self.data_dir)?.with_clock(self.clock))
    }

    /// Opens and checks that the class exists, for every command but init and demo.
    fn class(&self) -> Result<Goalpost> {
        let gp = self.open()?;
        gp.class()?;
        Ok(gp)
    }

    fn print<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) -> Result<()> {
        let s = if self.json {
            serde_json::to_string_pretty(value)?
        } else {
            text()
        };
        let mut out = std::io::stdout().lock();
        // A closed pipe (`goalpost student list | head`) is not an error worth a message.
        let _ = writeln!(out, "{}", s.trim_end());
        Ok(())
    }
}

fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        data_dir: crate::resolve_data_dir(cli.data_dir)?,
        json: cli.json,
        clock: Clock::from_env()?,
    };
    match cli.command {
        Command::Init(a) => init(&ctx, a),
        Command::Roster(c) => roster(&ctx, c),
        Command::Student(c) => student(&ctx, c),
        Command::Contact(c) => contact(&ctx, c),
        Command::Consent(c) => consent(&ctx, c),
        Command::Goal(c) => goal(&ctx, c),
        Command::Evidence(c) => evidence(&ctx, c),
        Command::Note(c) => notes::note(&ctx, c),
        Command::Review(c) => review(&ctx, c),
        Command::Photo(c) => photo(&ctx, c),
        Command::Sharing(c) => sharing(&ctx, c),
        Command::Demo { students } => demo(&ctx, students),
        Command::Config(c) => config(&ctx, c),
        Command::Sync { dry_run } => sync(&ctx, dry_run),
        Command::Blog(c) => blog(&ctx, c),
        Command::Mail(c) => mail(&ctx, c),
        Command::Chat(c) => chat(&ctx, c),
        Command::Print(PrintCmd::GoalSheet {
            student,
            all,
            language,
        }) => match student {
            Some(student) if !all => print_goal_sheet(&ctx, &student, language.as_deref()),
            _ => print_goal_sheets_all(&ctx, language.as_deref()),
        },
        Command::Reach { days } => reach(&ctx, days),
        Command::Backup { file } => backup(&ctx, &file),
        Command::Restore { file } => restore(&ctx, &file),
        Command::Export(c) => export(&ctx, c),
        Command::Class(c) => class(&ctx, c),
    }
}
