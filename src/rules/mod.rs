//! The per-object and whole-repo rules: one file a rule (`src/rules/<module>.rs`), each listed
//! once in the rule table ([`crate::model::registry`]), which generates the module list and the
//! dispatch below. A rule's doc page is `rules/<id>.md` at the repository root. Rules whose
//! stage is another (loading, schema, ...) report from that stage's code and have no file here.

use crate::check::Context;
use crate::index::Index;
use crate::k8s::object::Object;
use crate::model::diagnostic::Diagnostic;
use crate::model::registry::{self, for_each_rule};

pub use registry::{ALL, find};

/// A rule's module, for the stages that have one.
macro_rules! rule_module {
    (Object $module:ident) => {
        pub mod $module;
    };
    (Repo $module:ident) => {
        pub mod $module;
    };
    ($stage:ident $module:ident) => {};
}

/// Runs a per-object rule if it is enabled (`$i` is its index in [`ALL`]).
macro_rules! object_check {
    (Object $module:ident $object:ident $cx:ident $enabled:ident $i:ident) => {
        if $enabled.is_none_or(|on| on[$i]) {
            $module::check($object, $cx);
        }
    };
    ($stage:ident $module:ident $object:ident $cx:ident $enabled:ident $i:ident) => {};
}

/// Adds a whole-repo rule to the list.
macro_rules! repo_check {
    (Repo $module:ident $list:ident) => {
        $list.push($module::check_repo as RepoRule);
    };
    ($stage:ident $module:ident $list:ident) => {};
}

macro_rules! dispatch {
    ($($module:ident: $id:literal, $severity:ident, $set:ident, $stage:ident $([$flag:ident])?, $summary:literal;)*) => {
        $( rule_module!($stage $module); )*

        /// Runs every per-object rule that is enabled (`enabled[i]` for the rule `ALL[i]`;
        /// `None`: every rule), in the table's order, `unrendered-placeholder` first: its own
        /// finding on a placeholder claims the token before another rule's finding is turned
        /// into one ([`crate::check::placeholder`]).
        pub fn check_object(object: &Object<'_>, cx: &mut Context<'_>, enabled: Option<&[bool]>) {
            let placeholder = registry::index_of(&registry::rule::unrendered_placeholder);
            if enabled.is_none_or(|on| placeholder.is_none_or(|i| on[i])) {
                unrendered_placeholder::check(object, cx);
            }
            let mut i = 0;
            $(
                if stringify!($module) != "unrendered_placeholder" {
                    object_check!($stage $module object cx enabled i);
                }
                i += 1;
            )*
            let _ = i;
        }

        /// The whole-repo rules, in the table's order.
        #[allow(clippy::vec_init_then_push)]
        fn repo_rules() -> Vec<RepoRule> {
            let mut list = Vec::new();
            $( repo_check!($stage $module list); )*
            list
        }
    };
}

type RepoRule = fn(&Repo<'_>, &mut Vec<Diagnostic>);

/// What a whole-repo rule reads: the index, and the digests of objects as written, made when
/// asked ([`crate::index::digests`]).
pub struct Repo<'a> {
    pub index: &'a Index,
    pub digests: &'a crate::index::digests::Digests<'a>,
}

// Stage `Admission`: needs the run's settings and the files' texts (`src/run/finish.rs`).
pub mod pod_security;

for_each_rule!(dispatch);

/// Runs every cross-object rule over the repository index, in parallel: they only read the
/// index, and this stage runs after the per-file work, so it is all of a run's wall time then.
/// The findings come out in the rules' order, whatever the scheduling.
pub fn check_repo(repo: &Repo<'_>, out: &mut Vec<Diagnostic>) {
    use rayon::prelude::*;
    let found: Vec<Vec<Diagnostic>> = repo_rules()
        .par_iter()
        .map(|rule| {
            let mut found = Vec::new();
            rule(repo, &mut found);
            found
        })
        .collect();
    out.extend(found.into_iter().flatten());
}

/// Whether a whole-repo rule reports only on [`Index::subjects`]: its findings about an object
/// depend only on the objects in its namespace, on cluster-scoped objects, and (for a
/// Service's selector) on the workloads it selects anywhere. The language server re-runs such
/// a rule for the namespaces an edit touches; the others run on everything.
pub fn scoped(rule: &crate::model::diagnostic::Rule) -> bool {
    [
        &duplicate_object::RULE,
        &missing_reference::RULE,
        &service_selects_nothing::RULE,
        &service_target_port::RULE,
        &undeclared_namespace::RULE,
    ]
    .iter()
    .any(|r| r.id == rule.id)
}

/// Groups references by what they name, so that one missing thing is one finding however many
/// references name it: each group's references sorted by location, the same location once (a
/// base included by several builds), and the groups in the order of their first reference.
pub(crate) fn group_references<K, T>(
    references: impl IntoIterator<Item = (K, crate::model::diagnostic::Location, T)>,
) -> Vec<(K, Vec<(crate::model::diagnostic::Location, T)>)>
where
    K: std::hash::Hash + Eq,
{
    let mut groups: foldhash::HashMap<K, Vec<(crate::model::diagnostic::Location, T)>> =
        foldhash::HashMap::default();
    for (key, location, item) in references {
        groups.entry(key).or_default().push((location, item));
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    for (_, refs) in &mut groups {
        refs.sort_by_key(|(location, _)| *location);
        refs.dedup_by_key(|(location, _)| *location);
    }
    groups.sort_by_key(|(_, refs)| refs[0].0);
    groups
}

/// Adds the references after the first as related locations.
pub(crate) fn with_other_references<T>(
    mut diagnostic: Diagnostic,
    references: &[(crate::model::diagnostic::Location, T)],
) -> Diagnostic {
    for (location, _) in references.iter().skip(1) {
        diagnostic = diagnostic.with_secondary(*location, "also referenced here");
    }
    diagnostic
}

/// ` (N references)` after a message when there is more than one.
pub(crate) fn reference_count<T>(references: &[T]) -> String {
    match references.len() {
        0 | 1 => String::new(),
        n => format!(" ({n} references)"),
    }
}
