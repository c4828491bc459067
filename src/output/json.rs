//! The JSON contract (version 1), documented in the README. Fields are only ever added.

use super::Style;
use crate::model::diagnostic::{Diagnostic, Location, ObjectRef, Severity, Summary};
use crate::model::report::Report;
use crate::model::report::Suppressed;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    summary: JsonSummary<'a>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    /// Only with `--show-suppressed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Vec<JsonSuppressed<'a>>>,
}

/// The counts, then which kubevet checked against which Kubernetes release.
#[derive(Serialize)]
struct JsonSummary<'a> {
    #[serde(flatten)]
    counts: &'a Summary,
    kubevet_version: &'static str,
    /// Absent where nothing was checked (an invalid configuration).
    #[serde(skip_serializing_if = "Option::is_none")]
    kubernetes_version: Option<String>,
}

#[derive(Serialize)]
struct JsonSuppressed<'a> {
    #[serde(flatten)]
    diagnostic: JsonDiagnostic<'a>,
    suppression: JsonSuppression<'a>,
}

/// How a finding was suppressed: `comment`, `document-comment`, `file-comment` or `annotation`,
/// where, and the reason written after `--`.
#[derive(Serialize)]
struct JsonSuppression<'a> {
    kind: &'static str,
    file: &'a str,
    line: u32,
    column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

fn suppressed<'a>(report: &'a Report, s: &'a Suppressed) -> JsonSuppressed<'a> {
    JsonSuppressed {
        diagnostic: diagnostic(report, &s.diagnostic),
        suppression: JsonSuppression {
            kind: s.kind.as_str(),
            file: report.file_name(s.by.file),
            line: s.by.start.line,
            column: s.by.start.column,
            reason: s.reason.as_deref(),
        },
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    severity: Severity,
    rule: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    document: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<&'a ObjectRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
}

fn related<'a>(report: &'a Report, location: &Location, message: &'a str) -> JsonRelated<'a> {
    JsonRelated {
        file: report.file_name(location.file),
        line: location.start.line,
        column: location.start.column,
        end_line: location.end.line,
        end_column: location.end.column,
        message,
    }
}

fn diagnostic<'a>(report: &'a Report, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let at = &d.primary.location;
    JsonDiagnostic {
        file: report.file_name(at.file),
        line: at.start.line,
        column: at.start.column,
        end_line: at.end.line,
        end_column: at.end.column,
        severity: d.severity,
        rule: d.rule.id,
        message: &d.message,
        help: d.help.as_deref(),
        document: d.document,
        object: d.object.as_deref(),
        related: d
            .secondary
            .iter()
            .map(|l| related(report, &l.location, &l.message))
            .collect(),
    }
}

pub fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let json = JsonReport {
        version: 1,
        summary: JsonSummary {
            counts: &report.summary,
            kubevet_version: env!("CARGO_PKG_VERSION"),
            kubernetes_version: report.summary.kubernetes_version.map(|v| v.to_string()),
        },
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| diagnostic(report, d))
            .collect(),
        suppressed: style.show_suppressed.then(|| {
            report
                .suppressed
                .iter()
                .map(|s| suppressed(report, s))
                .collect()
        }),
    };
    let text = serde_json::to_string_pretty(&json).map_err(io::Error::other)?;
    writeln!(out, "{}", super::escape_json_text(text))
}
