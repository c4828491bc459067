//! An editor's side of `kubevet lsp`, the one JSON-RPC client of the tests (tests/lsp.rs,
//! tests/lsp_soak.rs): the binary over stdio, requests sent without waiting and counted until
//! answered, the last diagnostics published for each document kept, and the server's resident
//! memory read from `/proc`. For long runs nothing else piles up; a client that
//! [`Launch::record`]s keeps every message it has not looked at, for [`Client::wait_for`] and
//! [`Client::diagnostics`] (the published lists in order).
#![allow(dead_code)]

use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// The longest the server may take to answer a request (a full re-analysis of a large
/// workspace in a debug build on a loaded machine takes a few seconds).
pub const TIMEOUT: Duration = Duration::from_secs(120);

pub struct Published {
    pub version: Option<i64>,
    pub diagnostics: Vec<Value>,
}

/// How a client starts the server.
pub struct Launch<'a> {
    /// Environment variables for the server.
    pub env: &'a [(&'a str, &'a str)],
    /// Whether every message is kept until looked at ([`Client::wait_for`]).
    pub record: bool,
    /// Whether [`Client::launch`] returns only once the workspace is indexed.
    pub wait_indexed: bool,
    /// The longest to wait for an answer or a message.
    pub timeout: Duration,
}

impl Default for Launch<'_> {
    fn default() -> Self {
        Launch {
            env: &[],
            record: false,
            wait_indexed: true,
            timeout: TIMEOUT,
        }
    }
}

pub struct Client {
    child: Child,
    /// Messages not looked at yet (kept only when recording).
    pub seen: Vec<Value>,
    record: bool,
    timeout: Duration,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    stderr: Option<std::thread::JoinHandle<String>>,
    next_id: i64,
    /// Requests sent and not answered yet, with their method.
    pub unanswered: HashMap<i64, String>,
    /// Answers waited for by [`Client::request`].
    answers: HashMap<i64, Value>,
    waiting: HashSet<i64>,
    /// The last diagnostics published for each URI.
    pub published: HashMap<String, Published>,
    /// How many messages of each kind arrived.
    pub publishes: u64,
    pub responses: u64,
    /// `$/progress` ends seen (the end of indexing).
    pub progress_ends: u64,
    /// `window/showMessage` texts.
    pub shown: Vec<String>,
}

impl Client {
    /// Starts `binary lsp` on the workspace folder `root` and waits until it has indexed it.
    pub fn start(binary: &Path, root: &Path) -> Client {
        Client::launch(binary, root, Launch::default())
    }

    /// Starts `binary lsp` on the workspace folder `root` as `how` says.
    pub fn launch(binary: &Path, root: &Path, how: Launch<'_>) -> Client {
        let mut child = Command::new(binary)
            .arg("lsp")
            .current_dir(root)
            .env_remove("KUBEVET_LSP_DEBUG")
            // Every in-place update of the index is checked against a batch run.
            .env("KUBEVET_LSP_VERIFY", "1")
            .envs(how.env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("run {}: {e}", binary.display()));
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let message: Value = serde_json::from_slice(&body).expect("a JSON message");
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            seen: Vec::new(),
            record: how.record,
            timeout: how.timeout,
            stdin: Some(stdin),
            rx,
            stderr: Some(stderr),
            next_id: 0,
            unanswered: HashMap::new(),
            answers: HashMap::new(),
            waiting: HashSet::new(),
            published: HashMap::new(),
            publishes: 0,
            responses: 0,
            progress_ends: 0,
            shown: Vec::new(),
        };
        let uri = uri_of(root);
        let init = client.request(
            "initialize",
            json!({
                "processId": null,
                "capabilities": {
                    "window": {"workDoneProgress": true},
                    "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}},
                },
                "workspaceFolders": [{"uri": uri, "name": "workspace"}],
            }),
        );
        // Incremental changes.
        assert_eq!(
            init["result"]["capabilities"]["textDocumentSync"]["change"], 2,
            "{init}"
        );
        client.notify("initialized", json!({}));
        let deadline = Instant::now() + client.timeout;
        while how.wait_indexed && client.progress_ends == 0 {
            assert!(Instant::now() < deadline, "indexing did not end");
            client.pump(Duration::from_millis(100));
        }
        client
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident set size in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmRSS line")
    }

    pub fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().expect("the server's stdin is open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.unanswered.insert(id, method.to_owned());
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Sends a request and waits for its answer.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.waiting.insert(id);
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(answer) = self.answers.remove(&id) {
                return answer;
            }
            if Instant::now() >= deadline {
                let timeout = self.timeout;
                self.fail(&format!("no answer to {method} (id {id}) in {timeout:?}"));
            }
            self.pump(Duration::from_millis(200));
        }
    }

    /// Handles what arrives within `wait`; returns whether anything did.
    pub fn pump(&mut self, wait: Duration) -> bool {
        let first = match self.rx.recv_timeout(wait) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => return false,
            Err(RecvTimeoutError::Disconnected) => self.fail("the server exited"),
        };
        self.handle(first);
        while let Ok(m) = self.rx.try_recv() {
            self.handle(m);
        }
        true
    }

    fn handle(&mut self, message: Value) {
        if self.record {
            let waited = message.get("method").is_none()
                && message["id"]
                    .as_i64()
                    .is_some_and(|id| self.waiting.contains(&id));
            if !waited {
                self.seen.push(message.clone());
            }
        }
        let method = message.get("method").and_then(Value::as_str);
        match (method, message.get("id")) {
            (Some(_), Some(id)) => {
                // workDoneProgress/create, registerCapability: accepted.
                let id = id.clone();
                self.send(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
            }
            (Some("textDocument/publishDiagnostics"), None) => {
                self.publishes += 1;
                let params = &message["params"];
                let uri = params["uri"].as_str().expect("a uri").to_owned();
                let diagnostics = params["diagnostics"]
                    .as_array()
                    .expect("a list of diagnostics")
                    .clone();
                let version = params["version"].as_i64();
                self.published.insert(
                    uri,
                    Published {
                        version,
                        diagnostics,
                    },
                );
            }
            (Some("$/progress"), None) => {
                if message["params"]["value"]["kind"] == "end" {
                    self.progress_ends += 1;
                }
            }
            (Some("window/showMessage"), None) => {
                self.shown
                    .push(message["params"]["message"].as_str().unwrap_or("").into());
            }
            (Some(_), None) => {}
            (None, Some(id)) => {
                self.responses += 1;
                let id = id.as_i64().expect("the ids sent are numbers");
                if self.unanswered.remove(&id).is_none() {
                    self.fail(&format!(
                        "an answer to no request, or a second one: {message}"
                    ));
                }
                if self.waiting.remove(&id) {
                    self.answers.insert(id, message);
                }
            }
            (None, None) => self.fail(&format!("a message that is none: {message}")),
        }
    }

    /// The first message (already received or to come) that `pred` accepts; it is consumed.
    /// Only for a client that records.
    pub fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        assert!(self.record, "wait_for needs a client that records");
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(i) = self.seen.iter().position(&pred) {
                return self.seen.remove(i);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let seen = serde_json::to_string_pretty(&self.seen).unwrap_or_default();
                self.fail(&format!("timed out; received meanwhile: {seen}"));
            }
            self.pump(left.min(Duration::from_millis(200)));
        }
    }

    /// The next diagnostics published for `uri` that `pred` accepts (earlier ones for it are
    /// dropped). Only for a client that records.
    pub fn diagnostics(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let is_for = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        loop {
            let m = self.wait_for(is_for);
            let list = m["params"]["diagnostics"].as_array().unwrap().clone();
            if pred(&list) {
                return list;
            }
        }
    }

    pub fn open_text(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    pub fn close(&mut self, uri: &str) {
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    }

    pub fn change_full(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// A change of the text from (line, character) to (line, character), in UTF-16 units.
    pub fn change_range(&mut self, uri: &str, version: i32, range: [u32; 4], text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{
                    "range": {
                        "start": {"line": range[0], "character": range[1]},
                        "end": {"line": range[2], "character": range[3]},
                    },
                    "text": text,
                }],
            }),
        );
    }

    /// Waits until the server has handled everything sent: a request answered (answers come
    /// after every change before them is checked and published), then nothing more for
    /// `quiet`.
    pub fn quiesce(&mut self, quiet: Duration) {
        self.request(
            "textDocument/hover",
            json!({
                "textDocument": {"uri": "file:///kubevet-soak-not-open.yaml"},
                "position": {"line": 0, "character": 0},
            }),
        );
        while self.pump(quiet) {}
    }

    /// Kills the server and panics with what it wrote on stderr.
    pub fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let stderr = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        panic!("{why}\nserver stderr:\n{stderr}")
    }

    /// `shutdown` then `exit`: the exit code and what the server wrote on stderr.
    pub fn shutdown(mut self) -> (i32, String) {
        let response = self.request("shutdown", Value::Null);
        assert_eq!(response["result"], Value::Null, "{response}");
        self.notify("exit", Value::Null);
        self.finish()
    }

    /// Closes the server's stdin and waits for it to exit: the exit code and what it wrote on
    /// stderr.
    pub fn finish(mut self) -> (i32, String) {
        drop(self.stdin.take());
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        };
        let stderr = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        (status.code().unwrap_or(-1), stderr)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `file://` URI of an absolute path made of characters URIs need not escape.
pub fn uri_of(path: &Path) -> String {
    let text = path.to_str().expect("a UTF-8 path");
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b)),
        "{text} needs escaping"
    );
    format!("file://{text}")
}
