//! Measures `kubevet lsp` on a corpus: the initial index (initialize → the `$/progress` end), the
//! time from a `didChange` of one file to its `publishDiagnostics` (median and 90th percentile
//! of `--edits` edits, each adding or removing a finding so that every edit publishes), and the
//! server's peak RSS; and `kubevet check` on the same tree for comparison.
//!
//! The edit appends a document to the corpus's first file: with `--edit duplicate-key` (the
//! default) one with a duplicate key, which kustomize refuses (the builds that read the file
//! stop rendering, then render again); with `--edit value` a ConfigMap whose `data` holds a
//! number, which the API server refuses and kustomize renders (the builds that read the file
//! render again and their objects are replaced in the index).
//!
//! ```sh
//! cargo build --release && cargo run --release --example gen-corpus -- /tmp/corpus --files 2000
//! cargo run --release --example lsp-bench -- /tmp/corpus [--edits 101] [--edit value]
//! ```

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let corpus = PathBuf::from(args.next().expect("usage: lsp-bench CORPUS [--edits N]"));
    let corpus = std::fs::canonicalize(&corpus).expect("the corpus directory");
    let mut edits = 101;
    let mut value_edit = false;
    while let Some(arg) = args.next() {
        if arg == "--edits" {
            edits = args.next().and_then(|n| n.parse().ok()).expect("--edits N");
        } else if arg == "--edit" {
            value_edit = match args.next().as_deref() {
                Some("value") => true,
                Some("duplicate-key") => false,
                _ => panic!("--edit duplicate-key|value"),
            };
        }
    }
    let kubevet = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("kubevet"))
        .expect("the kubevet binary beside the example");

    let started = Instant::now();
    let status = Command::new(&kubevet)
        .args(["check", "-q", "--format", "concise"])
        .arg(&corpus)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    let check_time = started.elapsed();
    assert!(status.code().is_some());

    let mut child = Command::new(&kubevet)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel::<(Instant, Value)>();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let mut length = 0;
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
                    length = n.parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let message = serde_json::from_slice(&body).unwrap();
            if tx.send((Instant::now(), message)).is_err() {
                return;
            }
        }
    });
    let mut send = |message: Value| {
        let body = message.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    };
    let wait = |pred: &dyn Fn(&Value) -> bool| -> Instant {
        loop {
            let (at, message) = rx
                .recv_timeout(Duration::from_secs(600))
                .expect("a message from the server");
            if pred(&message) {
                return at;
            }
        }
    };
    let root_uri = format!("file://{}", corpus.display());
    let started = Instant::now();
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "capabilities": {"window": {"workDoneProgress": true}},
            "workspaceFolders": [{"uri": root_uri, "name": "corpus"}],
        }}),
    );
    send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    let indexed = wait(&|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
    let index_time = indexed - started;

    let file = first_yaml(&corpus).expect("a YAML file in the corpus");
    let uri = format!("file://{}", file.display());
    let text = std::fs::read_to_string(&file).unwrap();
    // A finding of the file itself, whatever renders it (an invalid name in a kustomize base
    // would be reported at the overlays' `namePrefix:`, and the edited file, its findings
    // unchanged, would get no publish to wait for): a duplicate key, or a number in a
    // ConfigMap's `data`.
    let bad = if value_edit {
        format!(
            "{text}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: edited\ndata:\n  count: 3\n"
        )
    } else {
        format!(
            "{text}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: edited\n  name: edited\n"
        )
    };
    send(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}}),
    );
    let published = |m: &Value| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
    };
    wait(&published);
    let mut samples = Vec::new();
    for i in 0..edits {
        let new = if i % 2 == 0 { &bad } else { &text };
        let sent = Instant::now();
        send(
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": i + 2},
            "contentChanges": [{"text": new}]}}),
        );
        let at = wait(&|m| published(m) && m["params"]["version"] == i + 2);
        samples.push(at - sent);
    }
    samples.sort();
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0);
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    send(json!({"jsonrpc": "2.0", "method": "exit"}));
    let _ = child.wait();

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("corpus: {}", corpus.display());
    println!("kubevet check:            {:8.1} ms", ms(check_time));
    println!("lsp initial index:        {:8.1} ms", ms(index_time));
    println!(
        "didChange → publish:      median {:.2} ms, p90 {:.2} ms ({} edits of {})",
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 9 / 10]),
        samples.len(),
        file.display()
    );
    println!("lsp peak RSS:             {:8.1} MiB", rss as f64 / 1024.0);
}

/// The first `.yaml` file in path order.
fn first_yaml(dir: &Path) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in &entries {
        if path.extension().is_some_and(|e| e == "yaml") {
            return Some(path.clone());
        }
    }
    entries
        .iter()
        .filter(|p| p.is_dir())
        .find_map(|p| first_yaml(p))
}
