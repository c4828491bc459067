//! Suppressions written in the manifests, and the one step that applies a run's configuration
//! and suppressions to every finding, whatever stage produced it.
//!
//! - `# kubevet-ignore: rule-id[, rule-id] -- reason` as a comment at the end of a line covers
//!   findings on that line; on a line of its own, findings on the next line that is not a comment.
//! - `# kubevet-ignore-document: rule-id` covers the YAML document it is in (in a leading
//!   comment block before the first `---`, the document that follows).
//! - `# kubevet-ignore-file: rule-id` covers the file.
//! - The annotation `kubevet.dev/ignore: "rule-a,rule-b"` covers its object (and survives
//!   `helm template` and `kustomize build`, which drop comments).
//!
//! A finding is covered when its location (the `file:line:col` kubevet prints) is. A suppression
//! that covers nothing, or names a rule kubevet does not know, is an `unused-suppression` warning.

use crate::k8s::object::objects_of;
use crate::load::Document;
use crate::load::tree::{Node, Style, Value};
use crate::model::diagnostic::{Diagnostic, FileId, Location};
use crate::model::registry::{self, rule};
use crate::model::report::{Suppressed, SuppressionKind as Kind};
use crate::model::source::SourceFile;
use crate::model::span::Span;
use crate::settings::{Level, Policy};

/// The annotation that suppresses rules for one object.
pub const ANNOTATION: &str = "kubevet.dev/ignore";

const DIRECTIVE: &str = "kubevet-ignore";

/// What a suppression covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Findings that start on this line (1-based).
    Line(u32),
    /// Findings that start in this byte range of the file (a document, an object).
    Range(Span),
    File,
}

/// One rule id named by a suppression, and where it is written.
#[derive(Clone, Debug)]
pub struct Named {
    pub id: String,
    pub location: Location,
}

/// A suppression found in a file.
#[derive(Clone, Debug)]
pub struct Suppression {
    pub kind: Kind,
    pub scope: Scope,
    pub rules: Vec<Named>,
    pub reason: Option<String>,
    /// The whole comment or annotation value.
    pub location: Location,
    /// Set when the directive could not be read: the problem, reported as unused-suppression.
    pub malformed: Option<String>,
}

impl Suppression {
    fn covers(&self, d: &Diagnostic) -> bool {
        let at = &d.primary.location;
        match &self.scope {
            Scope::Line(line) => at.start.line == *line,
            Scope::Range(span) => at.span.start >= span.start && at.span.start <= span.end,
            Scope::File => true,
        }
    }
}

/// Finds the suppressions in a file: comments anywhere in its text, annotations on its objects.
pub fn scan(file: &SourceFile, documents: &[Document]) -> Vec<Suppression> {
    let mut out = Vec::new();
    // One pass for both (they begin alike), with memchr's vectorised search: most files have
    // neither (`str::contains` twice was 0.9% of a check of 2,000 files).
    let (mut directive, mut annotated) = (false, false);
    for at in memchr::memmem::find_iter(file.text.as_bytes(), b"kubevet") {
        let rest = &file.text.as_bytes()[at..];
        directive |= rest.starts_with(DIRECTIVE.as_bytes());
        annotated |= rest.starts_with(ANNOTATION.as_bytes());
        if directive && annotated {
            break;
        }
    }
    if directive {
        scan_comments(file, documents, &mut out);
    }
    if annotated {
        for document in documents {
            for object in objects_of(&document.root, document.index) {
                if let Some(value) = object
                    .metadata
                    .and_then(|m| m.get("annotations"))
                    .and_then(|a| a.get(ANNOTATION))
                {
                    out.push(annotation(file, object.root.span, value));
                }
            }
        }
    }
    out
}

fn annotation(file: &SourceFile, object: Span, value: &Node) -> Suppression {
    let location = file.location(value.span);
    let Some(text) = value.as_str() else {
        return Suppression {
            kind: Kind::Annotation,
            scope: Scope::Range(object),
            rules: Vec::new(),
            reason: None,
            location,
            malformed: Some(format!(
                "the `{ANNOTATION}` annotation must be a string of rule ids, such as \"rule-a,rule-b\""
            )),
        };
    };
    // Where the value's characters are in the file, when it is written without escapes.
    let raw = file.slice(value.span);
    let inner_offset = match value.style {
        Style::Plain if raw == text => Some(0),
        Style::SingleQuoted | Style::DoubleQuoted
            if raw.len() == text.len() + 2 && &raw[1..raw.len() - 1] == text =>
        {
            Some(1)
        }
        _ => None,
    };
    let mut rules = Vec::new();
    let mut offset = 0;
    for part in text.split(',') {
        let id = part.trim();
        if !id.is_empty() {
            let span = match inner_offset {
                Some(inner) => {
                    let lead = part.len() - part.trim_start().len();
                    value.span.sub(inner + offset + lead, id.len())
                }
                None => value.span,
            };
            rules.push(Named {
                id: id.to_owned(),
                location: file.location(span),
            });
        }
        offset += part.len() + 1;
    }
    let malformed = rules.is_empty().then(|| {
        format!("the `{ANNOTATION}` annotation names no rule; list rule ids: \"rule-a,rule-b\"")
    });
    Suppression {
        kind: Kind::Annotation,
        scope: Scope::Range(object),
        rules,
        reason: None,
        location,
        malformed,
    }
}

fn scan_comments(file: &SourceFile, documents: &[Document], out: &mut Vec<Suppression>) {
    let text = file.text.as_str();
    let strings = quoted_spans(documents);
    // Each document with the `---` line before it (kubectl's reader drops that line).
    let mut chunks = Vec::new();
    for chunk in crate::load::split_documents(text) {
        let start = chunks.last().map_or(0, |c: &std::ops::Range<usize>| c.end);
        chunks.push(start..chunk.range.end);
    }
    let lines: Vec<(usize, &str)> = line_starts(text).collect();
    for (index, &(line_start, line)) in lines.iter().enumerate() {
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let at = line_start + hash;
        if strings
            .iter()
            .any(|s| s.start as usize <= at && at < s.end as usize)
        {
            continue; // A `#` inside a quoted or block scalar is text, not a comment.
        }
        let comment = &line[hash..];
        let body = comment[1..].trim_start();
        let Some(after) = body.strip_prefix(DIRECTIVE) else {
            continue;
        };
        let directive_at = at + (comment.len() - body.len());
        let comment_span = Span::new(at, line_start + line.trim_end().len());
        let own_line = line[..hash].trim().is_empty();
        let (kind, rest) = if let Some(rest) = after.strip_prefix("-document") {
            (Kind::Document, rest)
        } else if let Some(rest) = after.strip_prefix("-file") {
            (Kind::File, rest)
        } else {
            (Kind::Line, after)
        };
        let scope = match kind {
            Kind::File => Scope::File,
            Kind::Document => Scope::Range(document_of(&chunks, text, at)),
            _ => {
                let line_number = index as u32 + 1;
                if own_line {
                    // The next line that is not a comment.
                    let next = lines[index + 1..]
                        .iter()
                        .position(|(_, l)| !l.trim_start().starts_with('#'))
                        .map_or(line_number + 1, |p| line_number + 1 + p as u32);
                    Scope::Line(next)
                } else {
                    Scope::Line(line_number)
                }
            }
        };
        let mut suppression = Suppression {
            kind,
            scope,
            rules: Vec::new(),
            reason: None,
            location: file.location(comment_span),
            malformed: None,
        };
        let rest_at = directive_at + DIRECTIVE.len() + (after.len() - rest.len());
        match rest.strip_prefix(':') {
            None => {
                let written = &file.text[directive_at..comment_span.end as usize];
                suppression.malformed = Some(format!(
                    "`{written}` is not a suppression kubevet understands; write `# kubevet-ignore: rule-id -- reason` (or kubevet-ignore-document:, kubevet-ignore-file:)"
                ));
            }
            Some(list) => {
                let list_at = rest_at + 1;
                let (ids, reason) = match list.find("--") {
                    Some(i) => (&list[..i], Some(list[i + 2..].trim())),
                    None => (list, None),
                };
                suppression.reason = reason.filter(|r| !r.is_empty()).map(str::to_owned);
                let mut offset = 0;
                for part in ids.split(',') {
                    let id = part.trim();
                    if !id.is_empty() {
                        let lead = part.len() - part.trim_start().len();
                        let start = list_at + offset + lead;
                        suppression.rules.push(Named {
                            id: id.to_owned(),
                            location: file.location(Span::new(start, start + id.len())),
                        });
                    }
                    offset += part.len() + 1;
                }
                if suppression.rules.is_empty() {
                    suppression.malformed = Some(
                        "this suppression names no rule; list the rule ids it is for: `# kubevet-ignore: rule-id -- reason`".to_owned(),
                    );
                }
            }
        }
        out.push(suppression);
    }
}

/// Each line's byte offset and text (without its line break).
fn line_starts(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split_inclusive('\n').map(move |raw| {
        let at = start;
        start += raw.len();
        (at, raw.trim_end_matches(['\n', '\r']))
    })
}

/// Where a comment starts in a line: a `#` at the start or after a space or tab.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(i) = line[from..].find('#').map(|i| from + i) {
        if i == 0 || matches!(bytes[i - 1], b' ' | b'\t') {
            if line[i..].contains(DIRECTIVE) {
                return Some(i);
            }
            return None;
        }
        from = i + 1;
    }
    None
}

/// The byte range of the document a comment at `at` is in: its `---` chunk, or for a chunk of
/// only comments, the chunk after it too (a comment block above the first `---`).
fn document_of(chunks: &[std::ops::Range<usize>], text: &str, at: usize) -> Span {
    let i = chunks
        .iter()
        .position(|c| c.start <= at && at < c.end.max(c.start + 1))
        .unwrap_or(chunks.len().saturating_sub(1));
    let chunk = &chunks[i];
    let only_comments = text[chunk.clone()].lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---"
    });
    match chunks.get(i + 1) {
        Some(next) if only_comments => Span::new(chunk.start, next.end),
        _ => Span::new(chunk.start, chunk.end),
    }
}

/// The spans of every quoted and block scalar: a `#` inside them is not a comment.
fn quoted_spans(documents: &[Document]) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut stack: Vec<&Node> = documents.iter().map(|d| &d.root).collect();
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                for e in entries {
                    stack.push(&e.key);
                    stack.push(&e.value);
                }
            }
            _ => {
                if node.style != Style::Plain {
                    spans.push(node.span);
                }
            }
        }
    }
    spans
}

/// The result of applying the configuration and the suppressions to a run's findings.
pub struct Applied {
    pub diagnostics: Vec<Diagnostic>,
    pub suppressed: Vec<Suppressed>,
}

/// Applies rule levels (per path) and suppressions to every finding, and reports suppressions
/// that covered nothing. `path_of` gives a file's absolute path, for per-path settings;
/// `suppressions` are per file.
pub fn apply(
    diagnostics: Vec<Diagnostic>,
    suppressions: &[(FileId, Vec<Suppression>)],
    policy: &Policy,
    path_of: &dyn Fn(FileId) -> Option<std::path::PathBuf>,
) -> Applied {
    let mut paths = foldhash::HashMap::default();
    let by_file: std::collections::HashMap<FileId, usize> = suppressions
        .iter()
        .enumerate()
        .map(|(i, (file, _))| (*file, i))
        .collect();
    // used[file][suppression][rule]
    let mut used: Vec<Vec<Vec<bool>>> = suppressions
        .iter()
        .map(|(_, list)| list.iter().map(|s| vec![false; s.rules.len()]).collect())
        .collect();
    let mut kept = Vec::with_capacity(diagnostics.len());
    let mut suppressed = Vec::new();
    for mut d in diagnostics {
        let file = d.file();
        match policy.configured(d.rule, path_for(&mut paths, policy, file, path_of)) {
            Some(Level::Off) => continue,
            Some(Level::On(severity)) => d.severity = severity,
            None => {}
        }
        let hit = by_file.get(&file).and_then(|&f| {
            suppressions[f].1.iter().enumerate().find_map(|(s, sup)| {
                let r = sup.rules.iter().position(|n| n.id == d.rule.id)?;
                sup.covers(&d).then_some((f, s, r))
            })
        });
        match hit {
            Some((f, s, r)) => {
                used[f][s][r] = true;
                let sup = &suppressions[f].1[s];
                suppressed.push(Suppressed {
                    diagnostic: d,
                    kind: sup.kind,
                    by: sup.location,
                    reason: sup.reason.clone(),
                });
            }
            None => kept.push(d),
        }
    }
    for (f, (file, list)) in suppressions.iter().enumerate() {
        let file_path = path_for(&mut paths, policy, *file, path_of);
        let Level::On(severity) = policy.level(&rule::unused_suppression, file_path) else {
            continue;
        };
        // A suppression of a rule that is off where it is written is not reported: turning a
        // rule off should not turn every suppression of it into a warning.
        let is_off =
            |id: &str| registry::find(id).is_some_and(|r| policy.level(r, file_path) == Level::Off);
        for (s, sup) in list.iter().enumerate() {
            for d in unused(sup, &used[f][s], &is_off) {
                kept.push(Diagnostic { severity, ..d });
            }
        }
    }
    Applied {
        diagnostics: kept,
        suppressed,
    }
}

/// A file's path for the policy, worked out once (in `paths`), and only when overrides make the
/// level depend on it.
fn path_for<'p>(
    paths: &'p mut foldhash::HashMap<FileId, Option<std::path::PathBuf>>,
    policy: &Policy,
    file: FileId,
    path_of: &dyn Fn(FileId) -> Option<std::path::PathBuf>,
) -> Option<&'p std::path::Path> {
    if !policy.has_overrides() {
        return None;
    }
    paths
        .entry(file)
        .or_insert_with(|| path_of(file))
        .as_deref()
}

fn unused(sup: &Suppression, used: &[bool], is_off: &dyn Fn(&str) -> bool) -> Vec<Diagnostic> {
    let rule = &rule::unused_suppression;
    let mut out = Vec::new();
    if let Some(problem) = &sup.malformed {
        out.push(
            Diagnostic::new(rule, sup.location, problem.clone())
                .with_label("not read as a suppression")
                .with_help(
                "a suppression names the rules it is for: `# kubevet-ignore: rule-id -- reason`",
            ),
        );
    }
    for (named, &was_used) in sup.rules.iter().zip(used) {
        if was_used || is_off(&named.id) {
            continue;
        }
        let d = match registry::find(&named.id) {
            None => {
                let suggestion =
                    crate::model::text::did_you_mean(&named.id, registry::ALL.iter().map(|r| r.id))
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                Diagnostic::new(
                    rule,
                    named.location,
                    format!("unknown rule `{}` in a suppression{suggestion}", named.id),
                )
                .with_label("no such rule")
                .with_help("`kubevet rules` lists every rule id")
            }
            Some(_) => Diagnostic::new(
                rule,
                named.location,
                format!(
                    "this suppression of `{}` suppresses nothing: there is no `{}` finding {}",
                    named.id,
                    named.id,
                    sup.kind.covers()
                ),
            )
            .with_label("suppresses nothing")
            .with_help(
                "remove it (the problem is gone), or move it to the line the finding points at",
            ),
        };
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::diagnostic::Severity;
    use std::path::PathBuf;

    fn finding(severity: Severity) -> Diagnostic {
        let file = SourceFile::new(FileId(0), "a.yaml".into(), "a: 1\n".into());
        let mut d = Diagnostic::new(
            crate::model::registry::find("invalid-name").unwrap(),
            file.location(Span::new(0, 1)),
            "x",
        );
        d.severity = severity;
        d
    }

    #[test]
    fn severities_a_rule_chose_are_kept_unless_configured() {
        // A rule may lower its own severity (for an older Kubernetes version, say).
        let policy = Policy::new(PathBuf::from("/repo"));
        let path_of = |_| Some(PathBuf::from("/repo/a.yaml"));
        let applied = apply(vec![finding(Severity::Warning)], &[], &policy, &path_of);
        assert_eq!(applied.diagnostics[0].severity, Severity::Warning);
        let mut policy = Policy::new(PathBuf::from("/repo"));
        policy.set_rule("invalid-name", Level::On(Severity::Info));
        let applied = apply(vec![finding(Severity::Warning)], &[], &policy, &path_of);
        assert_eq!(applied.diagnostics[0].severity, Severity::Info);
        policy.set_rule("invalid-name", Level::Off);
        let applied = apply(vec![finding(Severity::Error)], &[], &policy, &path_of);
        assert!(applied.diagnostics.is_empty());
    }

    #[test]
    fn comments_are_found_only_where_yaml_has_comments() {
        let text = "a: \"# kubevet-ignore: x\"\nb: c # kubevet-ignore: y -- why\n# kubevet-ignore-file: z\nd: e#kubevet-ignore: w\n";
        let file = SourceFile::new(FileId(0), "a.yaml".into(), text.into());
        let loaded = crate::load::load(&file, &Default::default());
        let found = scan(&file, &loaded.documents);
        let ids: Vec<&str> = found
            .iter()
            .flat_map(|s| s.rules.iter().map(|r| r.id.as_str()))
            .collect();
        assert_eq!(ids, ["y", "z"]);
        assert_eq!(found[0].scope, Scope::Line(2));
        assert_eq!(found[0].reason.as_deref(), Some("why"));
        assert_eq!(found[1].scope, Scope::File);
        assert_eq!(file.slice(found[0].rules[0].location.span), "y");
    }
}
