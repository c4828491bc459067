//! Which rules are on: rule sets (`extends`), and `select`/`ignore` of rule ids and set names,
//! in `.kubevet.yaml` and on the command line.
//!
//! Precedence, for each rule (as in ruff):
//! 1. the command line's `--ignore`/`--select`, then the file's `ignore`/`select`: within each, a
//!    rule named by its id wins over its set (`select: [latest-tag]` with `ignore: [hygiene]`
//!    turns on `latest-tag` alone), and at the same level `ignore` wins over `select`;
//! 2. otherwise the rule is on when `extends` names its set (default: correctness, suspicious).
//!
//! A level in `rules:` or `overrides:` (`info`, `warning`, `error`) turns a rule on where it
//! applies, `off` turns it off; only the command line wins over those.

use crate::model::diagnostic::{Rule, RuleSet};
use crate::model::registry;

/// A rule or a set of rules, as `select`, `ignore` and the flags name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selector {
    Rule(&'static Rule),
    Set(RuleSet),
}

impl Selector {
    /// A rule id or a set name; else the message, with a did-you-mean.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let text = text.trim();
        if let Some(set) = RuleSet::from_name(text) {
            return Ok(Selector::Set(set));
        }
        if let Some(rule) = registry::find(text) {
            return Ok(Selector::Rule(rule));
        }
        let names = RuleSet::ALL
            .iter()
            .map(|s| s.name())
            .chain(registry::ALL.iter().map(|r| r.id));
        let suggestion = crate::model::text::did_you_mean(text, names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        Err(format!("unknown rule or rule set `{text}`{suggestion}"))
    }

    pub fn name(self) -> &'static str {
        match self {
            Selector::Rule(rule) => rule.id,
            Selector::Set(set) => set.name(),
        }
    }
}

/// What `select` and `ignore` take, for help texts.
pub fn selector_help() -> String {
    format!(
        "name rule ids or the rule sets {}; `kubevet rules` lists every rule and its set",
        set_names()
    )
}

/// "correctness, suspicious, hygiene and hardening".
pub fn set_names() -> String {
    let names: Vec<String> = RuleSet::ALL.iter().map(|s| s.name().to_owned()).collect();
    crate::model::text::join_and(&names)
}

/// One layer of `select` and `ignore` (the file's, or the command line's).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selectors {
    pub select: Vec<Selector>,
    pub ignore: Vec<Selector>,
}

impl Selectors {
    pub fn is_empty(&self) -> bool {
        self.select.is_empty() && self.ignore.is_empty()
    }

    /// What this layer says of a rule: on (`Some(true)`), off (`Some(false)`), or nothing.
    pub fn decide(&self, rule: &Rule) -> Option<bool> {
        let by_id = |list: &[Selector]| {
            list.iter()
                .any(|s| matches!(s, Selector::Rule(r) if r.id == rule.id))
        };
        let by_set = |list: &[Selector]| list.contains(&Selector::Set(rule.set));
        if by_id(&self.ignore) {
            Some(false)
        } else if by_id(&self.select) {
            Some(true)
        } else if by_set(&self.ignore) {
            Some(false)
        } else if by_set(&self.select) {
            Some(true)
        } else {
            None
        }
    }
}

/// The whole selection: `extends`, then the file's `select`/`ignore`, then the command line's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// `extends`; `None` is the default sets ([`RuleSet::DEFAULT`]).
    pub extends: Option<Vec<RuleSet>>,
    pub config: Selectors,
    pub flags: Selectors,
}

impl Selection {
    /// Whether the sets and the file's `select`/`ignore` turn a rule on (the command line
    /// aside: see [`Selection::flag`]).
    pub fn configured_on(&self, rule: &Rule) -> bool {
        self.config
            .decide(rule)
            .unwrap_or_else(|| match &self.extends {
                Some(sets) => sets.contains(&rule.set),
                None => rule.set.on_by_default(),
            })
    }

    /// What `--select`/`--ignore` say of a rule, if anything.
    pub fn flag(&self, rule: &Rule) -> Option<bool> {
        if self.flags.is_empty() {
            return None;
        }
        self.flags.decide(rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::registry::rule;

    fn parse(names: &[&str]) -> Vec<Selector> {
        names.iter().map(|n| Selector::parse(n).unwrap()).collect()
    }

    #[test]
    fn defaults_are_correctness_and_suspicious() {
        let s = Selection::default();
        assert!(s.configured_on(&rule::invalid_name));
        assert!(s.configured_on(&rule::service_selects_nothing));
        assert!(!s.configured_on(&rule::missing_probes));
        assert!(!s.configured_on(&rule::run_as_non_root));
        assert!(!s.configured_on(&rule::latest_tag));
    }

    #[test]
    fn ids_win_over_sets_and_ignore_wins_at_the_same_level() {
        let s = Selection {
            config: Selectors {
                select: parse(&["hygiene", "run-as-non-root"]),
                ignore: parse(&["missing-probes", "hardening"]),
            },
            ..Selection::default()
        };
        assert!(s.configured_on(&rule::missing_resources));
        assert!(!s.configured_on(&rule::missing_probes));
        assert!(s.configured_on(&rule::run_as_non_root));
        let s = Selection {
            extends: Some(vec![RuleSet::Correctness]),
            config: Selectors {
                select: parse(&["hygiene"]),
                ignore: parse(&["hygiene"]),
            },
            ..Selection::default()
        };
        assert!(!s.configured_on(&rule::latest_tag));
        assert!(!s.configured_on(&rule::service_selects_nothing));
        assert!(s.configured_on(&rule::invalid_name));
    }

    #[test]
    fn unknown_names_suggest_the_nearest() {
        assert!(
            Selector::parse("hardning")
                .unwrap_err()
                .contains("did you mean `hardening`?")
        );
        assert!(
            Selector::parse("latset-tag")
                .unwrap_err()
                .contains("did you mean `latest-tag`?")
        );
        assert_eq!(
            Selector::parse(" hygiene").unwrap(),
            Selector::Set(RuleSet::Hygiene)
        );
    }
}
