//! `path:line:col: severity[rule-id]: message`, one finding a line.

use super::{Style, escape_controls, summary_line};
use crate::model::report::Report;
use std::io::{self, Write};

pub fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let at = d.primary.location.start;
        writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
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
