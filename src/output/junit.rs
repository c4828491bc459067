//! JUnit XML, as GitLab, Jenkins and most CI systems read it: one `<testsuite>` per checked
//! file, one `<testcase>` per object (plus one for findings about the file itself), and a
//! `<failure>` on a testcase with findings at or above `--fail-on` (errors by default). Findings
//! below it are listed in the testcase's `<system-out>`.

use super::{Style, escape_controls};
use crate::model::diagnostic::{Diagnostic, ObjectRef};
use crate::model::report::{FileEntry, Report};
use std::fmt::Write as _;
use std::io::{self, Write};

struct Case<'a> {
    name: String,
    document: Option<u32>,
    object: Option<&'a ObjectRef>,
    findings: Vec<&'a Diagnostic>,
}

fn object_name(o: &ObjectRef) -> String {
    let kind = o.kind.as_deref().unwrap_or("object");
    let name = o.name.as_deref().unwrap_or("(unnamed)");
    match &o.namespace {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// The testcases of a file: its objects in order, and findings matched to them by document
/// (and, in a `List`, by kind and name).
fn cases<'a>(entry: &'a FileEntry, findings: Vec<&'a Diagnostic>) -> Vec<Case<'a>> {
    let mut cases: Vec<Case<'a>> = entry
        .objects
        .iter()
        .map(|o| Case {
            name: object_name(&o.object),
            document: Some(o.document),
            object: Some(&*o.object),
            findings: Vec::new(),
        })
        .collect();
    for d in findings {
        let in_document: Vec<usize> = cases
            .iter()
            .enumerate()
            .filter(|(_, c)| c.document.is_some() && c.document == d.document && c.object.is_some())
            .map(|(i, _)| i)
            .collect();
        let same_object = |c: &Case<'_>| {
            let (Some(a), Some(b)) = (c.object, &d.object) else {
                return false;
            };
            a.kind == b.kind && a.name == b.name
        };
        let target = match in_document.as_slice() {
            [only] => Some(*only),
            [] => None,
            many => many
                .iter()
                .copied()
                .find(|&i| same_object(&cases[i]))
                .or(Some(many[0])),
        };
        match target {
            Some(i) => cases[i].findings.push(d),
            None => {
                let name = match d.document {
                    Some(n) => format!("document {}", n + 1),
                    None => "file".to_owned(),
                };
                match cases
                    .iter_mut()
                    .find(|c| c.object.is_none() && c.name == name)
                {
                    Some(case) => case.findings.push(d),
                    None => cases.push(Case {
                        name,
                        document: d.document,
                        object: None,
                        findings: vec![d],
                    }),
                }
            }
        }
    }
    cases
}

/// Escapes text for an XML attribute: characters XML 1.0 cannot hold at all (control
/// characters, the noncharacters U+FFFE and U+FFFF), and the other unsafe ones (a report is
/// read on terminals too), line breaks included, are made visible (`\u{1b}`, `\n`).
fn xml(text: &str) -> String {
    markup(&escape_controls(text, false))
}

/// Escapes text content, which keeps its line breaks: they are the layout of [`describe`],
/// which has already made those inside the text from manifests visible.
fn xml_text(text: &str) -> String {
    markup(&escape_controls(text, true))
}

fn markup(visible: &str) -> String {
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        match c {
            '\u{fffe}' | '\u{ffff}' => out.extend(c.escape_default()),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A finding as concise lines. The parts from manifests are escaped one by one, so their line
/// breaks cannot start a line that looks like another finding.
fn describe(report: &Report, d: &Diagnostic) -> String {
    let at = d.primary.location.start;
    let mut text = format!(
        "{}:{}:{}: {}[{}]: {}",
        escape_controls(report.file_name(d.file()), false),
        at.line,
        at.column,
        d.severity,
        d.rule.id,
        escape_controls(&d.message, false)
    );
    for label in &d.secondary {
        let at = label.location.start;
        let _ = write!(
            text,
            "\n  {}:{}:{}: {}",
            escape_controls(report.file_name(label.location.file), false),
            at.line,
            at.column,
            escape_controls(&label.message, false)
        );
    }
    if let Some(help) = &d.help {
        let _ = write!(text, "\n  help: {}", escape_controls(help, false));
    }
    text
}

pub fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let fails = |d: &Diagnostic| style.fail_on.is_some_and(|t| d.severity >= t);
    let mut by_file: Vec<Vec<&Diagnostic>> = vec![Vec::new(); report.files.len()];
    for d in &report.diagnostics {
        by_file[d.file().0 as usize].push(d);
    }
    let mut body = String::new();
    let (mut total_tests, mut total_failures) = (0, 0);
    for (entry, findings) in report.files.iter().zip(by_file) {
        if entry.context {
            continue;
        }
        let cases = cases(entry, findings);
        let failures = cases
            .iter()
            .filter(|c| c.findings.iter().any(|d| fails(d)))
            .count();
        total_tests += cases.len();
        total_failures += failures;
        let _ = writeln!(
            body,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
            xml(&entry.name),
            cases.len()
        );
        for case in &cases {
            let _ = write!(
                body,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"",
                xml(&case.name),
                xml(&entry.name),
                xml(&entry.name)
            );
            if case.findings.is_empty() {
                body.push_str("/>\n");
                continue;
            }
            body.push_str(">\n");
            let (failing, other): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
                case.findings.iter().partition(|d| fails(d));
            if let Some(first) = failing.first() {
                let message = if failing.len() == 1 {
                    first.message.clone()
                } else {
                    format!("{} (and {} more)", first.message, failing.len() - 1)
                };
                let text: Vec<String> = failing.iter().map(|d| describe(report, d)).collect();
                let _ = writeln!(
                    body,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    first.rule.id,
                    xml(&message),
                    xml_text(&text.join("\n"))
                );
            }
            if !other.is_empty() {
                let text: Vec<String> = other.iter().map(|d| describe(report, d)).collect();
                let _ = writeln!(
                    body,
                    "      <system-out>{}</system-out>",
                    xml_text(&text.join("\n"))
                );
            }
            body.push_str("    </testcase>\n");
        }
        body.push_str("  </testsuite>\n");
    }
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<testsuites name=\"kubevet\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"0\">"
    )?;
    out.write_all(body.as_bytes())?;
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping() {
        assert_eq!(
            xml("a<b & \"c\" 'd'\u{1b}[31m"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;\\u{1b}[31m"
        );
        assert_eq!(xml_text("line\nnext"), "line\nnext");
        assert_eq!(xml("line\nnext"), "line\\nnext");
        assert_eq!(xml("\u{202e}\u{85}\u{ffff}"), "\\u{202e}\\u{85}\\u{ffff}");
    }
}
