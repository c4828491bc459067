//! `path:line:col: severity[rule-id]: message`, one finding a line; with its end (exclusive),
//! `path:line:col-endline:endcol: severity[rule-id]: message` (`--format concise-range`).

use super::{Style, escape_controls, summary_line};
use crate::model::report::Report;
use std::io::{self, Write};

pub fn render(report: &Report, style: Style, range: bool, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let at = d.primary.location.start;
        let end = d.primary.location.end;
        let end = if range {
            format!("-{}:{}", end.line, end.column)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{}:{}:{}{end}: {}[{}]: {}",
            escape_controls(report.file_name(d.file()), false),
            at.line,
            at.column,
            d.severity,
            d.rule.id,
            escape_controls(&d.message, false),
        )?;
    }
    if style.summary {
        writeln!(out, "{}", summary_line(report))?;
    }
    Ok(())
}
