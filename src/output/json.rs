//! The JSON contract (version 1), documented in the README. Fields are only ever added.

use crate::Report;
use crate::diagnostics::{Diagnostic, Location, ObjectRef, Severity, Summary};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    summary: &'a Summary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
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
        object: d.object.as_ref(),
        related: d
            .secondary
            .iter()
            .map(|l| related(report, &l.location, &l.message))
            .collect(),
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let json = JsonReport {
        version: 1,
        summary: &report.summary,
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| diagnostic(report, d))
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)
}
