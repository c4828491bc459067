//! `cronjob-name-too-long`: a CronJob name may have at most 52 characters (reference §1.1
//! META-NAME-CRONJOB-52): the controller appends 11 characters to name each Job, and Job names
//! end up in 63-character label values.

use crate::k8s::apimachinery;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::kind::Kind;
use crate::k8s::workload;

pub use crate::model::rule::cronjob_name_too_long as RULE;

pub const MAX: usize = 52;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    if Kind::of(object) != Some(Kind::CronJob) {
        return;
    }
    let Some(field) = workload::root(object).at(&["metadata", "name"]) else {
        return;
    };
    let Some(name) = field.str() else {
        return;
    };
    let length = name.chars().count();
    if length <= MAX {
        return;
    }
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(field.node.span),
            apimachinery::invalid(
                "metadata.name",
                &go_quote(name),
                &format!("must be no more than {MAX} characters"),
            ),
        )
        .with_label(format!("{length} characters"))
        .with_help(format!(
            "the CronJob controller names each Job `<cronjob name>-<scheduled time in minutes>`, 11 more characters, and a Job name must fit a 63-character label value; shorten the name by {} characters",
            length - MAX
        )),
    );
}
