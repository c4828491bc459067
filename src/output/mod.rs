//! Renderers: every format reads the same [`Report`].

mod concise;
mod github;
mod human;
mod json;
mod junit;
mod sarif;

use crate::model::report::Report;
use std::io::{self, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style snippets with labels and help, then a summary line.
    Human,
    /// `path:line:col: severity[rule]: message`, one per line (editors, grep).
    Concise,
    /// `path:line:col-endline:endcol: severity[rule]: message`: concise with where the finding
    /// ends (exclusive), for editors' problem matchers.
    ConciseRange,
    /// A stable, versioned JSON document (see the README for the contract).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request's files.
    Github,
    /// JUnit XML: a testsuite per file, a testcase per object (GitLab, Jenkins, ...).
    Junit,
}

/// What a renderer may do besides printing findings.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    /// Print the closing summary line (human, concise and github formats).
    pub summary: bool,
    /// List suppressed findings too (json and sarif).
    pub show_suppressed: bool,
    /// The lowest severity that fails the run (`None`: nothing does); JUnit makes findings at
    /// or above it failures.
    pub fail_on: Option<crate::model::diagnostic::Severity>,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            color: false,
            summary: true,
            show_suppressed: false,
            fail_on: Some(crate::model::diagnostic::Severity::Error),
        }
    }
}

pub fn render(
    report: &Report,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, style, out),
        Format::Concise => concise::render(report, style, false, out),
        Format::ConciseRange => concise::render(report, style, true, out),
        Format::Json => json::render(report, style, out),
        Format::Sarif => sarif::render(report, style, out),
        Format::Github => github::render(report, style, out),
        Format::Junit => junit::render(report, style, out),
    }
}

use crate::model::text::plural;

pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let context = if s.context_files > 0 {
        format!("; {} as context", plural(s.context_files, "more file"))
    } else {
        String::new()
    };
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
    let suppressed = if s.suppressed > 0 {
        format!(", {} suppressed", s.suppressed)
    } else {
        String::new()
    };
    format!(
        "checked {} ({}{context}){not_checked}: {}, {}, {}{suppressed}",
        plural(s.files, "file"),
        plural(s.documents, "document"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info"),
    )
}

/// Characters that are not control characters to Unicode but change how text around them is
/// shown: bidirectional overrides, embeddings, isolates and marks ("Trojan Source": a message
/// could read differently from what it says), and the line and paragraph separators some viewers
/// break lines at.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
    )
}

/// Whether a character from a manifest must not reach output as it is: control characters (C0,
/// DEL, C1: an ANSI escape could rewrite the screen) and [`is_invisible_format`] ones.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// Makes text from manifests safe to print on a terminal: [unsafe characters](is_unsafe_char)
/// become visible escapes (`\u{1b}`). Newlines are kept only where `keep_newlines`; tabs always.
pub fn escape_controls(text: &str, keep_newlines: bool) -> std::borrow::Cow<'_, str> {
    let is_bad = |c: char| is_unsafe_char(c) && !(c == '\t' || (keep_newlines && c == '\n'));
    // Nearly all text is printable ASCII: a byte scan the compiler vectorises says so.
    let plain = |b: u8| (b' '..b'\x7f').contains(&b) || b == b'\t' || (keep_newlines && b == b'\n');
    if text.bytes().all(plain) || !text.chars().any(is_bad) {
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

/// Serialised JSON with every [unsafe character](is_unsafe_char) that serde_json leaves as it
/// is (DEL, C1, bidirectional formatting) written as a `\uXXXX` escape instead: the same JSON
/// value, so the text from the manifest is recovered exactly, but nothing that a terminal or a
/// viewer showing the file would act on. serde_json escapes C0 controls in strings itself, so
/// a raw newline is layout, and any other such character is inside a string.
pub(crate) fn escape_json_text(json: String) -> String {
    let needs_escape = |c: char| c != '\n' && is_unsafe_char(c);
    let plain = |b: u8| (b' '..b'\x7f').contains(&b) || b == b'\n';
    if json.bytes().all(plain) || !json.chars().any(needs_escape) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_escape(c) {
            // All of them are in the Basic Multilingual Plane: one `\u` escape each.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Where CI systems expect file paths to be relative to: `GITHUB_WORKSPACE` in GitHub Actions,
/// else the root of the git repository around the current directory, else the current directory.
pub(crate) struct SourceRoot {
    cwd: std::path::PathBuf,
    root: std::path::PathBuf,
}

impl SourceRoot {
    pub(crate) fn detect() -> SourceRoot {
        let cwd = crate::discover::workspace::current_dir();
        let root = std::env::var_os("GITHUB_WORKSPACE")
            .map(std::path::PathBuf::from)
            .filter(|p| p.is_absolute())
            .map(|p| crate::discover::workspace::absolute_from(&cwd, &p))
            .or_else(|| crate::discover::workspace::git_root(&cwd))
            .unwrap_or_else(|| cwd.clone());
        SourceRoot { cwd, root }
    }

    pub(crate) fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// A file's name as the report has it, relative to the root (`/`-separated), or `None` when
    /// it is outside it.
    pub(crate) fn relative(&self, name: &str) -> Option<String> {
        let absolute =
            crate::discover::workspace::absolute_from(&self.cwd, std::path::Path::new(name));
        let rel = absolute.strip_prefix(&self.root).ok()?;
        Some(crate::discover::workspace::slash_path(rel))
    }

    /// The absolute path of a file the report names.
    pub(crate) fn absolute(&self, name: &str) -> std::path::PathBuf {
        crate::discover::workspace::absolute_from(&self.cwd, std::path::Path::new(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_are_escaped_visibly_or_as_json_escapes() {
        let hostile = "a\u{1b}[2J\u{7f}\u{85}\u{9b}\u{202e}\u{2066}\u{2028}\tb\nc";
        assert_eq!(
            escape_controls(hostile, true),
            "a\\u{1b}[2J\\u{7f}\\u{85}\\u{9b}\\u{202e}\\u{2066}\\u{2028}\tb\nc"
        );
        assert_eq!(escape_controls("x\ny", false), "x\\ny");
        let json = serde_json::to_string_pretty(&serde_json::json!({ "m": hostile })).unwrap();
        let escaped = escape_json_text(json);
        assert_eq!(
            escaped,
            "{\n  \"m\": \"a\\u001b[2J\\u007f\\u0085\\u009b\\u202e\\u2066\\u2028\\tb\\nc\"\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["m"], hostile);
    }
}
