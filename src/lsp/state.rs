//! The server's state shared by its handlers: the open documents, the workspace folders with
//! their engines, and how a document's findings become LSP diagnostics (positions in UTF-16).
//! The message loop ([`super::server`]) and the handlers ([`super::hover`], [`super::actions`])
//! work on it.

use super::engine::{Buffers, Engine};
use super::text::{LineIndex, to_uri};
use crate::diagnostics::{Diagnostic, FileId, Severity};
use crossbeam_channel::{Receiver, Sender};
use lsp_server::Message;
use lsp_types as lsp;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// An open document.
pub struct Doc {
    pub uri: lsp::Uri,
    /// `None` for documents that are not files (`untitled:`).
    pub path: Option<PathBuf>,
    pub text: String,
    pub version: i32,
}

pub struct Folder {
    pub(crate) root: PathBuf,
    /// `None` while it is being indexed, or if indexing failed.
    pub(crate) engine: Option<Engine>,
    /// Indexing failed (an internal error): its files are checked on their own.
    pub(crate) failed: bool,
    /// Not a workspace folder: the repository of a file opened outside them, kept while a
    /// document of it is open.
    pub(crate) adhoc: bool,
}

/// What indexing a folder gives: its engine, or the internal error that stopped it.
pub(crate) type Indexed = (PathBuf, Result<Engine, String>);

impl Folder {
    /// Being indexed: its documents' findings wait for the index.
    pub(crate) fn indexing(&self) -> bool {
        self.engine.is_none() && !self.failed
    }
}

pub struct Server {
    pub(crate) sender: Sender<Message>,
    /// Open documents by URI.
    pub docs: HashMap<String, Doc>,
    pub(crate) buffers: Buffers,
    pub(crate) folders: Vec<Folder>,
    /// Files whose buffer or disk content changed since the last check.
    pub(crate) pending: Vec<PathBuf>,
    /// A document that is no file (`untitled:`) was opened or changed since the last check:
    /// nothing in `pending` says so, yet its findings are due.
    pub(crate) unsaved_changed: bool,
    /// Files that changed while their folder was being indexed (the index may have read them
    /// before the change): checked again when the index arrives.
    pub(crate) waiting: Vec<PathBuf>,
    /// What was last published, by URI.
    pub(crate) published: HashMap<String, Vec<lsp::Diagnostic>>,
    pub(crate) indexed_tx: Sender<Indexed>,
    pub(crate) indexed_rx: Receiver<Indexed>,
    pub(crate) progress: bool,
    pub(crate) next_id: i32,
    pub(crate) shutdown: bool,
    /// `kubevet/panic` requests are honoured (tests of the panic guard),
    /// `KUBEVET_LSP_INDEX_DELAY_MS` holds back each finished index (tests of edits made
    /// while a folder is indexed) and `KUBEVET_LSP_INDEX_PANIC=1` makes indexing fail.
    pub(crate) debug: bool,
}

impl Server {
    /// The folder whose run takes `path` (the innermost that holds it), by index.
    pub fn folder_of(&self, path: &Path) -> Option<usize> {
        self.folders
            .iter()
            .enumerate()
            .filter(|(_, f)| path.starts_with(&f.root))
            .max_by_key(|(_, f)| f.root.as_os_str().len())
            .map(|(i, _)| i)
    }

    /// The engine of the folder whose run takes `path`.
    pub fn engine_for(&self, path: &Path) -> Option<&Engine> {
        self.folder_of(path)
            .and_then(|i| self.folders[i].engine.as_ref())
    }

    /// The findings in a document, from its folder's run or, for a file no run takes, from
    /// checking it on its own.
    pub fn findings_of(&self, doc: &Doc) -> Option<Found<'_>> {
        let engine = match &doc.path {
            Some(path) => self.engine_for(path),
            None => self.folders.iter().find_map(|f| f.engine.as_ref()),
        };
        if self.folders.iter().any(Folder::indexing)
            && doc.path.as_ref().is_some_and(|p| {
                self.folders
                    .iter()
                    .any(|f| f.indexing() && p.starts_with(&f.root))
            })
        {
            return None;
        }
        if let (Some(engine), Some(path)) = (engine, &doc.path) {
            if let Some(report) = &engine.config_report {
                return Some(if engine.config.as_deref() == Some(path.as_path()) {
                    Found::standalone(report, path.clone())
                } else {
                    Found::empty()
                });
            }
            if engine.config_problem.is_some() {
                return Some(Found::empty());
            }
            if let Some(id) = engine.id(path) {
                return Some(Found {
                    diagnostics: engine.findings(id).to_vec(),
                    engine: Some(engine),
                    own: None,
                });
            }
        }
        let name = doc
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(doc.uri.as_str()));
        let report = match engine {
            Some(engine) => engine.standalone(&name, &doc.text),
            None => crate::check(
                crate::Input::Stream {
                    name: name.display().to_string(),
                    bytes: doc.text.as_bytes().to_vec(),
                },
                &crate::Options::default(),
            )
            .unwrap_or_default(),
        };
        Some(Found {
            diagnostics: report.diagnostics,
            engine: None,
            own: Some(name),
        })
    }

    pub fn doc(&self, uri: &lsp::Uri) -> Option<&Doc> {
        self.docs.get(uri.as_str())
    }
}

/// A document's findings and where their files are.
pub struct Found<'a> {
    pub diagnostics: Vec<Diagnostic>,
    /// The run they come from (file ids are its), or `None` for a file checked on its own.
    pub engine: Option<&'a Engine>,
    /// The file checked on its own (every file id is it).
    pub own: Option<PathBuf>,
}

impl Found<'_> {
    fn empty() -> Found<'static> {
        Found {
            diagnostics: Vec::new(),
            engine: None,
            own: None,
        }
    }

    fn standalone(report: &crate::Report, path: PathBuf) -> Found<'static> {
        Found {
            diagnostics: report.diagnostics.clone(),
            engine: None,
            own: Some(path),
        }
    }

    pub fn path(&self, id: FileId) -> Option<PathBuf> {
        match (&self.own, self.engine) {
            (Some(own), _) => Some(own.clone()),
            (None, Some(engine)) => engine.path(id).map(Path::to_path_buf),
            _ => None,
        }
    }
}

/// Texts of files (open buffers, else the disk) with their line indexes, read once.
pub struct Texts<'a> {
    server: &'a Server,
    cache: HashMap<PathBuf, Option<(String, LineIndex)>>,
}

impl<'a> Texts<'a> {
    pub fn new(server: &'a Server) -> Texts<'a> {
        Texts {
            server,
            cache: HashMap::new(),
        }
    }

    pub fn get(&mut self, path: &Path) -> Option<&(String, LineIndex)> {
        let server = self.server;
        self.cache
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let text = match server.buffers.get(path) {
                    Some(text) => Some(text.clone()),
                    None => std::fs::read_to_string(path).ok(),
                };
                text.map(|t| {
                    let index = LineIndex::new(&t);
                    (t, index)
                })
            })
            .as_ref()
    }

    /// The LSP range of a location.
    pub fn range(
        &mut self,
        path: Option<&Path>,
        location: &crate::diagnostics::Location,
    ) -> lsp::Range {
        if let Some(path) = path
            && let Some((text, index)) = self.get(path)
        {
            return index.range(
                text,
                location.span.start as usize,
                location.span.end as usize,
            );
        }
        let at = |p: crate::diagnostics::Position| {
            lsp::Position::new(p.line.saturating_sub(1), p.column.saturating_sub(1))
        };
        lsp::Range::new(at(location.start), at(location.end))
    }
}

pub fn severity(severity: Severity) -> lsp::DiagnosticSeverity {
    match severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
    }
}

/// A finding as an LSP diagnostic.
pub fn to_lsp(d: &Diagnostic, found: &Found<'_>, texts: &mut Texts<'_>) -> lsp::Diagnostic {
    let path = found.path(d.file());
    let range = texts.range(path.as_deref(), &d.primary.location);
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(&format!(" ({})", d.primary.message));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|label| {
            let path = found.path(label.location.file)?;
            let range = texts.range(Some(&path), &label.location);
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(to_uri(&path), range),
                message: if label.message.is_empty() {
                    "related".into()
                } else {
                    label.message.to_string()
                },
            })
        })
        .collect();
    lsp::Diagnostic {
        range,
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.rule.id.into())),
        code_description: d
            .rule
            .doc_url()
            .parse()
            .ok()
            .map(|href| lsp::CodeDescription { href }),
        source: Some("kubevet".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
