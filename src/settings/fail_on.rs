//! `failOn` / `--fail-on`: the lowest severity that makes the exit code 1.

use crate::model::diagnostic::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// Errors fail the run.
    Error,
    /// Warnings and errors.
    Warning,
    /// Any finding.
    Info,
    /// Nothing: report, and exit 0 whatever was found.
    None,
}

impl FailOn {
    pub const ALL: &[FailOn] = &[FailOn::Error, FailOn::Warning, FailOn::Info, FailOn::None];

    /// How the flag and the configuration write it.
    pub fn name(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Info => "info",
            FailOn::None => "none",
        }
    }

    /// What it means, for `--help`.
    pub fn help(self) -> &'static str {
        match self {
            FailOn::Error => "Errors fail the run",
            FailOn::Warning => "Warnings and errors",
            FailOn::Info => "Any finding",
            FailOn::None => "Nothing: report, and exit 0 whatever was found",
        }
    }

    /// The value named `name`, exactly as written (lower case).
    pub fn from_name(name: &str) -> Option<FailOn> {
        FailOn::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The lowest severity that fails the run; `None` when nothing does.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}
