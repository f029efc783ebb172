//! `goalpost-desktop`: the app, and the `goalpost` CLI when given a subcommand.

// A release build on Windows is a window app (no console window behind it).
#![cfg_attr(
    all(not(debug_assertions), target_os = "windows"),
    windows_subsystem = "windows"
)]

fn main() -> std::process::ExitCode {
    goalpost_desktop::main()
}
