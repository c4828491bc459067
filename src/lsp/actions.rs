//! `textDocument/codeAction`: the quick fixes of [`crate::model::fix`] for the findings in the
//! requested range, as workspace edits.

use super::state::{Doc, Server, Texts, to_lsp};
use super::text::LineIndex;
use crate::diagnostics::Diagnostic;
use crate::model::fix::{self, Fix, fixes};
use lsp_types as lsp;
use std::collections::HashMap;

pub fn code_actions(
    server: &Server,
    params: &lsp::CodeActionParams,
) -> Vec<lsp::CodeActionOrCommand> {
    let Some(doc) = server.doc(&params.text_document.uri) else {
        return Vec::new();
    };
    let Some(found) = server.findings_of(doc) else {
        return Vec::new();
    };
    let index = LineIndex::new(&doc.text);
    let mut texts = Texts::new(server);
    let mut out = Vec::new();
    let want = params.range;
    for d in &found.diagnostics {
        let diagnostic = to_lsp(d, &found, &mut texts);
        let range = diagnostic.range;
        if range.end < want.start || want.end < range.start {
            continue;
        }
        let mut all = fixes(d, &doc.text);
        if let Some(fix) = api_version_fix(server, doc, d) {
            all.insert(0, fix);
        }
        for fix in all {
            out.push(lsp::CodeActionOrCommand::CodeAction(action(
                doc,
                &index,
                fix,
                diagnostic.clone(),
            )));
        }
    }
    out
}

// `WorkspaceEdit::changes` is keyed by `Uri`, whose parsed parts cache lazily (a `Cell`); the
// key is never changed while in the map.
#[allow(clippy::mutable_key_type)]
fn action(doc: &Doc, index: &LineIndex, fix: Fix, diagnostic: lsp::Diagnostic) -> lsp::CodeAction {
    let edits = fix
        .edits
        .iter()
        .map(|e| lsp::TextEdit {
            range: index.range(&doc.text, e.span.start as usize, e.span.end as usize),
            new_text: e.text.clone(),
        })
        .collect();
    let mut changes = HashMap::new();
    changes.insert(doc.uri.clone(), edits);
    lsp::CodeAction {
        title: fix.title,
        kind: Some(lsp::CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic]),
        edit: Some(lsp::WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }),
        is_preferred: Some(fix.preferred),
        ..Default::default()
    }
}

/// A removed apiVersion replaced by its successor, offered only where the object needs no
/// other change: the file checked with the replacement has no error the original lacks.
fn api_version_fix(server: &Server, doc: &Doc, d: &Diagnostic) -> Option<Fix> {
    if d.rule.id != "removed-api-version" {
        return None;
    }
    let errors = |text: &str| -> Vec<&'static str> {
        let name = doc
            .path
            .clone()
            .unwrap_or_else(|| std::path::PathBuf::from("buffer.yaml"));
        match doc.path.as_deref().and_then(|p| server.engine_for(p)) {
            Some(engine) => engine.standalone(&name, text),
            None => crate::check(
                crate::Input::Stream {
                    name: name.display().to_string(),
                    bytes: text.as_bytes().to_vec(),
                },
                &crate::Options::default(),
            )
            .unwrap_or_default(),
        }
        .error_rules()
    };
    fix::api_version(d, &doc.text, &errors)
}
