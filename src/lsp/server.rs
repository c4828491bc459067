//! The message loop: documents, diagnostics, requests, progress and the lifecycle.
//!
//! Messages are taken in batches (all that are waiting): changes to a document are applied in
//! order but checked once, a request cancelled in the same batch is answered as cancelled
//! without running, and a panic while handling one message is caught, logged to stderr and
//! answered as an internal error; the server goes on.

use super::engine::Engine;
use super::state::{Doc, Folder, Server, Texts, to_lsp};
use super::text::uri_to_path;
use super::{actions, complete, hover};
use crossbeam_channel::select;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

pub fn run() -> i32 {
    let (connection, io_threads) = Connection::stdio();
    let code = match serve(&connection) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kubevet lsp: {e}");
            crate::model::EXIT_USAGE
        }
    };
    drop(connection);
    let _ = io_threads.join();
    code
}

pub(super) fn serve(
    connection: &Connection,
) -> Result<i32, Box<dyn std::error::Error + Send + Sync>> {
    let (id, params) = connection.initialize_start()?;
    let params: lsp::InitializeParams = serde_json::from_value(params)?;
    let capabilities = lsp::ServerCapabilities {
        position_encoding: Some(lsp::PositionEncodingKind::UTF16),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![":".into(), ",".into(), "/".into()]),
            ..Default::default()
        }),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        // Folders added to the workspace are indexed, those removed dropped.
        workspace: Some(lsp::WorkspaceServerCapabilities {
            workspace_folders: Some(lsp::WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp::OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..Default::default()
    };
    connection.initialize_finish(
        id,
        json!({
            "capabilities": capabilities,
            "serverInfo": {"name": "kubevet", "version": env!("CARGO_PKG_VERSION")},
        }),
    )?;
    let (indexed_tx, indexed_rx) = crossbeam_channel::unbounded();
    let mut server = Server {
        sender: connection.sender.clone(),
        docs: HashMap::new(),
        buffers: Arc::default(),
        folders: Vec::new(),
        pending: Vec::new(),
        unsaved_changed: false,
        waiting: Vec::new(),
        published: HashMap::new(),
        indexed_tx,
        indexed_rx,
        progress: params
            .capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false),
        next_id: 0,
        shutdown: false,
        debug: std::env::var_os("KUBEVET_LSP_DEBUG").is_some_and(|v| v == "1"),
    };
    let watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files)
        .and_then(|w| w.dynamic_registration)
        .unwrap_or(false);
    if watch {
        server.register_watchers();
    }
    #[allow(deprecated)]
    let roots: Vec<PathBuf> = match (&params.workspace_folders, &params.root_uri) {
        (Some(folders), _) if !folders.is_empty() => folders
            .iter()
            .filter_map(|f| uri_to_path(f.uri.as_str()))
            .collect(),
        (_, Some(uri)) => uri_to_path(uri.as_str()).into_iter().collect(),
        _ => Vec::new(),
    };
    for root in roots {
        server.add_folder(root, false);
    }
    server.main_loop(connection)
}

impl Server {
    fn main_loop(
        &mut self,
        connection: &Connection,
    ) -> Result<i32, Box<dyn std::error::Error + Send + Sync>> {
        // lsp-server hands messages over one at a time (a rendezvous channel): a thread moves
        // them to a queue, so that all that wait can be taken as one batch.
        let (tx, receiver) = crossbeam_channel::unbounded();
        let incoming = connection.receiver.clone();
        std::thread::spawn(move || {
            for msg in incoming {
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        let mut backlog: VecDeque<Message> = VecDeque::new();
        // Requests the client cancelled that have not been answered.
        let mut cancelled: HashSet<RequestId> = HashSet::new();
        let absorb = |backlog: &mut VecDeque<Message>, cancelled: &mut HashSet<RequestId>| {
            for msg in receiver.try_iter() {
                if let Some(id) = cancel_of(&msg) {
                    cancelled.insert(id);
                }
                backlog.push_back(msg);
            }
        };
        loop {
            if backlog.is_empty() {
                select! {
                    recv(receiver) -> msg => match msg {
                        Ok(msg) => backlog.push_back(msg),
                        // The client went away without `exit`.
                        Err(_) => return Ok(1),
                    },
                    recv(self.indexed_rx) -> indexed => {
                        if let Ok((root, engine)) = indexed {
                            self.guard("index", |s| s.indexed(root, engine));
                        }
                    },
                }
                // Everything waiting is one batch: a document changed many times is checked once.
                absorb(&mut backlog, &mut cancelled);
            }
            while let Some(msg) = backlog.pop_front() {
                match msg {
                    Message::Request(req) => {
                        if req.method != "shutdown" && !self.shutdown {
                            // Answers see every change before them; checking takes time, in
                            // which the client may have cancelled this request.
                            self.guard("check", Server::flush);
                            absorb(&mut backlog, &mut cancelled);
                        }
                        if cancelled.remove(&req.id) {
                            self.respond(Response::new_err(
                                req.id,
                                ErrorCode::RequestCanceled as i32,
                                "cancelled".into(),
                            ));
                        } else if req.method == "shutdown" {
                            self.shutdown = true;
                            self.respond(Response::new_ok(req.id, Value::Null));
                        } else if self.shutdown {
                            self.respond(Response::new_err(
                                req.id,
                                ErrorCode::InvalidRequest as i32,
                                "the server is shutting down".into(),
                            ));
                        } else {
                            self.answer(req);
                        }
                    }
                    Message::Notification(n) if n.method == "exit" => {
                        return Ok(if self.shutdown { 0 } else { 1 });
                    }
                    Message::Notification(n) => {
                        let method = n.method.clone();
                        self.guard(&method, |s| s.notification(n));
                    }
                    Message::Response(_) => {}
                }
            }
            if cancelled.len() > 1000 {
                cancelled.clear();
            }
            self.guard("check", Server::flush);
        }
    }

    /// Runs a request, catching a panic: logged to stderr and answered as an internal error.
    fn answer(&mut self, req: Request) {
        let id = req.id.clone();
        let method = req.method.clone();
        let response = match catch_unwind(AssertUnwindSafe(|| self.request(req))) {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code, message),
            Err(panic) => {
                let message = panic_message(&panic);
                eprintln!(
                    "kubevet lsp: internal error in {method}: {message}; please report this with the input that caused it"
                );
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("internal error: {message}"),
                )
            }
        };
        self.respond(response);
    }

    /// Runs `f`, catching a panic: logged to stderr, the server goes on.
    fn guard(&mut self, what: &str, f: impl FnOnce(&mut Server)) {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| f(self))) {
            eprintln!(
                "kubevet lsp: internal error in {what}: {}; please report this with the input that caused it",
                panic_message(&panic)
            );
            self.pending.clear();
        }
    }

    fn respond(&self, response: Response) {
        let _ = self.sender.send(Message::Response(response));
    }

    pub(super) fn notify(&self, method: &str, params: impl serde::Serialize) {
        let _ = self.sender.send(Message::Notification(Notification::new(
            method.into(),
            params,
        )));
    }

    fn send_request(&mut self, method: &str, params: impl serde::Serialize) {
        self.next_id += 1;
        let id = RequestId::from(format!("kubevet-{}", self.next_id));
        let _ = self
            .sender
            .send(Message::Request(Request::new(id, method.into(), params)));
    }

    fn register_watchers(&mut self) {
        let watchers = ["**/*.yaml", "**/*.yml", "**/*.json"]
            .iter()
            .map(|glob| lsp::FileSystemWatcher {
                glob_pattern: lsp::GlobPattern::String((*glob).into()),
                kind: None,
            })
            .collect();
        let options = lsp::DidChangeWatchedFilesRegistrationOptions { watchers };
        self.send_request(
            "client/registerCapability",
            lsp::RegistrationParams {
                registrations: vec![lsp::Registration {
                    id: "kubevet-watch".into(),
                    method: "workspace/didChangeWatchedFiles".into(),
                    register_options: serde_json::to_value(options).ok(),
                }],
            },
        );
    }

    /// Starts indexing a folder in the background (`adhoc`: the repository of a file opened
    /// outside the workspace folders).
    pub(super) fn add_folder(&mut self, root: PathBuf, adhoc: bool) {
        if self.folders.iter().any(|f| f.root == root) {
            return;
        }
        self.folders.push(Folder {
            root: root.clone(),
            engine: None,
            failed: false,
            adhoc,
        });
        let token = lsp::NumberOrString::String(format!("kubevet-index-{}", root.display()));
        if self.progress {
            self.send_request(
                "window/workDoneProgress/create",
                lsp::WorkDoneProgressCreateParams {
                    token: token.clone(),
                },
            );
            self.notify(
                "$/progress",
                lsp::ProgressParams {
                    token,
                    value: lsp::ProgressParamsValue::WorkDone(lsp::WorkDoneProgress::Begin(
                        lsp::WorkDoneProgressBegin {
                            title: "kubevet: indexing".into(),
                            message: Some(root.display().to_string()),
                            ..Default::default()
                        },
                    )),
                },
            );
        }
        let buffers = self.buffers.clone();
        let tx = self.indexed_tx.clone();
        let delay = std::env::var("KUBEVET_LSP_INDEX_DELAY_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .filter(|_| self.debug)
            .map(std::time::Duration::from_millis);
        let fail =
            self.debug && std::env::var_os("KUBEVET_LSP_INDEX_PANIC").is_some_and(|v| v == "1");
        std::thread::spawn(move || {
            let built = catch_unwind(AssertUnwindSafe(|| {
                let engine = Engine::build(root.clone(), buffers);
                assert!(!fail, "KUBEVET_LSP_INDEX_PANIC requested");
                engine
            }));
            if let Some(delay) = delay {
                std::thread::sleep(delay);
            }
            let built = built.map_err(|panic| panic_message(&panic));
            if let Err(message) = &built {
                eprintln!(
                    "kubevet lsp: internal error indexing {}: {message}; please report this with the input that caused it",
                    root.display(),
                );
            }
            let _ = tx.send((root, built));
        });
    }

    /// A folder's index arrived: its documents are checked with it and published — or, if
    /// indexing failed, on their own (and the user is told).
    fn indexed(&mut self, root: PathBuf, built: Result<Engine, String>) {
        if self.progress {
            let token = lsp::NumberOrString::String(format!("kubevet-index-{}", root.display()));
            let message = match &built {
                Ok(engine) => format!(
                    "{} files in {} ms",
                    engine.files(),
                    engine.analysis_time.as_millis()
                ),
                Err(_) => "failed".to_owned(),
            };
            self.notify(
                "$/progress",
                lsp::ProgressParams {
                    token,
                    value: lsp::ProgressParamsValue::WorkDone(lsp::WorkDoneProgress::End(
                        lsp::WorkDoneProgressEnd {
                            message: Some(message),
                        },
                    )),
                },
            );
        }
        let mut engine = match built {
            Ok(engine) => engine,
            Err(message) => {
                self.notify(
                    "window/showMessage",
                    lsp::ShowMessageParams {
                        typ: lsp::MessageType::ERROR,
                        message: format!(
                            "kubevet: indexing {} failed (internal error: {message}); its files are checked one by one, without the repository — please report this",
                            root.display()
                        ),
                    },
                );
                if let Some(folder) = self.folders.iter_mut().find(|f| f.root == root) {
                    folder.failed = true;
                }
                self.publish();
                return;
            }
        };
        if let Some(problem) = &engine.config_problem {
            self.notify(
                "window/showMessage",
                lsp::ShowMessageParams {
                    typ: lsp::MessageType::ERROR,
                    message: format!("kubevet: {problem}"),
                },
            );
        }
        // Buffers changed while it indexed, and files changed on disk meanwhile (it may have
        // read them before): check them again.
        engine.set_buffers(self.buffers.clone());
        let mut changed: Vec<PathBuf> = self
            .docs
            .values()
            .filter_map(|d| d.path.clone())
            .filter(|p| engine.contains(p))
            .collect();
        changed.extend(self.waiting.extract_if(.., |p| engine.contains(p)));
        changed.sort();
        changed.dedup();
        engine.update(&changed);
        if let Some(folder) = self.folders.iter_mut().find(|f| f.root == root) {
            folder.engine = Some(engine);
        }
        self.publish();
    }

    /// Checks what changed, and publishes what differs.
    fn flush(&mut self) {
        let unsaved_changed = std::mem::take(&mut self.unsaved_changed);
        if self.pending.is_empty() && !unsaved_changed {
            return;
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort();
        pending.dedup();
        // A folder being indexed takes its changes when its index arrives ([`Server::indexed`]).
        let indexing = |p: &PathBuf| {
            self.folders
                .iter()
                .any(|f| f.indexing() && p.starts_with(&f.root))
        };
        // (Those of a folder dropped meanwhile are dropped.)
        self.waiting.retain(|p| indexing(p));
        let more: Vec<PathBuf> = pending.iter().filter(|p| indexing(p)).cloned().collect();
        self.waiting.extend(more);
        self.waiting.sort();
        self.waiting.dedup();
        for folder in &mut self.folders {
            let Some(engine) = &mut folder.engine else {
                continue;
            };
            let paths: Vec<PathBuf> = pending
                .iter()
                .filter(|p| engine.contains(p))
                .cloned()
                .collect();
            if paths.is_empty() {
                continue;
            }
            engine.set_buffers(self.buffers.clone());
            engine.update(&paths);
        }
        self.publish();
    }

    /// Every open document's findings, published where they changed.
    fn publish(&mut self) {
        let mut out = Vec::new();
        for (key, doc) in &self.docs {
            let Some(diagnostics) = self.diagnostics_of(doc) else {
                continue;
            };
            if self.published.get(key) != Some(&diagnostics) {
                out.push((key.clone(), doc.uri.clone(), doc.version, diagnostics));
            }
        }
        for (key, uri, version, diagnostics) in out {
            self.notify(
                "textDocument/publishDiagnostics",
                lsp::PublishDiagnosticsParams::new(uri, diagnostics.clone(), Some(version)),
            );
            self.published.insert(key, diagnostics);
        }
    }

    /// The document's findings; `None` while its folder is being indexed.
    fn diagnostics_of(&self, doc: &Doc) -> Option<Vec<lsp::Diagnostic>> {
        let found = self.findings_of(doc)?;
        let mut texts = Texts::new(self);
        Some(
            found
                .diagnostics
                .iter()
                .map(|d| to_lsp(d, &found, &mut texts))
                .collect(),
        )
    }

    fn request(&mut self, req: Request) -> Result<Value, (i32, String)> {
        let invalid = |e: serde_json::Error| (ErrorCode::InvalidParams as i32, e.to_string());
        match req.method.as_str() {
            "textDocument/hover" => {
                let p: lsp::HoverParams = serde_json::from_value(req.params).map_err(invalid)?;
                Ok(serde_json::to_value(hover::hover(self, &p)).unwrap_or(Value::Null))
            }
            "textDocument/codeAction" => {
                let p: lsp::CodeActionParams =
                    serde_json::from_value(req.params).map_err(invalid)?;
                Ok(serde_json::to_value(actions::code_actions(self, &p)).unwrap_or(Value::Null))
            }
            "textDocument/completion" => {
                let p: lsp::CompletionParams =
                    serde_json::from_value(req.params).map_err(invalid)?;
                Ok(serde_json::to_value(complete::complete(self, &p)).unwrap_or(Value::Null))
            }
            "kubevet/panic" if self.debug => panic!("kubevet/panic requested"),
            // The folders, whether they are indexed and how often whole (tests of their
            // lifecycle and of the in-place updates).
            "kubevet/folders" if self.debug => Ok(self
                .folders
                .iter()
                .map(|f| {
                    json!({
                        "root": f.root.display().to_string(),
                        "indexed": f.engine.is_some(),
                        "adhoc": f.adhoc,
                        "batchIndexes": f.engine.as_ref().map(|e| e.batch_indexes),
                    })
                })
                .collect()),
            _ => Err((
                ErrorCode::MethodNotFound as i32,
                format!("unknown method {}", req.method),
            )),
        }
    }
}

/// The request a `$/cancelRequest` cancels.
fn cancel_of(msg: &Message) -> Option<RequestId> {
    let Message::Notification(n) = msg else {
        return None;
    };
    if n.method != "$/cancelRequest" {
        return None;
    }
    let p: lsp::CancelParams = serde_json::from_value(n.params.clone()).ok()?;
    Some(match p.id {
        lsp::NumberOrString::Number(n) => RequestId::from(n),
        lsp::NumberOrString::String(s) => RequestId::from(s),
    })
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}
