//! A mapping's entries while the builder reads them: duplicate keys collapsed as go-yaml v2
//! collapses them (or, for kustomize's reading, by the key as written).

use super::tree::Entry;
use crate::model::span::Span;
use std::collections::HashMap;

/// A mapping's entries under construction, with a key index once it grows large, so that a
/// mapping with 100,000 keys is not quadratic to build.
#[derive(Default)]
pub(super) struct EntryList {
    entries: Vec<Entry>,
    index: Option<HashMap<String, usize>>,
}

impl EntryList {
    const INDEX_FROM: usize = 16;

    pub(super) fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self
                .entries
                .iter()
                .position(|e| e.key.key_string().as_deref() == Some(key)),
        }
    }

    /// The entries, in the order read.
    pub(super) fn into_entries(self) -> Vec<Entry> {
        self.entries
    }

    /// [`EntryList::upsert`] by the key as written in `text` (kustomize's reading): a key
    /// YAML 1.1 reads like one already there but written differently (`yes:` after `on:`) is
    /// added beside it; only the same spelling replaces.
    pub(super) fn upsert_spelled(&mut self, key: &str, entry: Entry, text: &str) -> Option<Span> {
        if self.position(key).is_none() {
            return self.upsert(key, entry);
        }
        let written = |span: Span| text.get(span.range()).unwrap_or("");
        let same = self
            .entries
            .iter()
            .position(|e| written(e.key.span) == written(entry.key.span));
        match same {
            Some(i) => Some(std::mem::replace(&mut self.entries[i], entry).key.span),
            None => {
                self.entries.push(entry);
                None
            }
        }
    }

    /// Inserts or replaces; returns the replaced entry's key span.
    pub(super) fn upsert(&mut self, key: &str, entry: Entry) -> Option<Span> {
        if let Some(i) = self.position(key) {
            let old = std::mem::replace(&mut self.entries[i], entry);
            return Some(old.key.span);
        }
        self.entries.push(entry);
        if let Some(index) = &mut self.index {
            index.insert(key.to_owned(), self.entries.len() - 1);
        } else if self.entries.len() >= Self::INDEX_FROM {
            self.index = Some(
                self.entries
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| e.key.key_string().map(|k| (k.into_owned(), i)))
                    .collect(),
            );
        }
        None
    }
}
