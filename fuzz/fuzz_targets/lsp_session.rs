//! One session of `kubevet lsp` in-process (`kubevet::lsp::serve` on
//! `lsp_server::Connection::memory()`), driven by arbitrary bytes: shared by the `lsp` fuzz
//! target and tests/lsp_fuzz.rs (which runs it on seeded random bytes and on `fuzz/seeds/lsp`).
//!
//! The bytes are read as a sequence of messages: documents opened, changed (ranges anywhere,
//! several changes at once, whole texts), saved and closed; files written, changed and deleted
//! on disk and announced; `.kubevet.yaml` rewritten; hover and code-action requests; requests
//! cancelled; known methods with arbitrary JSON parameters; unknown methods; and raw JSON-RPC
//! frames. Texts are raw bytes or pieces of manifests. Every `file:` URI points into the
//! session's scratch workspace (or a second folder beside it), so nothing else on the machine is
//! ever indexed.
//!
//! Asserted: no panic (a panic caught by the server's guard is still a panic: the fuzz target
//! aborts on any, the test counts them); no request answered with an internal error; every
//! request answered exactly once; after all of it the server still answers a hover, then
//! `shutdown`, and exits with code 0 on `exit`.

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long one answer may take.
const TIMEOUT: Duration = Duration::from_secs(60);

const MANIFESTS: &[&str] = &[
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports:\n        - containerPort: 8080\n",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: webx\n  ports:\n  - port: 80\n    targetPort: 8080\n",
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../a.yaml\n- missing.yaml\n- /etc/hosts\n",
    "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: Bad_Name\nspec:\n  schedule: \"0 0 31 2 *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Always\n          containers:\n          - name: c\n            image: busybox:latest\n",
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.org\nspec:\n  group: example.org\n  scope: Namespaced\n  names: {kind: Widget, plural: widgets}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n",
    "apiVersion: example.org/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: big\n",
    "a: &a [x, *a]\nb: {{ .Values.x }}\n\t- bad\n---\n: : :\n",
    "metadata:\n  name: x # kubevet-ignore: invalid-name -- why\n  labels:\n    tier: front end\n",
    "kind: Pod\napiVersion: extensions/v1beta1\nmetadata: {name: p, namespace: Bad}\nspec: {containers: [{name: c, image: ' nginx'}]}\n",
];

const CONFIGS: &[&str] = &[
    "limits:\n  maxFileSize: 200\n",
    "kubernetesVersion: \"1.29\"\nrules:\n  invalid-name: off\n",
    "rulez: {}\n",
    "crds: [\"crd.yaml\"]\nexclude: [\"sub/**\"]\n",
    "limits: {maxDepth: 3, maxDocuments: 2}\n",
];

/// Files of the workspace the messages address, relative to its root.
const FILES: &[&str] = &[
    "a.yaml",
    "b.yaml",
    "c.yaml",
    "sub/k/kustomization.yaml",
    "crd.yaml",
    ".kubevet.yaml",
    "new.json",
];

const METHODS: &[&str] = &[
    "textDocument/didOpen",
    "textDocument/didChange",
    "textDocument/didSave",
    "textDocument/didClose",
    "textDocument/hover",
    "textDocument/codeAction",
    "workspace/didChangeWatchedFiles",
    "$/cancelRequest",
    "$/setTrace",
    "initialize",
    "initialized",
    "shutdown",
    "textDocument/completion",
];

/// Methods answered: a message with one of these and an id is a request.
fn is_request(method: &str) -> bool {
    !matches!(
        method,
        "textDocument/didOpen"
            | "textDocument/didChange"
            | "textDocument/didSave"
            | "textDocument/didClose"
            | "workspace/didChangeWatchedFiles"
            | "$/cancelRequest"
            | "$/setTrace"
            | "initialized"
    )
}

/// The input, read front to back; past its end every read is zero.
struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bytes<'_> {
    fn done(&self) -> bool {
        self.at >= self.data.len()
    }

    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn small(&mut self) -> u32 {
        let b = self.byte();
        if b < 250 {
            u32::from(b)
        } else {
            (u32::from(self.byte()) << 8) | u32::from(self.byte())
        }
    }

    fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.byte() as usize % items.len()]
    }

    /// Raw bytes (lossy UTF-8), or a manifest, whole or cut.
    fn text(&mut self) -> String {
        let kind = self.byte();
        if kind < 96 {
            let manifest = MANIFESTS[kind as usize % MANIFESTS.len()];
            if kind < 64 {
                return manifest.to_owned();
            }
            let mut cut = (self.small() as usize).min(manifest.len());
            while !manifest.is_char_boundary(cut) {
                cut -= 1;
            }
            return manifest[..cut].to_owned();
        }
        let len = (self.small() as usize).min(self.data.len().saturating_sub(self.at));
        let start = self.at.min(self.data.len());
        self.at += len;
        String::from_utf8_lossy(&self.data[start..start + len]).into_owned()
    }

    /// A JSON value built from the bytes (depth-limited).
    fn value(&mut self, depth: u32) -> Value {
        match self.byte() % if depth > 3 { 6 } else { 8 } {
            0 => Value::Null,
            1 => Value::Bool(self.byte() & 1 == 1),
            2 => json!(self.small()),
            3 => json!(-(self.small() as i64) - 1),
            4 => json!(f64::from(self.small()) / 7.0),
            5 => Value::String(self.text()),
            6 => Value::Array(
                (0..self.byte() % 4)
                    .map(|_| self.value(depth + 1))
                    .collect(),
            ),
            _ => {
                let keys = [
                    "textDocument",
                    "uri",
                    "text",
                    "version",
                    "range",
                    "start",
                    "end",
                    "line",
                    "character",
                    "position",
                    "contentChanges",
                    "context",
                    "diagnostics",
                    "changes",
                    "type",
                    "id",
                    "languageId",
                    "code",
                ];
                let mut map = serde_json::Map::new();
                for _ in 0..self.byte() % 5 {
                    let key = self.pick(&keys).to_owned();
                    map.insert(key, self.value(depth + 1));
                }
                Value::Object(map)
            }
        }
    }
}

struct Session {
    root: PathBuf,
    outside: PathBuf,
    client: Connection,
    next_id: i32,
    /// Requests sent, by id, not yet answered (a raw frame may reuse an id).
    unanswered: HashMap<RequestId, usize>,
    /// The last diagnostics published, by URI.
    published: HashMap<String, Value>,
    versions: HashMap<String, i32>,
    /// Messages sent.
    sent: usize,
}

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

impl Session {
    fn uri(&self, rel: &str) -> String {
        format!("file://{}", self.root.join(rel).display())
    }

    /// A URI of the session from a byte: a workspace file, a file in the second folder, an
    /// untitled buffer, or an odd spelling of a workspace file.
    fn any_uri(&self, b: u8) -> String {
        match b % 12 {
            i @ 0..7 => self.uri(FILES[i as usize]),
            7 => format!("file://{}/o.yaml", self.outside.display()),
            8 => "untitled:Untitled-1".into(),
            9 => format!("file://localhost{}", self.root.join("a.yaml").display()),
            10 => format!("file://{}/./sub/../b.yaml", self.root.display()),
            _ => format!("file://{}/sp%20ace.yaml", self.root.display()),
        }
    }

    /// Every `file:` string in a value made one of the session's URIs.
    fn confine(&self, value: &mut Value) {
        match value {
            Value::String(s) if s.trim_start().to_ascii_lowercase().starts_with("file:") => {
                *s = self.any_uri(s.len() as u8);
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.confine(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.confine(v)),
            _ => {}
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        let n = Notification::new(method.into(), params);
        self.sent += 1;
        self.client
            .sender
            .send(Message::Notification(n))
            .expect("the server is running");
    }

    fn request(&mut self, method: &str, params: Value) -> RequestId {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send_request(Request::new(id.clone(), method.into(), params));
        id
    }

    fn send_request(&mut self, request: Request) {
        *self.unanswered.entry(request.id.clone()).or_default() += 1;
        self.sent += 1;
        self.client
            .sender
            .send(Message::Request(request))
            .expect("the server is running");
    }

    /// Handles one message from the server; returns the id of a response.
    fn receive(&mut self, message: Message) -> Option<RequestId> {
        match message {
            Message::Request(r) => {
                // workDoneProgress/create, registerCapability: accepted.
                let _ = self
                    .client
                    .sender
                    .send(Message::Response(Response::new_ok(r.id, Value::Null)));
                None
            }
            Message::Notification(n) => {
                if n.method == "textDocument/publishDiagnostics" {
                    let uri = n.params["uri"].as_str().unwrap_or_default().to_owned();
                    self.published.insert(uri, n.params["diagnostics"].clone());
                }
                None
            }
            Message::Response(r) => {
                if let Err(e) = &r.response_result {
                    assert_ne!(e.code, lsp_server::ErrorCode::InternalError as i32, "{e:?}");
                }
                match self.unanswered.get_mut(&r.id) {
                    Some(n) if *n > 0 => *n -= 1,
                    _ => panic!("an answer to no request, or one too many: {r:?}"),
                }
                Some(r.id)
            }
        }
    }

    /// Waits for the answer to `id`, handling everything before it.
    fn wait(&mut self, id: &RequestId) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .client
                .receiver
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("no answer to request {id:?}: {e}"));
            if self.receive(message).as_ref() == Some(id) {
                return;
            }
        }
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        let _ = std::fs::create_dir_all(path.parent().unwrap());
        let _ = std::fs::write(path, text);
    }

    fn range(input: &mut Bytes) -> Value {
        let (a, b, c, d) = (input.small(), input.small(), input.small(), input.small());
        json!({"start": {"line": a % 64, "character": b}, "end": {"line": c % 64, "character": d}})
    }

    fn step(&mut self, input: &mut Bytes) {
        let op = input.byte();
        let uri = self.any_uri(input.byte());
        match op % 14 {
            0 => {
                let text = input.text();
                self.versions.insert(uri.clone(), 1);
                self.notify(
                    "textDocument/didOpen",
                    json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
                );
            }
            1 => {
                let changes: Vec<Value> = (0..1 + input.byte() % 3)
                    .map(|_| json!({"range": Session::range(input), "text": input.text()}))
                    .collect();
                let version = self.versions.entry(uri.clone()).or_default();
                *version += 1;
                let version = *version;
                self.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
                );
            }
            2 => {
                let text = input.text();
                self.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uri, "version": 0}, "contentChanges": [{"text": text}]}),
                );
            }
            3 => self.notify(
                "textDocument/didClose",
                json!({"textDocument": {"uri": uri}}),
            ),
            4 => self.notify(
                "textDocument/didSave",
                json!({"textDocument": {"uri": uri}}),
            ),
            5 => {
                // A file written or deleted on disk, and announced.
                let rel = input.pick(FILES);
                let kind = 1 + input.byte() % 3;
                if kind == 3 {
                    let _ = std::fs::remove_file(self.root.join(rel));
                } else {
                    let text = input.text();
                    self.write(rel, &text);
                }
                let uri = self.uri(rel);
                self.notify(
                    "workspace/didChangeWatchedFiles",
                    json!({"changes": [{"uri": uri, "type": kind}]}),
                );
            }
            6 => {
                let (line, character) = (input.small() % 64, input.small());
                self.request(
                    "textDocument/hover",
                    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
                );
            }
            7 => {
                // Quick fixes for what was published there (or made-up diagnostics).
                let mut diagnostics = self.published.get(&uri).cloned().unwrap_or(json!([]));
                if input.byte().is_multiple_of(4) {
                    diagnostics = json!([{"range": Session::range(input), "message": input.text(), "code": input.pick(&["invalid-name", "latest-tag", "x"])}]);
                }
                let range = diagnostics[0]["range"].clone();
                let range = if range.is_null() {
                    Session::range(input)
                } else {
                    range
                };
                self.request(
                    "textDocument/codeAction",
                    json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": diagnostics}}),
                );
            }
            8 => {
                let id = i64::from(self.next_id) - i64::from(input.byte() % 4);
                self.notify("$/cancelRequest", json!({"id": id}));
            }
            9 => {
                let text = input.pick(CONFIGS).to_owned();
                let text = if input.byte().is_multiple_of(3) {
                    input.text()
                } else {
                    text
                };
                self.write(".kubevet.yaml", &text);
                let uri = self.uri(".kubevet.yaml");
                self.notify(
                    "workspace/didChangeWatchedFiles",
                    json!({"changes": [{"uri": uri, "type": 2}]}),
                );
            }
            10 | 11 => {
                // A known (or unknown) method with arbitrary parameters.
                let method = if op % 14 == 10 {
                    input.pick(METHODS).to_owned()
                } else {
                    input.text()
                };
                let mut params = input.value(0);
                self.confine(&mut params);
                if method == "exit" {
                    return;
                }
                if is_request(&method) {
                    self.request(&method, params);
                } else {
                    self.notify(&method, params);
                }
            }
            12 => {
                // A raw frame: whatever JSON-RPC message the text is.
                let Ok(mut value) = serde_json::from_str::<Value>(&input.text()) else {
                    return;
                };
                self.confine(&mut value);
                match serde_json::from_value::<Message>(value) {
                    Ok(Message::Request(r)) => self.send_request(r),
                    Ok(Message::Notification(n)) if n.method != "exit" => {
                        self.sent += 1;
                        self.client
                            .sender
                            .send(Message::Notification(n))
                            .expect("running");
                    }
                    // Answers to requests the server did not send are ignored.
                    Ok(Message::Response(r)) => {
                        self.sent += 1;
                        self.client
                            .sender
                            .send(Message::Response(r))
                            .expect("running");
                    }
                    _ => {}
                }
            }
            _ => {
                // Wait for everything so far (a point where the next batch starts).
                let id = self.request(
                    "textDocument/hover",
                    json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
                );
                self.wait(&id);
            }
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let n = SESSIONS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "kubevet-lsp-fuzz-{}-{n}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    std::fs::canonicalize(&dir).expect("a scratch directory")
}

fn remove(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs one session on `data`; panics on what is asserted. Returns how many messages it sent.
pub fn run(data: &[u8]) -> usize {
    let root = scratch("ws");
    let outside = scratch("outside");
    std::fs::create_dir_all(root.join(".git")).expect("a git root");
    std::fs::create_dir_all(outside.join(".git")).expect("a git root");
    for (rel, text) in [
        ("a.yaml", MANIFESTS[0]),
        ("b.yaml", MANIFESTS[1]),
        ("sub/k/kustomization.yaml", MANIFESTS[2]),
        ("crd.yaml", MANIFESTS[4]),
    ] {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).expect("a directory");
        std::fs::write(path, text).expect("a file");
    }
    let (server, client) = Connection::memory();
    let thread = std::thread::spawn(move || kubevet::lsp::serve(&server));
    let mut session = Session {
        root,
        outside,
        client,
        next_id: 0,
        unanswered: HashMap::new(),
        published: HashMap::new(),
        versions: HashMap::new(),
        sent: 0,
    };
    let root_uri = session.uri("");
    let init = session.request(
        "initialize",
        json!({
            "processId": null,
            "capabilities": {
                "window": {"workDoneProgress": true},
                "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}},
            },
            "workspaceFolders": [{"uri": root_uri.trim_end_matches('/'), "name": "fuzz"}],
        }),
    );
    session.wait(&init);
    session.notify("initialized", json!({}));
    // Indexing runs on a thread of its own: wait for its end, so that a run is repeatable.
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = session
            .client
            .receiver
            .recv_timeout(left)
            .expect("indexing ends");
        let end = matches!(&message, Message::Notification(n) if n.method == "$/progress" && n.params["value"]["kind"] == "end");
        session.receive(message);
        if end {
            break;
        }
    }
    let mut input = Bytes { data, at: 0 };
    while !input.done() {
        session.step(&mut input);
    }
    // Still answering, and everything was answered.
    let a = session.uri("a.yaml");
    let last = session.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": a}, "position": {"line": 3, "character": 8}}),
    );
    session.wait(&last);
    let shutdown = session.request("shutdown", Value::Null);
    session.wait(&shutdown);
    let left: Vec<_> = session.unanswered.iter().filter(|(_, n)| **n > 0).collect();
    assert!(left.is_empty(), "requests not answered: {left:?}");
    session.notify("exit", Value::Null);
    let (root, outside, sent) = (session.root.clone(), session.outside.clone(), session.sent);
    drop(session);
    let code = thread.join().expect("the server thread");
    assert_eq!(code, 0, "the exit code after shutdown and exit");
    remove(&root);
    remove(&outside);
    sent
}
