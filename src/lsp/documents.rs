//! The notifications about documents and files: opened, changed, saved, closed, changed on
//! disk. A file opened outside every workspace folder gets a folder of its own (its repository)
//! for as long as a document of it is open.

use super::state::{Doc, Server};
use super::text::{apply_change, uri_to_path};
use lsp_server::Notification;
use lsp_types as lsp;
use std::path::Path;
use std::sync::Arc;

impl Server {
    pub(super) fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = n.extract::<lsp::DidOpenTextDocumentParams>("textDocument/didOpen")
                else {
                    return;
                };
                let path = uri_to_path(p.text_document.uri.as_str());
                if let Some(path) = &path {
                    if !self.folders.iter().any(|f| path.starts_with(&f.root)) {
                        // No workspace folder holds it: its repository is one.
                        let dir = path.parent().unwrap_or(path);
                        let root = crate::workspace::git_root(dir).unwrap_or(dir.to_path_buf());
                        self.add_folder(root, true);
                    }
                    self.set_buffer(path, Some(p.text_document.text.clone()));
                } else {
                    self.unsaved_changed = true;
                }
                self.docs.insert(
                    p.text_document.uri.as_str().to_owned(),
                    Doc {
                        uri: p.text_document.uri,
                        path,
                        text: p.text_document.text,
                        version: p.text_document.version,
                    },
                );
            }
            "textDocument/didChange" => {
                let Ok(p) = n.extract::<lsp::DidChangeTextDocumentParams>("textDocument/didChange")
                else {
                    return;
                };
                let Some(doc) = self.docs.get_mut(p.text_document.uri.as_str()) else {
                    return;
                };
                for change in p.content_changes {
                    apply_change(&mut doc.text, change.range, &change.text);
                }
                doc.version = p.text_document.version;
                if let Some(path) = doc.path.clone() {
                    let text = doc.text.clone();
                    self.set_buffer(&path, Some(text));
                } else {
                    self.unsaved_changed = true;
                }
            }
            "textDocument/didSave" => {
                let Ok(p) = n.extract::<lsp::DidSaveTextDocumentParams>("textDocument/didSave")
                else {
                    return;
                };
                if let Some(path) = uri_to_path(p.text_document.uri.as_str()) {
                    // The configuration is read from disk: a saved `.kubevet.yaml` applies now.
                    self.pending.push(path);
                }
            }
            "textDocument/didClose" => {
                let Ok(p) = n.extract::<lsp::DidCloseTextDocumentParams>("textDocument/didClose")
                else {
                    return;
                };
                let key = p.text_document.uri.as_str().to_owned();
                if let Some(doc) = self.docs.remove(&key) {
                    if let Some(path) = doc.path {
                        // The file on disk stands for it again.
                        self.set_buffer(&path, None);
                    }
                    if self.published.remove(&key).is_some_and(|d| !d.is_empty()) {
                        self.notify(
                            "textDocument/publishDiagnostics",
                            lsp::PublishDiagnosticsParams::new(doc.uri, Vec::new(), None),
                        );
                    }
                    self.drop_unused_folders();
                }
            }
            "workspace/didChangeWorkspaceFolders" => {
                let Ok(p) = n.extract::<lsp::DidChangeWorkspaceFoldersParams>(
                    "workspace/didChangeWorkspaceFolders",
                ) else {
                    return;
                };
                for removed in &p.event.removed {
                    let Some(root) = uri_to_path(removed.uri.as_str()) else {
                        continue;
                    };
                    // Kept while a document of it is open, as a file's repository is.
                    if let Some(f) = self.folders.iter_mut().find(|f| f.root == root) {
                        f.adhoc = true;
                    }
                }
                for added in &p.event.added {
                    let Some(root) = uri_to_path(added.uri.as_str()) else {
                        continue;
                    };
                    match self.folders.iter_mut().find(|f| f.root == root) {
                        Some(f) => f.adhoc = false,
                        None => self.add_folder(root, false),
                    }
                }
                self.drop_unused_folders();
            }
            "workspace/didChangeWatchedFiles" => {
                let Ok(p) = n
                    .extract::<lsp::DidChangeWatchedFilesParams>("workspace/didChangeWatchedFiles")
                else {
                    return;
                };
                for change in p.changes {
                    if let Some(path) = uri_to_path(change.uri.as_str()) {
                        // An open document's buffer is what counts, not the disk.
                        if !self.buffers.contains_key(&path) {
                            self.pending.push(path);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Drops the folders made for files opened outside the workspace folders that no open
    /// document is in any more: their index goes with them (a long session does not keep the
    /// index of every repository it opened a file of). Their documents' diagnostics were
    /// cleared as each closed; opened again, a file gets its folder again.
    fn drop_unused_folders(&mut self) {
        let used: std::collections::HashSet<usize> = self
            .docs
            .values()
            .filter_map(|d| d.path.as_deref())
            .filter_map(|p| self.folder_of(p))
            .collect();
        let mut i = 0;
        let mut dropped = Vec::new();
        self.folders.retain_mut(|f| {
            let keep = !f.adhoc || used.contains(&i);
            i += 1;
            if !keep {
                dropped.push(f.engine.take());
            }
            keep
        });
        if !dropped.is_empty() {
            // An index is many small allocations: freed off the message loop.
            rayon::spawn(move || drop(dropped));
        }
    }

    pub(super) fn set_buffer(&mut self, path: &Path, text: Option<String>) {
        let buffers = Arc::make_mut(&mut self.buffers);
        match text {
            Some(text) => {
                buffers.insert(path.to_path_buf(), text);
            }
            None => {
                buffers.remove(path);
            }
        }
        self.pending.push(path.to_path_buf());
    }
}
