//! Errors and the exit codes other tools rely on: 0 success, 2 bad input (preset, flags, data,
//! run directory), 1 anything else.

use std::fmt;

/// What kind of failure, which decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user's input is wrong: exit code 2.
    BadInput,
    /// Anything else (I/O, a failed run): exit code 1.
    Failure,
}

/// An error with a complete, user-facing message (what is wrong and where).
#[derive(Debug)]
pub struct Error {
    /// The kind.
    pub kind: ErrorKind,
    /// The message, without a trailing newline.
    pub message: String,
}

impl Error {
    /// Bad input (exit code 2).
    pub fn input(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::BadInput,
            message: message.into(),
        }
    }

    /// Any other failure (exit code 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Failure,
            message: message.into(),
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::BadInput => 2,
            ErrorKind::Failure => 1,
        }
    }

    /// Prefixes the message with context (`"<context>: <message>"`), keeping the kind.
    pub fn context(self, context: impl fmt::Display) -> Self {
        Error {
            kind: self.kind,
            message: format!("{context}: {}", self.message),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// I/O errors name the path they happened on.
pub fn io_error(path: &std::path::Path, e: std::io::Error) -> Error {
    Error::failure(format!("{}: {e}", path.display()))
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
