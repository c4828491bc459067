//! Renderers: every format reads the same [`Report`].

mod concise;
mod human;
mod json;

use crate::Report;
use std::io::{self, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style snippets with labels and help, then a summary line.
    Human,
    /// `path:line:col: severity[rule]: message`, one per line (editors, grep).
    Concise,
    /// A stable, versioned JSON document (see the README for the contract).
    Json,
}

/// What a renderer may do besides printing findings.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    /// Print the closing summary line (human and concise formats).
    pub summary: bool,
}

pub fn render(
    report: &Report,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, style, out),
        Format::Concise => concise::render(report, style, out),
        Format::Json => json::render(report, out),
    }
}

/// "3 errors, 1 warning" style counts.
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let mut not_checked = String::new();
    if s.skipped > 0 {
        not_checked.push_str(&format!(", {} skipped", plural(s.skipped, "file")));
    }
    if s.failed > 0 {
        not_checked.push_str(&format!(
            ", {} could not be checked",
            plural(s.failed, "file")
        ));
    }
    format!(
        "checked {} ({}){not_checked}: {}, {}, {}",
        plural(s.files, "file"),
        plural(s.documents, "document"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info"),
    )
}

/// Makes text from manifests safe to print on a terminal: control characters (an ANSI escape
/// could rewrite the screen) become visible escapes. Newlines are kept only where `keep_newlines`.
pub fn escape_controls(text: &str, keep_newlines: bool) -> std::borrow::Cow<'_, str> {
    let is_bad = |c: char| c.is_control() && !(c == '\t' || (keep_newlines && c == '\n'));
    if !text.chars().any(is_bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_bad(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}
