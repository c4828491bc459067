//! `job-pod-failure-policy`: a Job's `podFailurePolicy` (reference §4 JOB-PFP-RESTART,
//! JOB-PFP-RULES, JOB-PFP-EXITCODES, JOB-PFP-CONDS, JOB-PRP): it needs `restartPolicy: Never`,
//! each rule has one action and exactly one of onExitCodes / onPodConditions, exit codes are
//! sorted and unique, and container names exist. A pod condition pattern's `status` defaults to
//! True, but in a CronJob's jobTemplate only from Kubernetes 1.34 (kubernetes/kubernetes#131525):
//! before, it is required there.

use crate::k8s::apimachinery;
use crate::k8s::pod;
use crate::model::KubeVersion;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::validate;
use crate::k8s::apimachinery::{enum_help, go_quote};
use crate::k8s::field::Field;
use crate::k8s::workload;

pub use crate::model::rule::job_pod_failure_policy as RULE;

const ACTIONS: &[&str] = &["Count", "FailIndex", "FailJob", "Ignore"];
const MAX_RULES: usize = 20;
const MAX_VALUES: usize = 255;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(job) = workload::job_spec(object) else {
        return;
    };
    let Some(policy) = job
        .spec
        .child("podFailurePolicy")
        .filter(|f| f.node.is_map())
    else {
        return;
    };
    let pod = workload::pod_spec(object);
    if let Some(restart) = pod.as_ref().and_then(|p| p.restart_policy()) {
        // Always and a missing policy are restart-policy's finding.
        if let Some(value @ "OnFailure") = restart.str() {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(restart.node.span),
                    apimachinery::invalid(&restart.path, &go_quote(value), "only \"Never\" is supported when podFailurePolicy is specified"),
                )
                .with_label("podFailurePolicy needs Never")
                .with_secondary(cx.loc(policy.key), "podFailurePolicy")
                .with_help("the pod failure policy judges failed pods, which OnFailure would restart in place instead; use `restartPolicy: Never`"),
            );
        }
    }
    if let Some(prp) = job.spec.child("podReplacementPolicy")
        && let Some(value) = prp.str().filter(|v| !v.is_empty() && *v != "Failed")
        && value == "TerminatingOrFailed"
    {
        cx.report(
                    Diagnostic::new(&RULE, cx.loc(prp.node.span), apimachinery::unsupported(&prp.path, value, &["Failed"]))
                        .with_label("must be Failed with podFailurePolicy")
                        .with_help("with a podFailurePolicy, a replacement pod is only created once the old one has failed: use `podReplacementPolicy: Failed` or leave it out"),
                );
    }
    let per_index = job
        .spec
        .child("backoffLimitPerIndex")
        .is_some_and(|f| !f.is_null());
    let containers: Vec<String> = pod
        .as_ref()
        .map(|p| p.containers())
        .unwrap_or_default()
        .iter()
        .filter(|c| c.list != pod::ContainerList::Ephemeral)
        .filter_map(|c| c.name().map(str::to_owned))
        .collect();
    let Some(rules) = policy.child("rules") else {
        return;
    };
    let items = rules.items();
    if items.len() > MAX_RULES {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(rules.key),
                format!(
                    "{}: Too many: {}: must have at most {MAX_RULES} items",
                    rules.path,
                    items.len()
                ),
            )
            .with_label("too many rules")
            .with_help(format!("a podFailurePolicy has at most {MAX_RULES} rules")),
        );
    }
    // Before 1.34 the API server defaulted an empty condition status in a Job, not in a CronJob.
    let status_required = job.in_cronjob && cx.options.kubernetes_version < KubeVersion::new(34);
    for rule in items.iter().filter(|r| r.node.is_map()) {
        check_rule(cx, rule, per_index, &containers, status_required);
    }
}

fn check_rule(
    cx: &mut Context<'_>,
    rule: &Field<'_>,
    per_index: bool,
    containers: &[String],
    status_required: bool,
) {
    match rule.child("action") {
        None => cx.report(
            Diagnostic::new(&RULE, cx.loc(rule.node.span), apimachinery::required(&format!("{}.action", rule.path), ""))
                .with_label("no action")
                .with_help(format!("every rule needs an action: {}", crate::model::text::code_list(ACTIONS))),
        ),
        Some(action) => match action.str() {
            Some(a) if !ACTIONS.contains(&a) => cx.report(
                Diagnostic::new(&RULE, cx.loc(action.node.span), apimachinery::unsupported(&action.path, a, ACTIONS))
                    .with_label("unknown action")
                    .with_help(enum_help(a, ACTIONS)),
            ),
            Some("FailIndex") if !per_index && !cx.is_partial() => cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(action.node.span),
                    apimachinery::invalid(&action.path, "\"FailIndex\"", "requires the backoffLimitPerIndex to be set"),
                )
                .with_label("FailIndex without backoffLimitPerIndex")
                .with_help("FailIndex fails one index of an Indexed Job: set `backoffLimitPerIndex` (and `completionMode: Indexed`)"),
            ),
            _ => {}
        },
    }
    let exit_codes = rule.child("onExitCodes").filter(|f| !f.is_null());
    let conditions = rule.child("onPodConditions").filter(|f| !f.is_null());
    match (&exit_codes, &conditions) {
        (Some(_), Some(c)) => cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(c.key),
                apimachinery::invalid(
                    &rule.path,
                    "\"\"",
                    "specifying both OnExitCodes and OnPodConditions is not supported",
                ),
            )
            .with_label("both onExitCodes and onPodConditions")
            .with_help(
                "a rule matches either exit codes or pod conditions: split it into two rules",
            ),
        ),
        (None, None) => cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(rule.node.span),
                apimachinery::invalid(
                    &rule.path,
                    "\"\"",
                    "specifying one of OnExitCodes and OnPodConditions is required",
                ),
            )
            .with_label("matches nothing")
            .with_help("give the rule `onExitCodes` or `onPodConditions`"),
        ),
        _ => {}
    }
    if let Some(codes) = exit_codes.filter(|f| f.node.is_map()) {
        check_exit_codes(cx, &codes, containers);
    }
    if let Some(conditions) = conditions {
        for pattern in conditions.items().iter().filter(|p| p.node.is_map()) {
            // An absent or empty status is defaulted to True (SetDefaults_Job).
            let status = pattern
                .child("status")
                .filter(|s| !s.is_null() && s.str() != Some(""));
            if status.is_none() && status_required {
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(pattern.node.span),
                        apimachinery::required(
                            &format!("{}.status", pattern.path),
                            r#"valid values: ["False" "True" "Unknown"]"#,
                        ),
                    )
                    .with_label("no status")
                    .with_help(format!(
                        "before Kubernetes 1.34 the API server defaults `status` to True in a Job but not in a CronJob's jobTemplate (this check targets {}): add `status: \"True\"`",
                        cx.options.kubernetes_version
                    )),
                );
            }
            if let Some(status) = &status
                && let Some(s) = status
                    .str()
                    .filter(|s| !["True", "False", "Unknown"].contains(s))
            {
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(status.node.span),
                        apimachinery::unsupported(&status.path, s, &["True", "False", "Unknown"]),
                    )
                    .with_label("not a condition status")
                    .with_help(enum_help(s, &["True", "False", "Unknown"])),
                );
            }
            if let Some(t) = pattern.child("type")
                && let Some(s) = t.str()
            {
                let errors = validate::qualified_name(s);
                if !errors.is_empty() {
                    cx.report(
                        Diagnostic::new(
                            &RULE,
                            cx.loc(t.node.span),
                            apimachinery::invalid(&t.path, &go_quote(s), &errors.join(", ")),
                        )
                        .with_label("not a condition type")
                        .with_help("a pod condition type such as `DisruptionTarget`"),
                    );
                }
            }
        }
    }
}

fn check_exit_codes(cx: &mut Context<'_>, codes: &Field<'_>, containers: &[String]) {
    let operator = codes
        .child("operator")
        .and_then(|f| Some((f.clone(), f.str()?.to_owned())));
    if let Some((field, op)) = &operator
        && op != "In"
        && op != "NotIn"
    {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(field.node.span),
                apimachinery::unsupported(&field.path, op, &["In", "NotIn"]),
            )
            .with_label("not In or NotIn")
            .with_help(enum_help(op, &["In", "NotIn"])),
        );
    }
    if let Some(name_field) = codes.child("containerName")
        && let Some(name) = name_field.str().filter(|n| !n.is_empty())
        && !containers.iter().any(|c| c == name)
    {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(name_field.node.span),
                apimachinery::invalid(
                    &name_field.path,
                    &go_quote(name),
                    "must be one of the container or initContainer names in the pod template",
                ),
            )
            .with_label("no such container")
            .with_help(format!(
                "the template's containers are {}",
                crate::model::text::code_list(containers)
            )),
        );
    }
    let Some(values) = codes.child("values") else {
        return;
    };
    let items = values.items();
    if values.node.as_seq().is_none() {
        return;
    }
    if items.is_empty() {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(values.node.span),
                apimachinery::invalid(&values.path, "[]int32{}", "at least one value is required"),
            )
            .with_label("no exit codes")
            .with_help("list the exit codes the rule matches, e.g. `values: [1, 42]`"),
        );
        return;
    }
    if items.len() > MAX_VALUES {
        cx.report(
            Diagnostic::new(
                &RULE,
                cx.loc(values.key),
                format!(
                    "{}: Too many: {}: must have at most {MAX_VALUES} items",
                    values.path,
                    items.len()
                ),
            )
            .with_label("too many exit codes")
            .with_help(format!("at most {MAX_VALUES} exit codes per rule")),
        );
    }
    let is_in = operator.as_ref().is_some_and(|(_, op)| op == "In");
    let mut previous: Option<i64> = None;
    for item in &items {
        let Some(code) = item.int() else {
            continue;
        };
        if is_in && code == 0 {
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(item.node.span),
                    apimachinery::invalid(&item.path, "0", "must not be 0 for the In operator"),
                )
                .with_label("0 means success")
                .with_help("exit code 0 is success, which never makes a pod fail; remove it"),
            );
        }
        match previous {
            Some(p) if p == code => cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(item.node.span),
                    apimachinery::duplicate(&item.path, &code.to_string()),
                )
                .with_label("listed twice")
                .with_help("list each exit code once"),
            ),
            Some(p) if p > code => cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(item.node.span),
                    apimachinery::invalid(&item.path, &code.to_string(), "must be ordered"),
                )
                .with_label("out of order")
                .with_help("exit codes must be listed in increasing order"),
            ),
            _ => {}
        }
        previous = Some(previous.map_or(code, |p| p.max(code)));
    }
}
