//! Reading a secret (the mail password, the teacher PIN) from whoever runs a command.

use std::io::{BufRead, IsTerminal};

use crate::error::{Error, Result};

/// Reads one secret line. When standard input is a terminal, `prompt` is shown on it and
/// what is typed is not echoed (so the password or PIN stays off the screen and out of
/// the scrollback); otherwise (piped from a script or a password manager) the first line
/// of standard input is read as it is, without a prompt. `action` names what failed, for
/// the error: "read the password from" (standard input).
pub fn read_secret(prompt: &str, action: &'static str) -> Result<String> {
    let source = "standard input";
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).map_err(|e| Error::io(action, source, e));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io(action, source, e))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
