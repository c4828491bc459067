//! `textDocument/completion`: rule ids after `kubevet-ignore:` (and `-document:`, `-file:`) in a
//! suppression comment, and IANA zone names (the bundled database `check` validates with) as
//! the value of a CronJob's `timeZone`.

use super::state::Server;
use super::text::LineIndex;
use crate::model::registry;
use lsp_types as lsp;

pub fn complete(
    server: &Server,
    params: &lsp::CompletionParams,
) -> Option<lsp::CompletionResponse> {
    let at = &params.text_document_position;
    let doc = server.doc(&at.text_document.uri)?;
    let index = LineIndex::new(&doc.text);
    let offset = index.offset(&doc.text, at.position);
    let line_start = doc.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &doc.text[line_start..offset];
    let (typed, items) = rule_ids(before).or_else(|| zones(before))?;
    // What the item replaces: the word typed so far (zone names hold `/`, rule ids `-`).
    let start = index.position(&doc.text, offset - typed.len());
    let range = lsp::Range::new(start, at.position);
    let items = items
        .into_iter()
        .map(|(label, detail)| lsp::CompletionItem {
            text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
                range,
                new_text: label.clone(),
            })),
            label,
            detail,
            kind: Some(lsp::CompletionItemKind::VALUE),
            ..Default::default()
        })
        .collect();
    Some(lsp::CompletionResponse::Array(items))
}

type Items = Vec<(String, Option<String>)>;

/// In a suppression comment, before its `--` reason: every rule not named yet.
fn rule_ids(before: &str) -> Option<(&str, Items)> {
    let comment = before[before.find('#')? + 1..].trim_start();
    let rest = [
        "kubevet-ignore-document:",
        "kubevet-ignore-file:",
        "kubevet-ignore:",
    ]
    .iter()
    .find_map(|d| comment.strip_prefix(d))?;
    if rest.contains("--") {
        return None;
    }
    let named: Vec<&str> = rest.split(',').map(str::trim).collect();
    let (typed, named) = named.split_last()?;
    let items = registry::ALL
        .iter()
        .filter(|r| !named.contains(&r.id))
        .map(|r| (r.id.to_owned(), Some(r.summary.to_owned())))
        .collect();
    Some((typed, items))
}

/// The value of a `timeZone:` key.
fn zones(before: &str) -> Option<(&str, Items)> {
    let value = before.trim_start().strip_prefix("timeZone:")?;
    let typed = value.trim_start().trim_start_matches(['"', '\'']);
    if typed.contains([' ', '#', '"', '\'']) {
        return None;
    }
    let items = crate::cron::time_zone_names()
        .into_iter()
        .map(|name| (name, None))
        .collect();
    Some((typed, items))
}
