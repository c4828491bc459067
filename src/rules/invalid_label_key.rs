//! `invalid-label-key`: a label key (in labels, selectors or node selectors) is not a qualified
//! name (reference §1.3 LBL-KEY).

use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::validate;

pub use crate::model::rule::invalid_label_key as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    for (path, labels) in object.label_maps() {
        for entry in labels.entries() {
            let Some(key) = entry.key.key_string() else {
                continue;
            };
            let mut errors = validate::qualified_name(&key);
            if errors.is_empty() {
                continue;
            }
            let written = cx.text(entry.key.span).to_owned();
            let mut help = "a label key is an optional DNS subdomain prefix and '/', then a name of 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (e.g. `app.kubernetes.io/name`)".to_owned();
            if !entry.key.style.is_quoted() && key != written {
                // `on:` becomes the key "true" before the API server sees it.
                errors.insert(
                    0,
                    format!("the unquoted key `{written}` is read as `{key}`"),
                );
                help = format!("quote the key: \"{written}\":");
            }
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(entry.key.span),
                    format!("{path}: Invalid value: {key:?}: {}", errors.join(", ")),
                )
                .with_label("invalid label key")
                .with_help(help),
            );
        }
    }
}
