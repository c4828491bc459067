//! An editor's side of `kubevet lsp` for long runs (tests/lsp_soak.rs): the binary over stdio,
//! requests sent without waiting and counted until answered, the last diagnostics published
//! for each document kept (nothing else piles up), and the server's resident memory read from
//! `/proc`.
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

pub struct Client {
    child: Child,
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
        let mut child = Command::new(binary)
            .arg("lsp")
            .current_dir(root)
            .env_remove("KUBEVET_LSP_DEBUG")
            // Every in-place update of the index is checked against a batch run.
            .env("KUBEVET_LSP_VERIFY", "1")
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
                "workspaceFolders": [{"uri": uri, "name": "soak"}],
            }),
        );
        assert!(init["result"]["capabilities"].is_object(), "{init}");
        client.notify("initialized", json!({}));
        let deadline = Instant::now() + TIMEOUT;
        while client.progress_ends == 0 {
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
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(answer) = self.answers.remove(&id) {
                return answer;
            }
            if Instant::now() >= deadline {
                self.fail(&format!("no answer to {method} (id {id}) in {TIMEOUT:?}"));
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
        drop(self.stdin.take());
        let deadline = Instant::now() + TIMEOUT;
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
