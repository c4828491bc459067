//! Reads `.kubevet.yaml` into [`Config`], reporting every problem at its node (as the
//! `invalid-config` finding) rather than stopping at the first.

use super::*;

/// Reads and checks a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let cwd = current_dir();
    let absolute = absolute_from(&cwd, path);
    // Never a FIFO or a device (they could block or never end); more than 64 MiB is not read.
    let text = match crate::discover::special::read_regular(path, 64 * 1024 * 1024) {
        Ok(bytes) if bytes.len() > 1024 * 1024 => {
            return Err(ConfigError::Unreadable(format!(
                "{}: a configuration file of {} bytes? (the limit is 1 MiB)",
                path.display(),
                bytes.len()
            )));
        }
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| ConfigError::Unreadable(format!("{}: not UTF-8", path.display())))?,
        Err(e) => {
            return Err(ConfigError::Unreadable(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let name = crate::discover::workspace::display_name(&absolute, &cwd);
    let file = SourceFile::new(FileId(0), name, text);
    let dir = absolute.parent().map_or(cwd, Path::to_path_buf);
    let mut reader = Reader {
        file: &file,
        dir: &dir,
        errors: Vec::new(),
    };
    let config = reader.read(absolute.clone());
    if reader.errors.is_empty() {
        return Ok(config);
    }
    let mut diagnostics = reader.errors;
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut summary = Summary::default();
    for d in &diagnostics {
        summary.count(d.severity);
    }
    let SourceFile { name, text, .. } = file;
    Err(ConfigError::Invalid(Box::new(Report {
        files: vec![FileEntry {
            name,
            text: Some(text),
            path: Some(absolute),
            ..FileEntry::default()
        }],
        diagnostics,
        summary,
        ..Report::default()
    })))
}

pub(super) struct Reader<'a> {
    pub(super) file: &'a SourceFile,
    pub(super) dir: &'a Path,
    pub(super) errors: Vec<Diagnostic>,
}

impl Reader<'_> {
    pub(super) fn error(
        &mut self,
        node: &Node,
        message: impl Into<String>,
        help: impl Into<std::borrow::Cow<'static, str>>,
    ) {
        self.errors.push(
            Diagnostic::new(&INVALID_CONFIG, self.file.location(node.span), message)
                .with_help(help),
        );
    }

    pub(super) fn type_error(&mut self, key: &str, node: &Node, expected: &str) {
        let found = node.a_type_name();
        self.error(
            node,
            format!("`{key}` must be {expected}, not {found}"),
            CONFIG_HELP,
        );
    }

    fn read(&mut self, path: PathBuf) -> Config {
        let mut config = Config {
            path,
            policy: Policy::new(self.dir.to_path_buf()),
            ..Config::default()
        };
        // The configuration's own `limits` apply to what is checked, not to itself (it is read
        // before them, and is at most 1 MiB).
        let loaded = load::load(self.file, &Limits::default());
        for d in loaded.diagnostics {
            self.errors.push(about_the_configuration(d));
        }
        let mut documents = loaded.documents.iter();
        let Some(root) = documents.next().map(|d| &d.root) else {
            return config; // An empty file (or only comments): the defaults.
        };
        if let Some(extra) = documents.next() {
            self.error(
                &extra.root,
                "a configuration file has one YAML document; this is a second one",
                "remove the `---` and merge the settings into the first document",
            );
        }
        if !root.is_map() {
            self.type_error("the configuration", root, "a mapping of settings");
            return config;
        }
        let (mut extends, mut selectors) = (None, Selectors::default());
        for entry in root.entries() {
            let key = entry.key.key_string().unwrap_or_default().into_owned();
            let value = &entry.value;
            match key.as_str() {
                "extends" => extends = Some(self.sets(value)),
                "select" => selectors.select = self.selectors(&key, value),
                "ignore" => selectors.ignore = self.selectors(&key, value),
                "kubernetesVersion" => config.kubernetes_version = self.version(value),
                "strict" => config.strict = self.boolean(&key, value),
                "failOn" => config.fail_on = self.fail_on(value),
                "include" => {
                    if let Some(globs) = self.globs(&key, value) {
                        config.policy.set_include(globs);
                    }
                }
                "exclude" => {
                    if let Some(globs) = self.globs(&key, value) {
                        config.policy.set_exclude(globs);
                    }
                }
                "crds" => config.crds = self.crds(value),
                "policies" => config.policies = self.policies(value),
                "rules" => {
                    for (rule, level) in self.rule_levels(&key, value) {
                        config.policy.set_rule(rule, level);
                    }
                }
                "overrides" => self.overrides(value, &mut config.policy),
                "applyUnits" => {
                    if let Some(globs) = self.globs(&key, value) {
                        config.policy.set_apply_units(globs);
                    }
                }
                "directoryUnits" => {
                    if let Some(on) = self.boolean(&key, value) {
                        config.policy.set_directory_units(on);
                    }
                }
                "limits" => config.limits = self.limits(value),
                "podSecurity" => config.pod_security = self.pod_security(value),
                // Editors that read JSON Schema from the document itself.
                "$schema" => {}
                _ => self.unknown_key(&entry.key, &key, TOP_LEVEL_KEYS),
            }
        }
        config.policy.set_selection(extends, selectors);
        config
    }

    fn unknown_key(&mut self, node: &Node, key: &str, known: &[&'static str]) {
        let suggestion = crate::model::text::did_you_mean(key, known.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        self.error(
            node,
            format!("unknown key `{key}`{suggestion}"),
            format!("the keys here are: {}", known.join(", ")),
        );
    }

    /// The text a plain scalar was written as: `1.30` is the float 1.3 to YAML, but a version
    /// to the user.
    fn written<'n>(&self, node: &'n Node) -> Option<std::borrow::Cow<'n, str>> {
        match &node.value {
            Value::Str(s) => Some(std::borrow::Cow::Borrowed(s)),
            Value::Int(_) | Value::Float(_) if node.style == Style::Plain => Some(
                std::borrow::Cow::Owned(self.file.slice(node.span).to_owned()),
            ),
            _ => None,
        }
    }

    fn version(&mut self, node: &Node) -> Option<KubeVersion> {
        let Some(text) = self.written(node) else {
            self.type_error("kubernetesVersion", node, "a version such as \"1.33\"");
            return None;
        };
        match KubeVersion::parse(&text) {
            Ok(v) => Some(v),
            Err(message) => {
                self.error(
                    node,
                    message,
                    "write the version as MAJOR.MINOR, e.g. \"1.33\"",
                );
                None
            }
        }
    }

    fn boolean(&mut self, key: &str, node: &Node) -> Option<bool> {
        let b = node.as_bool();
        if b.is_none() {
            self.type_error(key, node, "true or false");
        }
        b
    }

    fn fail_on(&mut self, node: &Node) -> Option<FailOn> {
        let value = node.as_str().map(str::to_owned);
        let parsed = value.as_deref().and_then(FailOn::from_name);
        if parsed.is_none() {
            let names = fail_on_names();
            let what = match value {
                Some(v) => format!("`failOn` must be one of {names}, not `{v}`"),
                None => format!(
                    "`failOn` must be one of {names}, not {}",
                    node.a_type_name()
                ),
            };
            self.error(node, what, CONFIG_HELP);
        }
        parsed
    }

    pub(super) fn strings<'n>(&mut self, key: &str, node: &'n Node) -> Vec<(&'n Node, &'n str)> {
        let Some(items) = node.as_seq() else {
            self.type_error(key, node, "a list of strings");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match item.as_str() {
                Some(s) => out.push((item, s)),
                None => self.type_error(&format!("each entry of `{key}`"), item, "a string"),
            }
        }
        out
    }

    fn globs(&mut self, key: &str, node: &Node) -> Option<PathGlobs> {
        let patterns = self.strings(key, node);
        let mut ok = true;
        for (item, pattern) in &patterns {
            if let Err(message) = PathGlobs::new([*pattern]) {
                self.error(
                    item,
                    message,
                    "globs are relative to the configuration's directory: `legacy/**`, `**/*.generated.yaml`",
                );
                ok = false;
            }
        }
        if !ok || patterns.len() != node.as_seq().map_or(0, <[Node]>::len) {
            return None;
        }
        PathGlobs::new(patterns.iter().map(|(_, p)| *p)).ok()
    }

    fn crds(&mut self, node: &Node) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for (item, entry) in self.strings("crds", node) {
            let path = absolute_from(self.dir, Path::new(entry));
            if std::fs::symlink_metadata(&path).is_err() {
                self.error(
                    item,
                    format!("`{entry}` does not exist"),
                    "`crds` paths are files or directories of CustomResourceDefinitions, relative to the configuration's directory",
                );
            } else {
                out.push(path);
            }
        }
        out
    }

    fn policies(&mut self, node: &Node) -> Vec<crate::policy::admission::Source> {
        use crate::policy::admission::{Source, pack};
        let mut out = Vec::new();
        for (item, entry) in self.strings("policies", node) {
            if let Some(name) = pack(entry) {
                out.push(Source::Pack(name));
                continue;
            }
            let path = absolute_from(self.dir, Path::new(entry));
            if std::fs::symlink_metadata(&path).is_err() {
                self.error(
                    item,
                    format!("`{entry}` is neither a policy of the pack nor a path that exists"),
                    "`policies` names policies of kubevet's pack (required-labels, allowed-registries, no-latest-tag, resource-limits, replica-bounds) or files and directories of ValidatingAdmissionPolicies, relative to the configuration's directory",
                );
            } else {
                out.push(Source::Path(path));
            }
        }
        out
    }

    fn overrides(&mut self, node: &Node, policy: &mut Policy) {
        let Some(items) = node.as_seq() else {
            self.type_error(
                "overrides",
                node,
                "a list of {files: [...], rules: {...}} entries",
            );
            return;
        };
        for item in items {
            if !item.is_map() {
                self.type_error(
                    "each entry of `overrides`",
                    item,
                    "a mapping with `files` and `rules`",
                );
                continue;
            }
            let mut files = None;
            let mut levels = Vec::new();
            for entry in item.entries() {
                let key = entry.key.key_string().unwrap_or_default().into_owned();
                match key.as_str() {
                    "files" => {
                        if entry.value.as_seq().is_some_and(<[Node]>::is_empty) {
                            self.error(
                                &entry.value,
                                "`files` is empty, so this override applies nowhere",
                                "list the globs of the files it is for, e.g. [\"legacy/**\"]",
                            );
                        } else {
                            files = self.globs("files", &entry.value);
                        }
                    }
                    "rules" => levels = self.rule_levels("rules", &entry.value),
                    _ => self.unknown_key(&entry.key, &key, OVERRIDE_KEYS),
                }
            }
            if item.get("files").is_none() {
                self.error(
                    item,
                    "an override needs `files`: the globs of the files it applies to",
                    "e.g. {files: [\"legacy/**\"], rules: {invalid-label-value: warning}}",
                );
            }
            if let Some(files) = files {
                policy.add_override(files, levels.into_iter().collect());
            }
        }
    }

    /// `podSecurity: {level, exemptions: {namespaces, runtimeClasses}}`, as the cluster's
    /// PodSecurity admission configuration has them (`defaults`, `exemptions`).
    fn pod_security(&mut self, node: &Node) -> crate::k8s::pod_security::Settings {
        use crate::k8s::pod_security::Level as PsLevel;
        let mut settings = crate::k8s::pod_security::Settings::default();
        if !node.is_map() {
            if !node.is_null() {
                self.type_error("podSecurity", node, "a mapping (level, exemptions)");
            }
            return settings;
        }
        for entry in node.entries() {
            let key = entry.key.key_string().unwrap_or_default().into_owned();
            let value = &entry.value;
            match key.as_str() {
                "level" => match value.as_str().map(|s| (s, PsLevel::parse(s))) {
                    Some((_, Some(level))) => settings.level = Some(level),
                    Some((text, None)) => self.error(
                        value,
                        format!("unknown Pod Security level `{text}`"),
                        "the levels are privileged, baseline and restricted",
                    ),
                    None => self.type_error("level", value, "a level (baseline, restricted)"),
                },
                "exemptions" if value.is_map() => {
                    for e in value.entries() {
                        let key = e.key.key_string().unwrap_or_default().into_owned();
                        let names = |this: &mut Self| -> Vec<String> {
                            this.strings(&key, &e.value)
                                .into_iter()
                                .map(|(_, s)| s.to_owned())
                                .collect()
                        };
                        match key.as_str() {
                            "namespaces" => settings.exempt_namespaces = names(self),
                            "runtimeClasses" => settings.exempt_runtime_classes = names(self),
                            _ => self.unknown_key(&e.key, &key, POD_SECURITY_EXEMPTION_KEYS),
                        }
                    }
                }
                "exemptions" => {
                    if !value.is_null() {
                        self.type_error(
                            "exemptions",
                            value,
                            "a mapping (namespaces, runtimeClasses)",
                        );
                    }
                }
                _ => self.unknown_key(&entry.key, &key, POD_SECURITY_KEYS),
            }
        }
        settings
    }

    fn limits(&mut self, node: &Node) -> LimitSettings {
        let mut limits = LimitSettings::default();
        if !node.is_map() {
            if !node.is_null() {
                self.type_error(
                    "limits",
                    node,
                    &format!("a mapping of limits ({})", LIMIT_KEYS.join(", ")),
                );
            }
            return limits;
        }
        let defaults = Limits::default();
        for entry in node.entries() {
            let key = entry.key.key_string().unwrap_or_default().into_owned();
            let value = &entry.value;
            match key.as_str() {
                "maxFileSize" => limits.max_file_bytes = self.size(value),
                "maxDocuments" => {
                    limits.max_documents =
                        self.count(&key, value, Limits::MAX_COUNT, defaults.max_documents);
                }
                "maxDepth" => {
                    limits.max_depth =
                        self.count(&key, value, Limits::MAX_DEPTH, defaults.max_depth);
                }
                "maxAliasNodes" => {
                    limits.max_alias_nodes =
                        self.count(&key, value, Limits::MAX_COUNT, defaults.max_alias_nodes);
                }
                "maxNodesPerDocument" => {
                    limits.max_nodes_per_document = self.count(
                        &key,
                        value,
                        Limits::MAX_COUNT,
                        defaults.max_nodes_per_document,
                    );
                }
                _ => self.unknown_key(&entry.key, &key, LIMIT_KEYS),
            }
        }
        limits
    }

    /// A scalar as written (`` `0` ``), else its type (`a mapping`), for messages.
    fn shown(&self, node: &Node) -> String {
        let written = self.file.slice(node.span);
        match node.value {
            Value::Seq(_) | Value::Map(_) | Value::Null => node.a_type_name(),
            _ if written.is_empty() || written.contains('\n') => node.a_type_name(),
            _ => format!("`{written}`"),
        }
    }

    /// `maxFileSize`: bytes as an integer, or a string such as `64MiB`.
    fn size(&mut self, node: &Node) -> Option<u64> {
        let parsed = match &node.value {
            Value::Int(i) => u64::try_from(*i)
                .ok()
                .filter(|b| (1..=Limits::MAX_FILE_BYTES).contains(b)),
            Value::Str(s) => limits::parse_size(s),
            _ => None,
        };
        if parsed.is_none() {
            let written = self.shown(node);
            self.error(
                node,
                format!(
                    "`limits.maxFileSize` must be {}, not {written}",
                    limits::SIZE_SYNTAX
                ),
                format!(
                    "KiB, MiB and GiB are powers of 1024; the default is {}",
                    limits::format_size(Limits::default().max_file_bytes)
                ),
            );
        }
        parsed
    }

    /// A count or depth: an integer from 1 to `max`.
    fn count(&mut self, key: &str, node: &Node, max: usize, default: usize) -> Option<usize> {
        let parsed = match node.value {
            Value::Int(i) => limits::check_count(i, max),
            _ => None,
        };
        if parsed.is_none() {
            let written = self.shown(node);
            let help = if key == "maxDepth" {
                format!(
                    "the default is {default}; the YAML parser cannot nest flow collections 256 levels deep, so kubevet's limit stops at {max}"
                )
            } else {
                format!("the default is {default}")
            };
            self.error(
                node,
                format!("`limits.{key}` must be a whole number from 1 to {max}, not {written}"),
                help,
            );
        }
        parsed
    }
}

fn fail_on_names() -> String {
    FailOn::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A problem the YAML loader found, worded for kubevet's configuration rather than for a
/// manifest kubectl reads (no "kubectl keeps only this one", no "the other documents were
/// checked"): an `invalid-config` error, like every other problem of the file.
fn about_the_configuration(mut d: Diagnostic) -> Diagnostic {
    let reword = |text: &str| -> String {
        text.replace("; the other documents were still checked", "")
            .replace(
                "kubectl silently keeps only this one",
                "a setting may be given once",
            )
            .replace(
                "kubectl cannot parse this document",
                "kubevet cannot read its configuration: correct the YAML syntax here",
            )
            .replace(
                "kubectl cannot read this document",
                "kubevet cannot read its configuration",
            )
            .replace("kubectl", "kubevet")
    };
    d.message = reword(&d.message);
    d.help = d.help.map(|h| std::borrow::Cow::Owned(reword(&h)));
    for label in &mut d.secondary {
        if label.message.contains("ignored") {
            label.message = std::borrow::Cow::Borrowed("first given here");
        }
    }
    d.rule = &INVALID_CONFIG;
    d.severity = Severity::Error;
    d
}
