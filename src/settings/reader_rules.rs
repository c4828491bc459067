//! The parts of `.kubevet.yaml` that name rules (`extends`, `select`, `ignore`, `rules`,
//! `overrides`' levels), read for [`super::reader`].

use super::reader::Reader;
use super::*;

impl Reader<'_> {
    /// `extends`: rule set names.
    pub(super) fn sets(&mut self, node: &Node) -> Vec<RuleSet> {
        let mut out = Vec::new();
        for (item, name) in self.strings("extends", node) {
            match RuleSet::from_name(name) {
                Some(set) => out.push(set),
                None => {
                    let message = match (
                        crate::model::registry::find(name),
                        crate::model::text::did_you_mean(
                            name,
                            RuleSet::ALL.iter().map(|s| s.name()),
                        ),
                    ) {
                        (Some(_), _) => format!(
                            "`{name}` is a rule, not a rule set; `select: [{name}]` turns it on"
                        ),
                        (None, Some(near)) => {
                            format!("unknown rule set `{name}`; did you mean `{near}`?")
                        }
                        (None, None) => format!("unknown rule set `{name}`"),
                    };
                    self.error(
                        item,
                        message,
                        format!("`extends` names rule sets: {}", selection::set_names()),
                    );
                }
            }
        }
        out
    }

    /// `select` or `ignore`: rule ids and set names.
    pub(super) fn selectors(&mut self, key: &str, node: &Node) -> Vec<Selector> {
        let mut out = Vec::new();
        for (item, name) in self.strings(key, node) {
            match Selector::parse(name) {
                Ok(selector) => out.push(selector),
                Err(message) => self.error(item, message, selection::selector_help()),
            }
        }
        out
    }

    pub(super) fn rule_levels(&mut self, key: &str, node: &Node) -> Vec<(&'static str, Level)> {
        if !node.is_map() {
            if !node.is_null() {
                self.type_error(
                    key,
                    node,
                    "a mapping of rule ids to levels (off, info, warning, error)",
                );
            }
            return Vec::new();
        }
        let mut out = Vec::new();
        for entry in node.entries() {
            let id = entry.key.key_string().unwrap_or_default().into_owned();
            let Some(rule) = registry::find(&id) else {
                let suggestion =
                    crate::model::text::did_you_mean(&id, registry::ALL.iter().map(|r| r.id))
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                self.error(
                    &entry.key,
                    format!("unknown rule `{id}`{suggestion}"),
                    "`kubevet rules` lists every rule id",
                );
                continue;
            };
            if let Some(level) = self.level(&id, &entry.value) {
                out.push((rule.id, level));
            }
        }
        out
    }

    fn level(&mut self, rule: &str, node: &Node) -> Option<Level> {
        let level = match &node.value {
            // `off` unquoted is the boolean false to YAML 1.1.
            Value::Bool(false) => Some(Level::Off),
            Value::Str(s) => match s.as_str() {
                "off" => Some(Level::Off),
                "info" => Some(Level::On(Severity::Info)),
                "warning" => Some(Level::On(Severity::Warning)),
                "error" => Some(Level::On(Severity::Error)),
                _ => None,
            },
            _ => None,
        };
        if level.is_none() {
            let written = self.file.slice(node.span).to_owned();
            let suggestion = crate::model::text::did_you_mean(&written, LEVELS.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            self.error(
                node,
                format!("`{written}` is not a level for `{rule}`{suggestion}"),
                "a rule's level is one of: off, info, warning, error",
            );
        }
        level
    }
}
