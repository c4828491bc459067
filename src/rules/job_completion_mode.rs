//! `job-completion-mode`: what Indexed Jobs need and what only they may use (reference §4
//! JOB-INDEXED-COMPLETIONS, JOB-INDEXED-PARALLELISM, JOB-BLPI-INDEXED, JOB-MFI-NEEDS-BLPI,
//! JOB-SUCCESSPOLICY, §1.1 META-NAME-JOB-INDEXED).

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::validate;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::workload;

pub use crate::model::rule::job_completion_mode as RULE;

const INDEXED_MAX: i64 = 100_000;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(job) = workload::job_spec(object) else {
        return;
    };
    let spec = &job.spec;
    let mode = spec.child("completionMode");
    let indexed = mode.as_ref().and_then(|f| f.str()) == Some("Indexed");
    let set = |key: &str| spec.child(key).filter(|f| !f.is_null());
    let completions = set("completions");
    let parallelism = set("parallelism");
    let per_index = set("backoffLimitPerIndex");
    let max_failed = set("maxFailedIndexes");
    if cx.is_partial() {
        return; // the mode and counts may come from the base
    }

    // A Job with neither completions nor parallelism gets 1 of each (SetDefaults_Job); a
    // CronJob's jobTemplate is not defaulted that way.
    let defaulted_completions = !job.in_cronjob && completions.is_none() && parallelism.is_none();
    let completion_count = match &completions {
        Some(f) => f.int(),
        None if defaulted_completions => Some(1),
        None => None,
    };
    if indexed {
        let mode = mode.as_ref().expect("indexed has a completionMode");
        if completions.is_none() && !defaulted_completions {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(mode.node.span),
                    apimachinery::required(
                        &format!("{}.completions", spec.path),
                        "when completion mode is Indexed",
                    ),
                )
                .with_label("Indexed without completions")
                .with_help(
                    "an Indexed Job runs one pod per index 0..completions-1: set `completions`",
                ),
            );
        }
        if let Some(p) = parallelism
            .as_ref()
            .filter(|p| p.int().is_some_and(|n| n > INDEXED_MAX))
        {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(p.node.span),
                    apimachinery::invalid(
                        &p.path,
                        &p.int().unwrap_or_default().to_string(),
                        &format!("must be less than or equal to {INDEXED_MAX} when completion mode is Indexed"),
                    ),
                )
                .with_label("too many for an Indexed Job")
                .with_help(format!("Indexed Jobs allow a parallelism of at most {INDEXED_MAX}")),
            );
        }
        if let (Some(m), Some(c)) = (
            max_failed.as_ref().and_then(|f| Some((f, f.int()?))),
            completion_count,
        ) && m.1 > c
        {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(m.0.node.span),
                    apimachinery::invalid(
                        &m.0.path,
                        &m.1.to_string(),
                        "must be less than or equal to completions",
                    ),
                )
                .with_label("more than completions")
                .with_help(
                    "maxFailedIndexes counts failed indexes, so it cannot exceed `completions`",
                ),
            );
        }
        check_hostname(object, cx, job.in_cronjob, completion_count);
    } else {
        let why = "requires indexed completion mode";
        for field in [&per_index, &max_failed, &set("successPolicy")]
            .into_iter()
            .flatten()
        {
            let value = match field.int() {
                Some(n) => n.to_string(),
                None => field.node.to_json().to_string(),
            };
            cx.report(
                Diagnostic::new(&RULE, cx.loc(field.key), apimachinery::invalid(&field.path, &value, why))
                    .with_label("only for Indexed Jobs")
                    .with_help(format!(
                        "`{}` works per index: set `completionMode: Indexed` (and `completions`) or remove it",
                        field.path.rsplit('.').next().unwrap_or_default()
                    )),
            );
        }
    }
    if let (Some(m), None) = (&max_failed, &per_index) {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(m.key),
                apimachinery::required(
                    &format!("{}.backoffLimitPerIndex", spec.path),
                    "when maxFailedIndexes is specified",
                ),
            )
            .with_label("maxFailedIndexes without backoffLimitPerIndex")
            .with_help("maxFailedIndexes only applies with a per-index backoff: set `backoffLimitPerIndex`"),
        );
    }
}

/// Each pod of an Indexed Job is named and hostnamed `<job name>-<index>`, a DNS label.
fn check_hostname(
    object: &Object<'_>,
    cx: &mut Context<'_>,
    in_cronjob: bool,
    completions: Option<i64>,
) {
    if in_cronjob {
        return; // the Job's name is generated
    }
    let (Some(completions), Some(field)) = (
        completions.filter(|c| *c > 0),
        workload::root(object).at(&["metadata", "name"]),
    ) else {
        return;
    };
    let Some(name) = field.str() else {
        return;
    };
    let hostname = format!("{name}-{}", completions - 1);
    if validate::dns1123_label(&hostname).is_empty()
        || !validate::dns1123_subdomain(name).is_empty()
    {
        return;
    }
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(field.node.span),
            apimachinery::invalid(
                "metadata.name",
                &go_quote(name),
                &format!("will not able to create pod with invalid DNS label: {hostname}"),
            ),
        )
        .with_label("too long for the pods' hostnames")
        .with_help("an Indexed Job's pods get the hostname `<job name>-<index>`, a DNS label of at most 63 lower-case letters, digits and '-'; shorten the name"),
    );
}
