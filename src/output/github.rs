//! GitHub Actions workflow commands: one annotation a finding, shown on the pull request's diff.
//!
//! `::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=T::MESSAGE`, escaped as the
//! runner expects: in the message `%`, `\r` and `\n` become `%25`, `%0D`, `%0A`; in property
//! values also `:` and `,` become `%3A` and `%2C`. Paths are relative to `GITHUB_WORKSPACE`.

use super::{SourceRoot, Style, escape_controls, summary_line};
use crate::model::diagnostic::Severity;
use crate::model::report::Report;
use std::io::{self, Write};

pub fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let root = SourceRoot::detect();
    for d in &report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let name = report.file_name(d.file());
        let file = root.relative(name).unwrap_or_else(|| name.to_owned());
        let at = &d.primary.location;
        // Line breaks from the manifest are shown as `\n`, so the annotation's own lines are
        // only those written here.
        let mut message = escape_controls(&d.message, false).into_owned();
        if let Some(help) = &d.help {
            message.push_str("\n\nhelp: ");
            message.push_str(&escape_controls(help, false));
        }
        message.push_str(&format!("\nsee: {}", d.rule.doc_url()));
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&escape_controls(&file, false)),
            at.start.line,
            at.start.column,
            at.end.line,
            at.end.column,
            escape_property(&format!("kubevet: {}", d.rule.id)),
            escape_data(&message),
        )?;
    }
    if style.summary {
        writeln!(out, "{}", summary_line(report))?;
    }
    Ok(())
}

/// Escapes a command's message (the runner's `escapeData`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (the runner's `escapeProperty`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_data("a:b,c"), "a:b,c");
        assert_eq!(
            escape_property("dir,x/a:b%.yaml\n"),
            "dir%2Cx/a%3Ab%25.yaml%0A"
        );
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_property("%3A"), "%253A");
    }
}
