//! The headless `goalpost` command; everything it does lives in the library.

fn main() -> std::process::ExitCode {
    goalpost::cli::main()
}
