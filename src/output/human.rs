//! rustc-style output through codespan-reporting: a header, the snippet with a primary caret and
//! secondary labels, `help:` and the rule's doc link, then a summary line.

use super::{Style, escape_controls, is_unsafe_char, summary_line};
use crate::model::diagnostic::{Diagnostic, Severity};
use crate::model::report::Report;
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config, termcolor};
use std::collections::HashMap;
use std::io::{self, Write};

pub fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    // The texts of files with findings (kept or read again); snippets are made terminal-safe
    // once here.
    let mut files = SimpleFiles::new();
    let mut ids = HashMap::new();
    let mut tried = std::collections::HashSet::new();
    for d in &report.diagnostics {
        for location in
            std::iter::once(&d.primary.location).chain(d.secondary.iter().map(|l| &l.location))
        {
            let entry = &report.files[location.file.0 as usize];
            if !tried.insert(location.file) {
                continue;
            }
            if let Some(text) = entry.source() {
                let id = files.add(
                    escape_controls(&entry.name, false).into_owned(),
                    sanitize_source(&text),
                );
                ids.insert(location.file, id);
            }
        }
    }
    let config = Config::default();
    let mut buffer = if style.color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    for d in &report.diagnostics {
        let rendered = to_codespan(report, d, &ids);
        term::emit_to_write_style(&mut buffer, &config, &files, &rendered)
            .map_err(io::Error::other)?;
        if d.severity == Severity::Info {
            out.write_all(&info_header(buffer.as_slice()))?;
        } else {
            out.write_all(buffer.as_slice())?;
        }
        buffer.clear();
    }
    if style.summary {
        writeln!(out, "{}", summary_line(report))?;
    }
    Ok(())
}

fn to_codespan(
    report: &Report,
    d: &Diagnostic,
    ids: &HashMap<crate::model::diagnostic::FileId, usize>,
) -> CsDiagnostic<usize> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
    };
    let mut notes = Vec::new();
    let mut labels = Vec::new();
    match ids.get(&d.file()) {
        Some(&id) => labels.push(
            Label::primary(id, d.primary.location.span.range())
                .with_message(escape_controls(&d.primary.message, false)),
        ),
        // No text to show (an unreadable file): name the path instead of a snippet.
        None => notes.push(format!(
            "in {}",
            escape_controls(report.file_name(d.file()), false)
        )),
    }
    for label in &d.secondary {
        match ids.get(&label.location.file) {
            Some(&id) => labels.push(
                Label::secondary(id, label.location.span.range())
                    .with_message(escape_controls(&label.message, false)),
            ),
            None => notes.push(format!(
                "{}: {}",
                escape_controls(report.file_name(label.location.file), false),
                escape_controls(&label.message, false)
            )),
        }
    }
    if let Some(help) = &d.help {
        // A newline from the manifest must not start a line that looks like kubevet's own.
        notes.push(format!("help: {}", escape_controls(help, false)));
    }
    if crate::model::registry::find_documented(d.rule.id).is_some() {
        notes.push(format!("see: kubevet explain {}", d.rule.id));
    }
    CsDiagnostic::new(severity)
        .with_code(d.rule.id)
        .with_message(escape_controls(&d.message, false))
        .with_labels(labels)
        .with_notes(notes)
}

/// codespan-reporting calls the lowest severity a note; kubevet (every other format, the
/// summary, `--fail-on`) calls it info: the header's `note[` becomes `info[` (colour codes
/// around it stay).
fn info_header(rendered: &[u8]) -> Vec<u8> {
    let header_end = rendered
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(rendered.len());
    let mut out = rendered.to_vec();
    if let Some(at) = rendered[..header_end]
        .windows(5)
        .position(|w| w == b"note[")
    {
        out[at..at + 4].copy_from_slice(b"info");
    }
    out
}

/// Replaces unsafe characters in the source (control characters other than tab and line breaks,
/// and [bidirectional formatting](super::is_invisible_format)) with as many bytes of visible
/// text, so spans stay valid: `?` for each byte of a C0, DEL or C1 character, `\u{fffd}` (also
/// three bytes) for the three-byte formatting characters.
fn sanitize_source(text: &str) -> String {
    let is_bad = |c: char| is_unsafe_char(c) && !matches!(c, '\t' | '\n' | '\r');
    if !text.chars().any(is_bad) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| match c {
            c if !is_bad(c) => c.to_string(),
            c if c.len_utf8() == 3 => '\u{fffd}'.to_string(),
            c => "?".repeat(c.len_utf8()),
        })
        .collect()
}
