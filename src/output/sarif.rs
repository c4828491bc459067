//! SARIF 2.1.0 (the OASIS standard GitHub code scanning reads), hand-written: one run, every
//! rule with its help text and URI, results with exact regions relative to `%SRCROOT%`, related
//! locations, and fingerprints that do not depend on line numbers, so code scanning keeps
//! tracking a finding when lines above it move.

use super::{SourceRoot, Style};
use crate::model::diagnostic::{Diagnostic, Location, Rule, Severity};
use crate::model::fix::Fix;
use crate::model::report::Report;
use crate::model::report::Suppressed;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
const INFORMATION_URI: &str = "https://github.com/kubevet/kubevet";
/// The key of kubevet's fingerprint; the version changes if the way it is computed does.
const FINGERPRINT: &str = "kubevetFinding/v1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Message,
    full_description: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<MultiformatMessage<'a>>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    /// What GitHub code scanning shows as the alert's severity for non-security rules.
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

/// A fix with one certain choice ([`crate::model::fix::certain`]), as `kubevet check --fix`
/// applies it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Message,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Suppression {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<String>,
    location: SarifLocation,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `duplicate-key` → `DuplicateKey`, SARIF's convention for a rule's name.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

fn descriptor(rule: &Rule) -> ReportingDescriptor<'_> {
    let has_doc = !rule.doc.is_empty();
    ReportingDescriptor {
        id: rule.id,
        name: pascal_case(rule.id),
        short_description: Message {
            text: rule.summary.to_owned(),
        },
        full_description: Message {
            text: rule.summary.to_owned(),
        },
        help_uri: has_doc.then(|| rule.doc_url()),
        help: has_doc.then_some(MultiformatMessage {
            text: rule.doc,
            markdown: rule.doc,
        }),
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: RuleProperties {
            tags: vec!["kubernetes"],
            problem_severity: match rule.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "recommendation",
            },
        },
    }
}

/// Percent-encodes a `/`-separated path for a URI (RFC 3986: unreserved characters and `/`
/// stay, everything else is `%XX` of its UTF-8 bytes).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn file_uri(path: &std::path::Path) -> String {
    let slashed = crate::discover::workspace::slash_path(path);
    let slashed = if slashed.starts_with('/') {
        slashed
    } else {
        format!("/{slashed}")
    };
    format!("file://{}", encode_path(&slashed))
}

struct Renderer<'a> {
    report: &'a Report,
    root: SourceRoot,
    rule_index: HashMap<&'static str, usize>,
    /// How often each fingerprint has been seen: identical findings get distinct ones.
    seen: HashMap<u128, u32>,
    texts: HashMap<u32, Option<std::borrow::Cow<'a, str>>>,
}

impl<'a> Renderer<'a> {
    fn artifact(&self, location: &Location) -> ArtifactLocation {
        let name = self.report.file_name(location.file);
        match self.root.relative(name) {
            Some(rel) => ArtifactLocation {
                uri: encode_path(&rel),
                uri_base_id: Some(SRCROOT),
            },
            None => ArtifactLocation {
                uri: file_uri(&self.root.absolute(name)),
                uri_base_id: None,
            },
        }
    }

    fn physical(&self, location: &Location) -> PhysicalLocation {
        PhysicalLocation {
            artifact_location: self.artifact(location),
            region: Region {
                start_line: location.start.line.max(1),
                start_column: location.start.column.max(1),
                end_line: location.end.line.max(1),
                end_column: location.end.column.max(1),
            },
        }
    }

    fn snippet(&mut self, location: &Location) -> String {
        let file = location.file.0;
        let report = self.report;
        let text = self
            .texts
            .entry(file)
            .or_insert_with(|| report.files[file as usize].source());
        text.as_deref()
            .and_then(|t| t.get(location.span.range()))
            .unwrap_or("")
            .to_owned()
    }

    /// A hash of what the finding is, not where: rule, file, object, message and the text it
    /// points at, plus a counter for identical findings.
    fn fingerprint(&mut self, d: &Diagnostic) -> String {
        let mut hash = Fnv128::new();
        hash.write(d.rule.id);
        hash.write(&self.artifact(&d.primary.location).uri);
        if let Some(o) = &d.object {
            for part in [&o.api_version, &o.kind, &o.namespace, &o.name] {
                hash.write(part.as_deref().unwrap_or(""));
            }
        }
        hash.write(&d.message);
        let snippet = self.snippet(&d.primary.location);
        hash.write(&snippet);
        let value = hash.finish();
        let count = self.seen.entry(value).or_insert(0);
        *count += 1;
        format!("{value:032x}:{count}")
    }

    /// The certain fix of a finding, its edits as regions of the file (an insertion is an
    /// empty region): the one the run computed (`computed`: those `check --fix` applies, with
    /// the fixes that need a re-check), else the one its text alone gives.
    fn fixes(&mut self, d: &Diagnostic, computed: Option<Option<&Fix>>) -> Vec<SarifFix> {
        let file = d.primary.location.file.0;
        let report = self.report;
        let text = self
            .texts
            .entry(file)
            .or_insert_with(|| report.files[file as usize].source());
        let Some(text) = text.as_deref() else {
            return Vec::new();
        };
        let fix = match computed {
            Some(fix) => fix.cloned(),
            None => crate::model::fix::certain(d, text),
        };
        let Some(fix) = fix else {
            return Vec::new();
        };
        let replacements = fix
            .edits
            .iter()
            .map(|e| {
                let (start_line, start_column) = line_column(text, e.span.start as usize);
                let (end_line, end_column) = line_column(text, e.span.end as usize);
                Replacement {
                    deleted_region: Region {
                        start_line,
                        start_column,
                        end_line,
                        end_column,
                    },
                    inserted_content: Message {
                        text: e.text.clone(),
                    },
                }
            })
            .collect();
        vec![SarifFix {
            description: Message { text: fix.title },
            artifact_changes: vec![ArtifactChange {
                artifact_location: self.artifact(&d.primary.location),
                replacements,
            }],
        }]
    }

    fn result(
        &mut self,
        d: &Diagnostic,
        suppressed: Option<&Suppressed>,
        fix: Option<Option<&Fix>>,
    ) -> SarifResult {
        let mut text = d.message.clone();
        if let Some(help) = &d.help {
            text.push_str("\nhelp: ");
            text.push_str(help);
        }
        let logical_locations = d
            .object
            .as_ref()
            .and_then(|o| {
                let kind = o.kind.as_deref()?;
                let name = o.name.as_deref()?;
                let qualified = match &o.namespace {
                    Some(ns) => format!("{kind}/{ns}/{name}"),
                    None => format!("{kind}/{name}"),
                };
                Some(LogicalLocation {
                    name: name.to_owned(),
                    fully_qualified_name: qualified,
                    kind: "object",
                })
            })
            .into_iter()
            .collect();
        let related_locations = d
            .secondary
            .iter()
            .enumerate()
            .map(|(i, label)| SarifLocation {
                id: Some(i + 1),
                physical_location: self.physical(&label.location),
                logical_locations: Vec::new(),
                message: Some(Message {
                    text: label.message.to_string(),
                }),
            })
            .collect();
        let fingerprint = self.fingerprint(d);
        let fixes = self.fixes(d, fix);
        SarifResult {
            rule_id: d.rule.id,
            rule_index: self.rule_index.get(d.rule.id).copied(),
            level: level(d.severity),
            message: Message { text },
            locations: vec![SarifLocation {
                id: None,
                physical_location: self.physical(&d.primary.location),
                logical_locations,
                message: None,
            }],
            related_locations,
            partial_fingerprints: BTreeMap::from([(FINGERPRINT, fingerprint)]),
            suppressions: suppressed
                .map(|s| Suppression {
                    kind: "inSource",
                    justification: s.reason.clone(),
                    location: SarifLocation {
                        id: None,
                        physical_location: self.physical(&s.by),
                        logical_locations: Vec::new(),
                        message: None,
                    },
                })
                .into_iter()
                .collect(),
            fixes,
        }
    }
}

/// The 1-based line and column (in Unicode code points, the run's `columnKind`) of a byte
/// offset.
fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count();
    (
        line as u32 + 1,
        text[line_start..offset].chars().count() as u32 + 1,
    )
}

pub fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    // Every rule kubevet has, then any other rule a finding names (a configuration error).
    let mut rules: Vec<&'static Rule> = crate::model::registry::ALL.to_vec();
    for d in &report.diagnostics {
        if !rules.contains(&d.rule) {
            rules.push(d.rule);
        }
    }
    let root = SourceRoot::detect();
    let mut root_uri = file_uri(root.root());
    if !root_uri.ends_with('/') {
        root_uri.push('/');
    }
    let mut renderer = Renderer {
        report,
        root,
        rule_index: rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect(),
        seen: HashMap::new(),
        texts: HashMap::new(),
    };
    let computed = report.computed_fixes();
    let mut results: Vec<SarifResult> = report
        .diagnostics
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let fix = computed.map(|fixes| fixes[i].as_ref());
            renderer.result(d, None, fix)
        })
        .collect();
    if style.show_suppressed {
        for s in &report.suppressed {
            results.push(renderer.result(&s.diagnostic, Some(s), None));
        }
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "kubevet",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: rules.iter().map(|r| descriptor(r)).collect(),
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                ArtifactLocation {
                    uri: root_uri,
                    uri_base_id: None,
                },
            )]),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let text = serde_json::to_string_pretty(&log).map_err(io::Error::other)?;
    writeln!(out, "{}", super::escape_json_text(text))
}

/// 128-bit FNV-1a: stable across platforms and Rust releases (unlike `DefaultHasher`), so
/// fingerprints stay the same from one kubevet build to the next.
struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;

    fn new() -> Fnv128 {
        Fnv128(Self::OFFSET)
    }

    /// Adds a field (length-prefixed, so `ab`+`c` and `a`+`bc` differ).
    fn write(&mut self, text: &str) {
        for byte in (text.len() as u64)
            .to_le_bytes()
            .iter()
            .chain(text.as_bytes())
        {
            self.0 ^= u128::from(*byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u128 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal_case("duplicate-key"), "DuplicateKey");
        assert_eq!(encode_path("a b/ç#?.yaml"), "a%20b/%C3%A7%23%3F.yaml");
        assert_eq!(
            file_uri(std::path::Path::new("/srv/my repo")),
            "file:///srv/my%20repo"
        );
    }

    #[test]
    fn fnv_is_stable() {
        let mut h = Fnv128::new();
        h.write("duplicate-key");
        assert_eq!(h.finish(), {
            let mut again = Fnv128::new();
            again.write("duplicate-key");
            again.finish()
        });
        let mut a = Fnv128::new();
        a.write("ab");
        a.write("c");
        let mut b = Fnv128::new();
        b.write("a");
        b.write("bc");
        assert_ne!(a.finish(), b.finish());
    }
}
