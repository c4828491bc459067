//! `.kubevet.yaml`: the settings a team keeps in its repository, and the [`Policy`] they compile
//! to (which files are checked, and each rule's severity, per path).
//!
//! The file is read with kubevet's own loader, so a mistake in it is reported like a mistake in
//! a manifest: at its line and column, with a snippet and help (and exit code 2). The JSON
//! Schema in `schemas/kubevet-config.schema.json` describes the same format for editors.

mod fail_on;
pub mod limits;
mod reader;
mod reader_rules;
pub mod selection;

pub use crate::discover::globs::PathGlobs;
use crate::discover::workspace::{absolute_from, current_dir};
use crate::index::units::UnitSettings;
use crate::load;
use crate::load::Limits;
use crate::load::tree::{Node, Style, Value};
use crate::model::KubeVersion;
use crate::model::diagnostic::{Diagnostic, FileId, Rule, RuleSet, Severity, Summary};
use crate::model::registry;
use crate::model::report::{FileEntry, Report};
use crate::model::source::SourceFile;
pub use fail_on::FailOn;
use limits::LimitSettings;
pub use reader::load;
pub use selection::{Selection, Selector, Selectors};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Findings about the configuration file itself (see [`registry::INVALID_CONFIG`]).
pub use crate::model::registry::INVALID_CONFIG;

const CONFIG_HELP: &str = "the format is described in the README (Configuration) and in schemas/kubevet-config.schema.json";

/// The keys of the top level, in the order the README documents them.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "kubernetesVersion",
    "strict",
    "failOn",
    "extends",
    "select",
    "ignore",
    "include",
    "exclude",
    "crds",
    "policies",
    "rules",
    "overrides",
    "limits",
    "applyUnits",
    "directoryUnits",
    "podSecurity",
];

/// The keys of `podSecurity`, and of its `exemptions`.
pub const POD_SECURITY_KEYS: &[&str] = &["level", "exemptions"];
pub const POD_SECURITY_EXEMPTION_KEYS: &[&str] = &["namespaces", "runtimeClasses"];

/// The keys of `limits`.
pub const LIMIT_KEYS: &[&str] = &[
    "maxFileSize",
    "maxDocuments",
    "maxDepth",
    "maxAliasNodes",
    "maxNodesPerDocument",
];

/// The keys of an entry of `overrides`.
pub const OVERRIDE_KEYS: &[&str] = &["files", "rules"];

/// The levels a rule can be set to.
pub const LEVELS: &[&str] = &["off", "info", "warning", "error"];

/// A rule's effective level: off, or on with a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// A configuration file, read and checked.
#[derive(Debug, Default)]
pub struct Config {
    /// The file, absolute.
    pub path: PathBuf,
    pub kubernetes_version: Option<KubeVersion>,
    pub strict: Option<bool>,
    pub fail_on: Option<FailOn>,
    /// CustomResourceDefinition files and directories, absolute.
    pub crds: Vec<PathBuf>,
    /// `policies:`: packs by name and policy files or directories (absolute).
    pub policies: Vec<crate::policy::admission::Source>,
    pub policy: Policy,
    /// `limits:`; flags win over each one.
    pub limits: LimitSettings,
    /// `podSecurity:`; `--pod-security` wins over its level.
    pub pod_security: crate::k8s::pod_security::Settings,
}

/// Why a configuration could not be used.
pub enum ConfigError {
    /// It could not be read at all.
    Unreadable(String),
    /// It was read and is wrong: the findings, ready to render (the report's only file is the
    /// configuration).
    Invalid(Box<Report>),
}

impl std::fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::Unreadable(message) => write!(f, "Unreadable({message:?})"),
            ConfigError::Invalid(report) => f
                .debug_list()
                .entries(report.diagnostics.iter().map(|d| &d.message))
                .finish(),
        }
    }
}

/// Rule levels, per rule id.
pub type RuleLevels = HashMap<&'static str, Level>;

/// What a configuration decides while checking: which files, and how severe each rule is where.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// The configuration's directory (absolute); globs are relative to it.
    root: Option<PathBuf>,
    include: Option<PathGlobs>,
    exclude: Option<PathGlobs>,
    rules: RuleLevels,
    overrides: Vec<(PathGlobs, RuleLevels)>,
    /// `extends`, `select` and `ignore`, and the flags `--select` and `--ignore`.
    selection: Selection,
    /// `applyUnits` and `directoryUnits`: which objects are applied together.
    units: UnitSettings,
    /// Which rules of [`registry::ALL`] are on in a file the overrides do not concern, worked
    /// out once.
    enabled: std::sync::OnceLock<Box<[bool]>>,
}

impl Policy {
    /// A policy relative to `root` (an absolute directory).
    pub fn new(root: PathBuf) -> Policy {
        Policy {
            units: UnitSettings {
                root: Some(root.clone()),
                ..UnitSettings::default()
            },
            root: Some(root),
            ..Policy::default()
        }
    }

    /// Which objects are applied together ([`crate::index::units`]).
    pub fn units(&self) -> &UnitSettings {
        &self.units
    }

    pub fn set_apply_units(&mut self, globs: PathGlobs) {
        self.units.declared = Some(globs);
    }

    pub fn set_directory_units(&mut self, on: bool) {
        self.units.directories = on;
    }

    pub fn set_include(&mut self, globs: PathGlobs) {
        self.include = Some(globs);
    }

    pub fn set_exclude(&mut self, globs: PathGlobs) {
        self.exclude = Some(globs);
    }

    pub fn set_rule(&mut self, rule: &'static str, level: Level) {
        self.rules.insert(rule, level);
        self.enabled = std::sync::OnceLock::new();
    }

    pub fn add_override(&mut self, files: PathGlobs, rules: RuleLevels) {
        self.overrides.push((files, rules));
    }

    /// The configuration's `extends`, `select` and `ignore`.
    pub fn set_selection(&mut self, extends: Option<Vec<RuleSet>>, config: Selectors) {
        self.selection.extends = extends;
        self.selection.config = config;
        self.enabled = std::sync::OnceLock::new();
    }

    /// `--select` and `--ignore`: they win over everything the configuration says.
    pub fn set_flags(&mut self, flags: Selectors) {
        self.selection.flags = flags;
        self.enabled = std::sync::OnceLock::new();
    }

    /// Whether a rule is on anywhere, as `kubevet rules` shows it: on by the selection or a
    /// level in `rules:`, or in the files of some override.
    pub fn is_on(&self, rule: &Rule) -> bool {
        self.level(rule, None) != Level::Off
            || self.selection.flag(rule) != Some(false)
                && self
                    .overrides
                    .iter()
                    .any(|(_, rules)| rules.get(rule.id).is_some_and(|&l| l != Level::Off))
    }

    /// Which rules of [`registry::ALL`] are on where no override applies, with a rule whose
    /// findings on a placeholder become `unrendered-placeholder` on while that rule is.
    pub fn enabled_rules(&self, path: Option<&Path>) -> std::borrow::Cow<'_, [bool]> {
        let compute = |path: Option<&Path>| -> Box<[bool]> {
            let on = |rule: &Rule| self.level(rule, path) != Level::Off;
            let placeholder_on = on(&registry::rule::unrendered_placeholder);
            registry::ALL
                .iter()
                .map(|rule| on(rule) || (rule.replaceable_by_placeholder && placeholder_on))
                .collect()
        };
        if path.is_some() && self.has_overrides() {
            std::borrow::Cow::Owned(compute(path).into_vec())
        } else {
            std::borrow::Cow::Borrowed(self.enabled.get_or_init(|| compute(None)))
        }
    }

    fn relative<'a>(&self, path: &'a Path) -> Option<&'a Path> {
        path.strip_prefix(self.root.as_deref()?).ok()
    }

    /// Whether a file (absolute path) is checked: it matches `include` (if given) and not
    /// `exclude`. Paths outside the configuration's directory are not filtered.
    pub fn selects(&self, path: &Path) -> bool {
        let Some(rel) = self.relative(path) else {
            return true;
        };
        if rel.as_os_str().is_empty() {
            return true;
        }
        self.include.as_ref().is_none_or(|g| g.matches(rel))
            && !self.exclude.as_ref().is_some_and(|g| g.matches(rel))
    }

    /// Whether a directory (absolute path) is excluded as a whole, so a walk need not enter it.
    pub fn excludes_dir(&self, path: &Path) -> bool {
        match (self.relative(path), &self.exclude) {
            (Some(rel), Some(g)) => !rel.as_os_str().is_empty() && g.matches(rel),
            _ => false,
        }
    }

    /// The file filters in force, for "nothing to check": `include: a, b; exclude: c`, or
    /// `no include or exclude`.
    pub fn describe_filters(&self) -> String {
        let list = |globs: &Option<PathGlobs>| {
            globs
                .as_ref()
                .map(|g| crate::model::text::code_list(g.patterns()))
        };
        match (list(&self.include), list(&self.exclude)) {
            (None, None) => "no include or exclude".to_owned(),
            (Some(i), None) => format!("include: {i}"),
            (None, Some(e)) => format!("exclude: {e}"),
            (Some(i), Some(e)) => format!("include: {i}; exclude: {e}"),
        }
    }

    /// Whether any file filter is set.
    pub fn filters_files(&self) -> bool {
        self.include.is_some() || self.exclude.is_some()
    }

    /// A rule's level in a file (absolute path; `None` when unknown): its default severity if
    /// the selection turns it on (else off), then `rules:`, then every matching entry of
    /// `overrides:` in order, then `--select`/`--ignore`.
    pub fn level(&self, rule: &Rule, path: Option<&Path>) -> Level {
        self.configured(rule, path)
            .unwrap_or(Level::On(rule.severity))
    }

    /// Whether [`Policy::configured`] depends on the file (there are `overrides`).
    pub fn has_overrides(&self) -> bool {
        !self.overrides.is_empty()
    }

    /// The level the configuration sets for a rule in a file, if it sets one (off, for a rule
    /// the selection leaves off). Without one, a finding keeps the severity its rule gave it
    /// (which may depend on the Kubernetes version).
    pub fn configured(&self, rule: &Rule, path: Option<&Path>) -> Option<Level> {
        let flag = self.selection.flag(rule);
        if flag == Some(false) {
            return Some(Level::Off);
        }
        let mut level = self.rules.get(rule.id).copied();
        if let Some(rel) = path.and_then(|p| self.relative(p)) {
            for (files, rules) in &self.overrides {
                if let Some(&l) = rules.get(rule.id)
                    && files.matches(rel)
                {
                    level = Some(l);
                }
            }
        }
        match (flag, level) {
            // Selected on the command line: on, with the severity the file gives it if any.
            (Some(true), Some(Level::Off)) => None,
            (Some(true), level) => level,
            (_, None) if !self.selection.configured_on(rule) => Some(Level::Off),
            (_, level) => level,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(patterns: &[&str]) -> PathGlobs {
        PathGlobs::new(patterns.iter().copied()).unwrap()
    }

    #[test]
    fn globs_follow_gitignore_conventions() {
        let g = globs(&["legacy/**"]);
        assert!(g.matches(Path::new("legacy/a.yaml")));
        assert!(g.matches(Path::new("legacy/deep/b.yaml")));
        assert!(!g.matches(Path::new("apps/legacy/a.yaml")));
        // A pattern without a slash matches at any depth; a directory covers its contents.
        let g = globs(&["testdata"]);
        assert!(g.matches(Path::new("apps/testdata/x.yaml")));
        assert!(g.matches(Path::new("testdata/x.yaml")));
        assert!(!g.matches(Path::new("apps/testdata2/x.yaml")));
        let g = globs(&["*.enc.yaml"]);
        assert!(g.matches(Path::new("secrets/db.enc.yaml")));
        // `*` does not cross directories; a leading `/` or `./` anchors.
        let g = globs(&["apps/*.yaml", "/top.yaml", "./dir/"]);
        assert!(g.matches(Path::new("apps/a.yaml")));
        assert!(!g.matches(Path::new("apps/x/a.yaml")));
        assert!(g.matches(Path::new("top.yaml")));
        assert!(!g.matches(Path::new("sub/top.yaml")));
        assert!(g.matches(Path::new("dir/x/y.yaml")));
    }

    #[test]
    fn bad_globs_are_explained() {
        assert!(PathGlobs::new(["[abc"]).unwrap_err().contains("unclosed"));
        assert!(
            PathGlobs::new([""])
                .unwrap_err()
                .contains("matches nothing")
        );
        assert!(PathGlobs::new(["../x"]).unwrap_err().contains("`..`"));
    }

    #[test]
    fn levels_apply_in_order() {
        let rule = registry::find("undeclared-namespace").unwrap();
        let mut policy = Policy::new(PathBuf::from("/repo"));
        assert_eq!(policy.level(rule, None), Level::On(Severity::Warning));
        policy.set_rule(rule.id, Level::On(Severity::Error));
        policy.add_override(globs(&["legacy/**"]), [(rule.id, Level::Off)].into());
        policy.add_override(
            globs(&["legacy/keep/**"]),
            [(rule.id, Level::On(Severity::Info))].into(),
        );
        let at = |p: &str| policy.level(rule, Some(Path::new(p)));
        assert_eq!(at("/repo/apps/a.yaml"), Level::On(Severity::Error));
        assert_eq!(at("/repo/legacy/a.yaml"), Level::Off);
        assert_eq!(at("/repo/legacy/keep/a.yaml"), Level::On(Severity::Info));
        // Outside the configuration's directory only the top-level rules apply.
        assert_eq!(at("/elsewhere/legacy/a.yaml"), Level::On(Severity::Error));
    }

    #[test]
    fn include_and_exclude_select_files() {
        let mut policy = Policy::new(PathBuf::from("/repo"));
        policy.set_include(globs(&["clusters/**", "apps/**"]));
        policy.set_exclude(globs(&["**/testdata/**", "vendor"]));
        assert!(policy.selects(Path::new("/repo/apps/web.yaml")));
        assert!(!policy.selects(Path::new("/repo/docs/example.yaml")));
        assert!(!policy.selects(Path::new("/repo/apps/testdata/x.yaml")));
        assert!(!policy.selects(Path::new("/repo/apps/vendor/x.yaml")));
        // Only a directory the globs match itself is skipped whole; the files of others are
        // filtered one by one (exact, whatever the glob).
        assert!(policy.excludes_dir(Path::new("/repo/apps/vendor")));
        assert!(!policy.excludes_dir(Path::new("/repo/apps/testdata")));
        assert!(!policy.excludes_dir(Path::new("/repo/apps")));
        assert!(policy.selects(Path::new("/other/x.yaml")));
    }
}
