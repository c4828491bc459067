//! The certain fixes of a run's findings, computed once where the run can check a fixed text
//! again: the text-only fixes of [`fix::certain`] and a removed apiVersion's successor where the
//! object needs no other change ([`fix::api_version`], which needs the file checked again with
//! the replacement). `kubevet check --fix` applies them and SARIF carries them as `fixes`, so
//! both say the same ([`Report::fixes`]).

use super::{Input, Options};
use crate::model::diagnostic::FileId;
use crate::model::fix::{self, Fix};
use crate::model::report::Report;
use std::cell::RefCell;
use std::collections::HashMap;

/// The error rules of a text checked on its own, as the file would be (no context, no editor
/// buffers).
pub fn errors(name: &str, text: &str, options: &Options) -> Vec<&'static str> {
    let options = Options {
        context: Vec::new(),
        buffers: None,
        ..options.clone()
    };
    super::check(
        Input::Stream {
            name: name.to_owned(),
            bytes: text.as_bytes().to_vec(),
        },
        &options,
    )
    .map(|report| report.error_rules())
    .unwrap_or_default()
}

/// The certain fix of each of the report's findings (in the order of `report.diagnostics`):
/// none for files read only as context, or whose text changed since they were checked.
pub fn certain(report: &Report, options: &Options) -> Vec<Option<Fix>> {
    let mut texts: HashMap<FileId, Option<String>> = HashMap::new();
    // The errors of each file as it is, checked once.
    let before: RefCell<HashMap<FileId, Vec<&'static str>>> = RefCell::default();
    let mut out = Vec::with_capacity(report.diagnostics.len());
    for d in &report.diagnostics {
        let file = d.file();
        let Some(entry) = report.files.get(file.0 as usize).filter(|e| !e.context) else {
            out.push(None);
            continue;
        };
        let text = texts
            .entry(file)
            .or_insert_with(|| entry.source().map(|t| t.into_owned()));
        let Some(text) = text.as_deref() else {
            out.push(None);
            continue;
        };
        let fix = fix::certain(d, text).or_else(|| {
            let check = |t: &str| {
                if t != text {
                    return errors(&entry.name, t, options);
                }
                before
                    .borrow_mut()
                    .entry(file)
                    .or_insert_with(|| errors(&entry.name, t, options))
                    .clone()
            };
            fix::api_version(d, text, &check)
        });
        out.push(fix);
    }
    out
}
