//! One model for every finding, whatever stage produced it and whatever format renders it.

use crate::model::span::Span;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// Where `kubevet explain` and the output formats point for a rule's documentation.
pub const RULE_DOCS_BASE_URL: &str = "https://github.com/kubevet/kubevet/blob/main/rules";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the pipeline a rule's findings are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Walking the paths given (`src/discover`).
    Discovery,
    /// Reading and decoding a file (`src/run/files.rs`).
    Reading,
    /// Parsing YAML into the tree (`src/load`).
    Loading,
    /// A per-object rule (`src/rules/<module>.rs`, `check`).
    Object,
    /// Schema validation of an object (`src/schema`).
    Schema,
    /// Reading a kustomization (`src/index/kustomize.rs`).
    Kustomize,
    /// A whole-repository rule over the index (`src/rules/<module>.rs`, `check_repo`).
    Repo,
    /// Pod Security admission over the index, with the run's settings and the files' texts
    /// (`src/rules/pod_security.rs`, called by `src/run/finish.rs`).
    Admission,
    /// ValidatingAdmissionPolicies over the repository, after the whole-repo rules
    /// (`src/policy/admission.rs`).
    Policies,
    /// Applying suppressions, after every other check (`src/run/suppress.rs`).
    Suppressions,
    /// Reading kubevet's own configuration (not a rule of the table).
    Settings,
}

impl Stage {
    /// How a rule's doc page names the stage (`Severity: ... · Stage: <name>`).
    pub fn doc_name(self) -> &'static str {
        match self {
            Stage::Discovery => "discovery",
            Stage::Reading => "reading",
            Stage::Loading => "loading",
            Stage::Object => "object",
            Stage::Schema => "schema",
            Stage::Kustomize => "whole repository (kustomize)",
            Stage::Repo => "whole repository",
            Stage::Admission => "whole repository (admission)",
            Stage::Policies => "whole repository (admission policies)",
            Stage::Suppressions => "suppressions",
            Stage::Settings => "configuration",
        }
    }
}

/// The set a rule belongs to, by what its findings mean; `extends`, `select` and `ignore`
/// (and `--select`/`--ignore`) turn rules on and off by set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleSet {
    /// The API server or `kustomize build` rejects it, it certainly malfunctions, or kubevet
    /// could not read it: on by default.
    Correctness,
    /// Accepted, but likely wrong: on by default.
    Suspicious,
    /// Best practice for operating workloads (probes, resources, pinned images, TTLs): opt-in.
    Hygiene,
    /// Best practice for security (not running as root): opt-in.
    Hardening,
}

impl RuleSet {
    pub const ALL: &'static [RuleSet] = &[
        RuleSet::Correctness,
        RuleSet::Suspicious,
        RuleSet::Hygiene,
        RuleSet::Hardening,
    ];

    /// The sets that are on when a configuration does not say (`extends`).
    pub const DEFAULT: &'static [RuleSet] = &[RuleSet::Correctness, RuleSet::Suspicious];

    pub fn name(self) -> &'static str {
        match self {
            RuleSet::Correctness => "correctness",
            RuleSet::Suspicious => "suspicious",
            RuleSet::Hygiene => "hygiene",
            RuleSet::Hardening => "hardening",
        }
    }

    pub fn from_name(name: &str) -> Option<RuleSet> {
        RuleSet::ALL.iter().copied().find(|s| s.name() == name)
    }

    pub fn on_by_default(self) -> bool {
        RuleSet::DEFAULT.contains(&self)
    }
}

impl fmt::Display for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a rule is: its stable id, default severity, set, stage, one-line summary and doc page
/// (the rules of the table are made in [`crate::model::registry`]).
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub set: RuleSet,
    pub stage: Stage,
    /// A finding of this rule on an unrendered placeholder is reported as
    /// `unrendered-placeholder` instead (the rule checks a value's format).
    pub replaceable_by_placeholder: bool,
    pub summary: &'static str,
    /// The rule's page under `rules/`, compiled in for `kubevet explain`.
    pub doc: &'static str,
}

/// Rules are statics: two references are the same rule when their ids are.
impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.id == other.id
    }
}

impl Eq for Rule {}

impl Rule {
    pub fn doc_url(&self) -> String {
        format!("{}/{}.md", RULE_DOCS_BASE_URL, self.id)
    }
}

/// Index of a file in the report's file table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// 1-based line and column; the column counts characters, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A span together with its file and resolved positions, so it can be rendered after the file's
/// text is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
    pub start: Position,
    pub end: Position,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    /// Most labels (and helps) are fixed texts: borrowed, not copied into every finding.
    pub message: Cow<'static, str>,
}

/// The object a finding is about, as the JSON output names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion", skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub message: String,
    /// Where the problem is; its message (may be empty) labels the caret.
    pub primary: Label,
    /// Related places: "first defined here", "template labels".
    pub secondary: Vec<Label>,
    pub help: Option<Cow<'static, str>>,
    /// 0-based index of the document in its file.
    pub document: Option<u32>,
    /// Shared by every finding about the object (and the report's list of objects): not four
    /// strings copied into each.
    pub object: Option<std::sync::Arc<ObjectRef>>,
}

impl Diagnostic {
    pub fn new(rule: &'static Rule, location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
            severity: rule.severity,
            message: message.into(),
            primary: Label {
                location,
                message: Cow::Borrowed(""),
            },
            secondary: Vec::new(),
            help: None,
            document: None,
            object: None,
        }
    }

    pub fn with_label(mut self, message: impl Into<Cow<'static, str>>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    pub fn with_secondary(
        mut self,
        location: Location,
        message: impl Into<Cow<'static, str>>,
    ) -> Diagnostic {
        self.secondary.push(Label {
            location,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<Cow<'static, str>>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn file(&self) -> FileId {
        self.primary.location.file
    }

    /// The order findings are printed in: by file, then position, then rule.
    pub fn sort_key(&self) -> (FileId, Position, &'static str, &str) {
        (
            self.file(),
            self.primary.location.start,
            self.rule.id,
            &self.message,
        )
    }
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Files read and parsed.
    pub files: usize,
    pub documents: usize,
    /// Files deliberately not checked (Helm templates), each with an info finding saying why.
    pub skipped: usize,
    /// Files that could not be checked (unreadable, not UTF-8, over a limit), each with an error.
    pub failed: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings a suppression covered (not in the counts above).
    pub suppressed: usize,
    /// Files read only as context for the whole-repo checks (not in `files`).
    pub context_files: usize,
    /// The Kubernetes release the run checked against (`None` where nothing was checked, as
    /// when the configuration is invalid).
    #[serde(skip)]
    pub kubernetes_version: Option<crate::model::KubeVersion>,
}

impl Summary {
    pub fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}
