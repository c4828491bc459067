//! `kubevet lsp` over a long editing session, driven as an editor drives it (the built binary,
//! JSON-RPC over stdio): a generated workspace (the corpus of `examples/gen-corpus.rs`), many
//! open files, and a seeded stream of edits — values changed, keys typed character by
//! character, broken YAML, lines deleted and copied, several changes in one notification,
//! whole-text replacements and half-written files, pastes just under and just over the file
//! size limit, saves, files created, changed and deleted on disk (announced with
//! `workspace/didChangeWatchedFiles`; a kustomization setting image tags appears and goes),
//! files closed and others opened, and `.kubevet.yaml` rewritten (another Kubernetes release,
//! rule levels and overrides, an invalid file, none) — with hover and code-action requests in
//! between, some cancelled.
//!
//! Asserted: every request is answered; at every checkpoint, once the server is quiet, the
//! diagnostics it last published for each open file equal (rule, range, severity, message,
//! help) what `kubevet check` reports for that file on a copy of the workspace with the
//! buffers written into it; a paste over the limit is `input-limit-exceeded` exactly when its
//! bytes exceed it; the server's resident memory at the end is at most 10% over what it was
//! after the first 1,000 edits (two fifths of a shorter run); nothing was logged as an
//! internal error; `shutdown` and `exit` end it with code 0.
//!
//! The size is set by environment variables (the default fits a debug `cargo test`):
//! `KUBEVET_SOAK_FILES` (manifests in the workspace), `KUBEVET_SOAK_OPEN` (open files),
//! `KUBEVET_SOAK_EDITS`, `KUBEVET_SOAK_CHECKPOINT` (edits between checkpoints),
//! `KUBEVET_SOAK_SEED`, and `KUBEVET_SOAK_BIN` (the kubevet binary; a release build for the
//! full size). The full size, as the README's Reliability section records it:
//!
//! ```sh
//! cargo build --release
//! KUBEVET_SOAK_BIN=target/release/kubevet KUBEVET_SOAK_FILES=2000 KUBEVET_SOAK_OPEN=200 \
//!   KUBEVET_SOAK_EDITS=10000 cargo test --test lsp_soak -- --nocapture
//! ```

#[path = "common/corpus.rs"]
mod corpus;
#[path = "common/lsp_client.rs"]
mod lsp_client;

use corpus::Rng;
use lsp_client::{Client, uri_of};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Params {
    files: usize,
    open: usize,
    edits: usize,
    checkpoint: usize,
    seed: u64,
    binary: PathBuf,
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a number")),
        Err(_) => default,
    }
}

impl Params {
    fn from_env() -> Params {
        let files = env_number("KUBEVET_SOAK_FILES", 200) as usize;
        let open = (env_number("KUBEVET_SOAK_OPEN", 25) as usize).min(files);
        let edits = env_number("KUBEVET_SOAK_EDITS", 2000) as usize;
        let checkpoint =
            (env_number("KUBEVET_SOAK_CHECKPOINT", (edits as u64 / 5).min(1000)) as usize).max(1);
        let binary = std::env::var_os("KUBEVET_SOAK_BIN")
            .map(PathBuf::from)
            .map(|p| std::fs::canonicalize(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_kubevet")));
        Params {
            files,
            open,
            edits,
            checkpoint,
            seed: env_number("KUBEVET_SOAK_SEED", 22),
            binary,
        }
    }
}

/// The configurations `.kubevet.yaml` cycles through: (text, file size limit); `None` for no
/// file.
const CONFIGS: &[(Option<&str>, usize)] = &[
    (Some("limits:\n  maxFileSize: 256KiB\n"), 262_144),
    (
        Some(
            "kubernetesVersion: \"1.29\"\nstrict: false\nrules:\n  latest-tag: off\n  service-selects-nothing: error\nlimits:\n  maxFileSize: 200000\n",
        ),
        200_000,
    ),
    (
        Some(
            "rules:\n  cron-schedule-never-fires: error\noverrides:\n  - files: [\"team-0*/**\"]\n    rules:\n      duplicate-object: warning\n      latest-tag: info\nlimits:\n  maxFileSize: 128KiB\n",
        ),
        131_072,
    ),
    // Invalid: nothing is checked; the open files have no findings.
    (Some("limits:\n  maxFileSize: 256KiB\nrulez: {}\n"), 262_144),
    (None, 32 << 20),
];

/// Values written over a value: valid, of the wrong type, invalid for the field, non-ASCII
/// (one UTF-16 unit each, so columns and UTF-16 characters agree).
const VALUES: &[&str] = &[
    "3",
    "web",
    "nginx:1.27.2",
    "nginx:latest",
    "\"true\"",
    "yes",
    "-1",
    "{}",
    "[a, b]",
    "Bad_Name",
    "café-ü",
    "0 0 31 2 *",
    "512MB",
    "\"unterminated",
    "",
    "*alias",
    "&anchor x",
];

/// Lines inserted that break the YAML (or the object) they land in.
const BROKEN: &[&str] = &[
    "  bad: [unclosed\n",
    "\tkey: tab-indented\n",
    ": : :\n",
    "key: \"no end\n",
    "   mis: indented\n",
    "- a list item\n",
    "---\n",
    "{{ .Values.image }}\n",
    "x: y: z\n",
    "? complex\n",
];

struct Doc {
    text: String,
    version: i64,
}

#[derive(Default, Debug)]
struct Counts {
    changes: u64,
    typed: u64,
    broken: u64,
    full: u64,
    half_written: u64,
    pastes: u64,
    saves: u64,
    created: u64,
    deleted: u64,
    changed_on_disk: u64,
    kustomizations: u64,
    reopened: u64,
    configs: u64,
    hovers: u64,
    code_actions: u64,
    cancelled: u64,
}

struct Soak {
    params: Params,
    root: PathBuf,
    copy: PathBuf,
    client: Client,
    rng: Rng,
    /// Open documents by path relative to the root.
    docs: BTreeMap<String, Doc>,
    /// Manifests on disk, relative to the root.
    disk: BTreeSet<String>,
    next_new: usize,
    /// The kustomization written on disk, if any.
    kustomization: Option<String>,
    config: usize,
    counts: Counts,
}

/// Writes a file of the workspace; a failure says which path and whether its directory exists
/// (a NotFound was seen once here and not reproduced).
fn write_file(path: &Path, text: impl AsRef<[u8]>) {
    if let Err(e) = std::fs::write(path, text) {
        let parent = path.parent().unwrap_or(path);
        panic!(
            "writing {}: {e} (its directory {} {})",
            path.display(),
            parent.display(),
            if parent.is_dir() {
                "exists"
            } else {
                "does not exist"
            }
        );
    }
}

fn unique_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubevet-soak-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::canonicalize(&dir).unwrap()
}

/// Byte offset of the start of line `line` (the end of the text past the last line).
fn line_start(text: &str, line: usize) -> usize {
    if line == 0 {
        return 0;
    }
    memchr::memchr_iter(b'\n', text.as_bytes())
        .nth(line - 1)
        .map_or(text.len(), |i| i + 1)
}

fn line_count(text: &str) -> usize {
    memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1
}

/// The LSP position (line, UTF-16 character) of a byte offset.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[start..].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": character})
}

impl Soak {
    fn pick_open(&mut self) -> String {
        let i = self.rng.below(self.docs.len() as u64) as usize;
        self.docs.keys().nth(i).unwrap().clone()
    }

    fn pick_disk(&mut self) -> String {
        let i = self.rng.below(self.disk.len() as u64) as usize;
        self.disk.iter().nth(i).unwrap().clone()
    }

    fn uri(&self, rel: &str) -> String {
        uri_of(&self.root.join(rel))
    }

    /// A char-boundary offset in `text` at or before `offset`.
    fn boundary(text: &str, mut offset: usize) -> usize {
        offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// Sends one `didChange` with the given byte-range replacements, each addressed in the
    /// text the ones before it left.
    fn change(&mut self, rel: &str, edits: &[(usize, usize, String)]) {
        let doc = self.docs.get_mut(rel).unwrap();
        let mut changes = Vec::new();
        for (start, end, text) in edits {
            let start = Self::boundary(&doc.text, *start);
            let end = Self::boundary(&doc.text, (*end).max(start));
            changes.push(json!({
                "range": {"start": position(&doc.text, start), "end": position(&doc.text, end)},
                "text": text,
            }));
            doc.text.replace_range(start..end, text);
        }
        doc.version += 1;
        let params = json!({
            "textDocument": {"uri": uri_of(&self.root.join(rel)), "version": doc.version},
            "contentChanges": changes,
        });
        self.client.notify("textDocument/didChange", params);
        self.counts.changes += 1;
    }

    fn change_full(&mut self, rel: &str, text: String) {
        let doc = self.docs.get_mut(rel).unwrap();
        doc.version += 1;
        let params = json!({
            "textDocument": {"uri": uri_of(&self.root.join(rel)), "version": doc.version},
            "contentChanges": [{"text": text}],
        });
        doc.text = text;
        self.client.notify("textDocument/didChange", params);
        self.counts.changes += 1;
    }

    fn open(&mut self, rel: &str) {
        let text = std::fs::read_to_string(self.root.join(rel)).unwrap();
        self.client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": self.uri(rel), "languageId": "yaml", "version": 1, "text": text}}),
        );
        self.docs.insert(rel.to_owned(), Doc { text, version: 1 });
    }

    fn close(&mut self, rel: &str) {
        self.docs.remove(rel);
        let uri = self.uri(rel);
        self.client.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
        self.client.published.remove(&uri);
    }

    fn watched(&mut self, rel: &str, kind: u8) {
        let uri = self.uri(rel);
        self.client.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": uri, "type": kind}]}),
        );
    }

    fn fresh_manifest(&mut self) -> String {
        let i = self.rng.below(self.params.files as u64 * 2) as usize;
        corpus::manifest(&mut self.rng, i)
    }

    /// One step of the session.
    fn step(&mut self, n: usize) {
        // The configuration changes at fixed steps, four times between checkpoints.
        if n.is_multiple_of((self.params.checkpoint / 4).max(1)) {
            self.set_config((self.config + 1) % CONFIGS.len());
            return;
        }
        let roll = self.rng.below(1000);
        match roll {
            0..300 => self.edit_value(),
            300..380 => self.type_text(),
            380..460 => self.insert_broken(),
            460..560 => self.delete_lines(),
            560..660 => self.copy_lines(),
            660..720 => self.several_changes(),
            720..790 => self.replace_whole(),
            790..800 => self.paste_near_limit(),
            800..850 => self.save(),
            850..880 => self.create_on_disk(),
            880..910 => self.delete_on_disk(),
            910..940 => self.change_on_disk(),
            _ => self.reopen(),
        }
        self.requests();
    }

    /// A document grown or shrunk far from a manifest's size is replaced whole.
    fn oversized(&mut self, rel: &str) -> bool {
        let len = self.docs[rel].text.len();
        if !(200..=20_000).contains(&len) {
            let text = self.fresh_manifest();
            self.change_full(rel, text);
            self.counts.full += 1;
            return true;
        }
        false
    }

    fn edit_value(&mut self) {
        let rel = self.pick_open();
        if self.oversized(&rel) {
            return;
        }
        let text = &self.docs[&rel].text;
        let line = self.rng.below(line_count(text) as u64) as usize;
        let (start, end) = (line_start(text, line), line_start(text, line + 1));
        let body = text[start..end].trim_end_matches('\n');
        let value = self.rng.pick(VALUES).to_owned();
        let edit = match body.find(": ") {
            Some(colon) => (start + colon + 2, start + body.len(), value),
            None => (start, start + body.len(), format!("  k{line}: {value}")),
        };
        self.change(&rel, &[edit]);
    }

    /// A key typed at the end of a line, one character per `didChange`, then partly erased.
    fn type_text(&mut self) {
        let rel = self.pick_open();
        if self.oversized(&rel) {
            return;
        }
        let text = &self.docs[&rel].text;
        let line = self.rng.below(line_count(text) as u64) as usize;
        let mut at = line_start(text, line + 1);
        if at > 0 && text.as_bytes()[at - 1] == b'\n' {
            at -= 1;
        }
        let typed = ["\n  extra: 1", " # note", "\nmetadata:", "x"][self.rng.below(4) as usize];
        for c in typed.chars() {
            self.change(&rel, &[(at, at, c.to_string())]);
            at += c.len_utf8();
        }
        let erase = self.rng.below(typed.len() as u64 + 1) as usize;
        for _ in 0..erase {
            self.change(&rel, &[(at - 1, at, String::new())]);
            at -= 1;
        }
        self.counts.typed += 1;
    }

    fn insert_broken(&mut self) {
        let rel = self.pick_open();
        if self.oversized(&rel) {
            return;
        }
        let text = &self.docs[&rel].text;
        let line = self.rng.below(line_count(text) as u64) as usize;
        let at = line_start(text, line);
        let broken = self.rng.pick(BROKEN).to_owned();
        self.change(&rel, &[(at, at, broken)]);
        self.counts.broken += 1;
    }

    fn delete_lines(&mut self) {
        let rel = self.pick_open();
        if self.oversized(&rel) {
            return;
        }
        let text = &self.docs[&rel].text;
        let line = self.rng.below(line_count(text) as u64) as usize;
        let lines = 1 + self.rng.below(6) as usize;
        let edit = (
            line_start(text, line),
            line_start(text, line + lines),
            String::new(),
        );
        self.change(&rel, &[edit]);
    }

    fn copy_lines(&mut self) {
        let rel = self.pick_open();
        if self.oversized(&rel) {
            return;
        }
        let text = &self.docs[&rel].text;
        let count = line_count(text) as u64;
        let from = self.rng.below(count) as usize;
        let lines = 1 + self.rng.below(8) as usize;
        let block = text[line_start(text, from)..line_start(text, from + lines)].to_owned();
        let at = line_start(text, self.rng.below(count) as usize);
        self.change(&rel, &[(at, at, block)]);
    }

    /// Two to four replacements in one notification.
    fn several_changes(&mut self) {
        let rel = self.pick_open();
        if self.oversized(&rel) {
            return;
        }
        let mut edits = Vec::new();
        let mut text = self.docs[&rel].text.clone();
        for _ in 0..2 + self.rng.below(3) {
            let line = self.rng.below(line_count(&text) as u64) as usize;
            let start = line_start(&text, line);
            let end = Soak::boundary(&text, start + self.rng.below(12) as usize);
            let end = end.min(line_start(&text, line + 1));
            let value = self.rng.pick(VALUES).to_owned();
            text.replace_range(start..end, &value);
            edits.push((start, end, value));
        }
        self.change(&rel, &edits);
    }

    /// The whole text replaced: a regenerated manifest, the file on disk, or a half-written
    /// file (cut anywhere).
    fn replace_whole(&mut self) {
        let rel = self.pick_open();
        let text = match self.rng.below(3) {
            0 => self.fresh_manifest(),
            1 => std::fs::read_to_string(self.root.join(&rel)).unwrap(),
            _ => {
                let text = self.docs[&rel].text.clone();
                let cut = Soak::boundary(&text, self.rng.below(text.len() as u64 + 1) as usize);
                self.counts.half_written += 1;
                text[..cut].to_owned()
            }
        };
        self.change_full(&rel, text);
        self.counts.full += 1;
    }

    /// A paste that makes the buffer a few bytes under, at or over the size limit in force;
    /// checked (a request waits for it) and undone.
    fn paste_near_limit(&mut self) {
        let (config, limit) = CONFIGS[self.config];
        if config.is_none() || limit > 1 << 20 {
            // 32 MiB pastes: too slow for a debug build.
            return self.edit_value();
        }
        let rel = self.pick_open();
        let before = self.docs[&rel].text.clone();
        let size = match self.rng.below(5) {
            0 => limit - 64,
            1 => limit - 1,
            2 => limit,
            3 => limit + 1,
            _ => limit + 64,
        };
        let mut text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pasted-{}\n  namespace: data\ndata:\n",
            self.counts.pastes
        );
        let mut key = 0;
        let line = |key: usize| format!("  key{key:06}: {}\n", "v".repeat(60));
        // Room is left for the last line (9 bytes and its padding).
        while text.len() + line(key).len() + 9 <= size {
            text.push_str(&line(key));
            key += 1;
        }
        let pad = size - text.len() - "  last: \n".len();
        text.push_str(&format!("  last: {}\n", "w".repeat(pad)));
        assert_eq!(text.len(), size);
        self.change_full(&rel, text);
        let uri = self.uri(&rel);
        self.client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 4}}),
        );
        while self.client.pump(Duration::from_millis(20)) {}
        if config.is_some_and(|c| !c.contains("rulez")) {
            let published = &self.client.published[&uri];
            let over = published
                .diagnostics
                .iter()
                .any(|d| d["code"] == "input-limit-exceeded");
            assert_eq!(
                over,
                size > limit,
                "a buffer of {size} bytes, limit {limit}: {:?}",
                published.diagnostics
            );
        }
        self.change_full(&rel, before);
        self.counts.pastes += 1;
    }

    fn save(&mut self) {
        let rel = self.pick_open();
        write_file(&self.root.join(&rel), &self.docs[&rel].text);
        let uri = self.uri(&rel);
        self.client.notify(
            "textDocument/didSave",
            json!({"textDocument": {"uri": uri}}),
        );
        self.watched(&rel, 2);
        self.counts.saves += 1;
    }

    fn create_on_disk(&mut self) {
        if self.disk.len() > self.params.files + 10 {
            return self.delete_on_disk();
        }
        self.next_new += 1;
        let rel = format!(
            "team-{:02}/new-{:05}.yaml",
            self.next_new % 40,
            self.next_new
        );
        let text = self.fresh_manifest();
        let path = self.root.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self.disk.insert(rel.clone());
        self.watched(&rel, 1);
        self.counts.created += 1;
    }

    /// A closed manifest deleted.
    fn delete_on_disk(&mut self) {
        if self.disk.len() + 10 < self.params.files {
            return self.create_on_disk();
        }
        let rel = self.pick_disk();
        if self.docs.contains_key(&rel) || rel == "namespaces.yaml" {
            return;
        }
        std::fs::remove_file(self.root.join(&rel)).unwrap();
        self.disk.remove(&rel);
        self.watched(&rel, 3);
        self.counts.deleted += 1;
    }

    /// A closed manifest rewritten on disk (a `git checkout`, a generator).
    fn change_on_disk(&mut self) {
        if self.rng.below(5) == 0 {
            return self.toggle_kustomization();
        }
        let rel = self.pick_disk();
        if self.docs.contains_key(&rel) {
            return;
        }
        let mut text = self.fresh_manifest();
        if self.rng.below(4) == 0 {
            let at = line_start(&text, self.rng.below(line_count(&text) as u64) as usize);
            text.insert_str(at, self.rng.pick(BROKEN));
        }
        write_file(&self.root.join(&rel), text);
        self.watched(&rel, 2);
        self.counts.changed_on_disk += 1;
    }

    /// A kustomization that lists an open file and tags its `nginx` images appears beside it,
    /// or goes: the facts tools give the manifests around it change.
    fn toggle_kustomization(&mut self) {
        if let Some(rel) = self.kustomization.take() {
            std::fs::remove_file(self.root.join(&rel)).unwrap();
            self.watched(&rel, 3);
        } else {
            let doc = self.pick_open();
            let (dir, name) = doc.rsplit_once('/').unwrap_or(("", &doc));
            let rel = if dir.is_empty() {
                "kustomization.yaml".to_owned()
            } else {
                format!("{dir}/kustomization.yaml")
            };
            let text = format!(
                "resources: [{name}]\nimages:\n- name: nginx\n  newTag: \"1.27\"\n- name: busybox\n  digest: sha256:0000000000000000000000000000000000000000000000000000000000000000\n"
            );
            write_file(&self.root.join(&rel), text);
            self.watched(&rel, 1);
            self.kustomization = Some(rel);
        }
        self.counts.kustomizations += 1;
    }

    /// One open file closed, another opened.
    fn reopen(&mut self) {
        let rel = self.pick_open();
        self.close(&rel);
        loop {
            let other = self.pick_disk();
            if !self.docs.contains_key(&other) && other != rel {
                self.open(&other);
                break;
            }
        }
        self.counts.reopened += 1;
    }

    fn set_config(&mut self, i: usize) {
        self.config = i;
        let path = self.root.join(".kubevet.yaml");
        let existed = path.exists();
        let kind = match CONFIGS[i].0 {
            Some(text) => {
                std::fs::write(&path, text).unwrap();
                if existed { 2 } else { 1 }
            }
            None => {
                let _ = std::fs::remove_file(&path);
                3
            }
        };
        self.watched(".kubevet.yaml", kind);
        self.counts.configs += 1;
    }

    /// Hover and code-action requests after a step, not waited for; one in fifty cancelled at
    /// once.
    fn requests(&mut self) {
        let roll = self.rng.below(100);
        if roll >= 40 {
            return;
        }
        let rel = self.pick_open();
        let uri = self.uri(&rel);
        let text = &self.docs[&rel].text;
        let line = self.rng.below(line_count(text) as u64 + 2) as usize;
        let character = self.rng.below(30);
        if roll < 28 {
            let id = self.client.send_request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
            );
            self.counts.hovers += 1;
            if roll < 2 {
                self.client.notify("$/cancelRequest", json!({"id": id}));
                self.counts.cancelled += 1;
            }
        } else {
            let diagnostics: Vec<Value> = self
                .client
                .published
                .get(&uri)
                .map(|p| p.diagnostics.iter().take(3).cloned().collect())
                .unwrap_or_default();
            let range = diagnostics
                .first()
                .map(|d| d["range"].clone())
                .unwrap_or_else(|| json!({"start": {"line": line, "character": 0}, "end": {"line": line, "character": character}}));
            self.client.send_request(
                "textDocument/codeAction",
                json!({
                    "textDocument": {"uri": uri},
                    "range": range,
                    "context": {"diagnostics": diagnostics},
                }),
            );
            self.counts.code_actions += 1;
        }
    }

    /// Waits until the server is quiet, then compares what it published for every open file
    /// with `kubevet check` on a copy of the workspace holding the buffers.
    fn checkpoint(&mut self, n: usize) {
        self.client.quiesce(Duration::from_millis(150));
        assert!(
            self.client.unanswered.is_empty(),
            "unanswered after {n} edits: {:?}",
            self.client.unanswered
        );
        let _ = std::fs::remove_dir_all(&self.copy);
        copy_tree(&self.root, &self.copy);
        for (rel, doc) in &self.docs {
            std::fs::write(self.copy.join(rel), &doc.text).unwrap();
        }
        let (report, expected) = check(&self.params.binary, &self.copy);
        let mut compared = 0;
        let mut findings = 0;
        for (rel, doc) in &self.docs {
            let uri = uri_of(&self.root.join(rel));
            let Some(published) = self.client.published.get(&uri) else {
                panic!("nothing published for the open {rel} after {n} edits")
            };
            if let Some(version) = published.version {
                assert!(version <= doc.version, "{rel}: version {version} published");
            }
            let server = normalise_lsp(&published.diagnostics);
            let check = normalise_check(expected.get(rel).map_or(&[][..], Vec::as_slice));
            if server.len() != check.len()
                || server
                    .iter()
                    .zip(&check)
                    .any(|(s, c)| s.0 != c.0 || !s.1.starts_with(&c.1) || !s.1.ends_with(&c.2))
            {
                panic!(
                    "after {n} edits ({}), {rel} (version {}):\nthe server published\n{}\nkubevet check reports\n{}\nbuffer:\n{}",
                    config_name(self.config),
                    doc.version,
                    show(&server),
                    show(&check),
                    doc.text
                );
            }
            compared += 1;
            findings += server.len();
        }
        println!(
            "checkpoint {n}: {compared} open files equal to `kubevet check` ({findings} findings in them, {} in the workspace; {}), RSS {} KiB",
            report["diagnostics"].as_array().unwrap().len(),
            config_name(self.config),
            self.client.rss_kib()
        );
    }
}

/// `kubevet check --format json` of `dir`: the report, and its findings by file.
fn check(binary: &Path, dir: &Path) -> (Value, BTreeMap<String, Vec<Value>>) {
    let output = std::process::Command::new(binary)
        .args(["check", "--format", "json", "--fail-on", "none", "."])
        .current_dir(dir)
        .env_remove("GITHUB_WORKSPACE")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "check's JSON: {e}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut by_file: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for d in report["diagnostics"].as_array().unwrap() {
        let file = d["file"].as_str().unwrap();
        let file = file.strip_prefix("./").unwrap_or(file);
        by_file.entry(file.to_owned()).or_default().push(d.clone());
    }
    (report, by_file)
}

fn config_name(i: usize) -> String {
    match CONFIGS[i].0 {
        None => "no .kubevet.yaml".into(),
        Some(text) => format!("config {i}: {}", text.replace('\n', " ")),
    }
}

type Key = (String, u64, u64, u64, u64, u64);

/// (rule, range, severity), full message, "" for each LSP diagnostic, sorted.
fn normalise_lsp(list: &[Value]) -> Vec<(Key, String, String)> {
    let mut out: Vec<_> = list
        .iter()
        .map(|d| {
            let r = &d["range"];
            let n = |v: &Value| v.as_u64().unwrap();
            (
                (
                    d["code"].as_str().unwrap().to_owned(),
                    n(&r["start"]["line"]),
                    n(&r["start"]["character"]),
                    n(&r["end"]["line"]),
                    n(&r["end"]["character"]),
                    n(&d["severity"]),
                ),
                d["message"].as_str().unwrap().to_owned(),
                String::new(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The same for `kubevet check`'s JSON: the message, and the help line the server appends.
fn normalise_check(list: &[Value]) -> Vec<(Key, String, String)> {
    let mut out: Vec<_> = list
        .iter()
        .map(|d| {
            let n = |v: &Value| v.as_u64().unwrap() - 1;
            let severity = match d["severity"].as_str().unwrap() {
                "error" => 1,
                "warning" => 2,
                _ => 3,
            };
            (
                (
                    d["rule"].as_str().unwrap().to_owned(),
                    n(&d["line"]),
                    n(&d["column"]),
                    n(&d["end_line"]),
                    n(&d["end_column"]),
                    severity,
                ),
                d["message"].as_str().unwrap().to_owned(),
                d["help"]
                    .as_str()
                    .map(|h| format!("\nhelp: {h}"))
                    .unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

fn show(list: &[(Key, String, String)]) -> String {
    list.iter()
        .map(|(k, m, _)| format!("  {k:?} {}\n", m.lines().next().unwrap_or("")))
        .collect()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_long_editing_session_answers_everything_stays_exact_and_does_not_grow() {
    let params = Params::from_env();
    println!(
        "soak: {} files, {} open, {} edits, checkpoint every {}, seed {}, binary {}",
        params.files,
        params.open,
        params.edits,
        params.checkpoint,
        params.seed,
        params.binary.display()
    );
    let started = Instant::now();
    let root = unique_dir("workspace");
    let copy = unique_dir("copy");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    corpus::write(&root, params.files);
    std::fs::write(root.join(".kubevet.yaml"), CONFIGS[0].0.unwrap()).unwrap();
    let mut disk: BTreeSet<String> = (0..params.files).map(corpus::manifest_path).collect();
    disk.insert("namespaces.yaml".into());

    let client = Client::start(&params.binary, &root);
    let indexed = started.elapsed();
    let mut soak = Soak {
        rng: Rng(params.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
        params,
        root: root.clone(),
        copy: copy.clone(),
        client,
        docs: BTreeMap::new(),
        disk,
        next_new: 0,
        kustomization: None,
        config: 0,
        counts: Counts::default(),
    };
    // Open files spread over the workspace.
    let step = (soak.params.files / soak.params.open).max(1);
    for i in 0..soak.params.open {
        // In every directory (`i * step` alone would keep to a few of the 40).
        soak.open(&corpus::manifest_path(i * step + i % step));
    }
    soak.client.quiesce(Duration::from_millis(150));

    // The first 1,000 edits (two fifths of a shorter run) warm the server up (caches,
    // allocator); its memory after them is the baseline.
    let rss_from = (soak.params.edits * 2 / 5).min(1000);
    let mut baseline = None;
    let mut rss = Vec::new();
    let edits_started = Instant::now();
    for n in 1..=soak.params.edits {
        soak.step(n);
        // An editor never has more than a few dozen requests in flight.
        if soak.client.unanswered.len() > 20 {
            soak.client.quiesce(Duration::ZERO);
        }
        if n.is_multiple_of(soak.params.checkpoint) || n == soak.params.edits {
            soak.checkpoint(n);
            rss.push((n, soak.client.rss_kib()));
            if n >= rss_from && baseline.is_none() {
                baseline = rss.last().copied();
            }
        }
    }
    let edits_time = edits_started.elapsed();
    let (first, last) = (baseline.unwrap(), *rss.last().unwrap());
    println!(
        "soak: indexed in {:.1} s; {} edits in {:.1} s; {} publishes, {} answers; RSS {} KiB after {} edits, {} KiB after {} ({:+.1}%); {:?}",
        indexed.as_secs_f64(),
        soak.params.edits,
        edits_time.as_secs_f64(),
        soak.client.publishes,
        soak.client.responses,
        first.1,
        first.0,
        last.1,
        last.0,
        (last.1 as f64 / first.1 as f64 - 1.0) * 100.0,
        soak.counts
    );
    assert!(
        last.1 * 10 <= first.1 * 11,
        "RSS grew from {} KiB (after {} edits) to {} KiB (after {}): {rss:?}",
        first.1,
        first.0,
        last.1,
        last.0
    );
    let client = soak.client;
    let (code, stderr) = client.shutdown();
    assert!(
        !stderr.contains("internal error") && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert_eq!(code, 0, "{stderr}");
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&copy);
}

/// The files around a manifest that tools read (a kustomization's `images:` and `patches`, a
/// skaffold build) are read again when they change while the server runs: what it publishes
/// stays what `kubevet check` reports.
#[test]
fn tool_files_changed_while_the_server_runs_are_read_again() {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_kubevet"));
    let root = unique_dir("tools");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("app")).unwrap();
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n      - name: api\n        image: acme/api\n";
    let patch =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n";
    std::fs::write(root.join("app/deploy.yaml"), deployment).unwrap();
    std::fs::write(root.join("app/replicas.yaml"), patch).unwrap();
    let mut client = Client::start(&binary, &root);
    let uri = |rel: &str| uri_of(&root.join(rel));
    for rel in ["app/deploy.yaml", "app/replicas.yaml"] {
        let text = std::fs::read_to_string(root.join(rel)).unwrap();
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(rel), "languageId": "yaml", "version": 1, "text": text}}),
        );
    }
    let kustomization = "resources: [deploy.yaml]\nimages:\n- name: acme/api\n  newTag: \"1.2\"\npatches:\n- path: replicas.yaml\n";
    for (step, text) in [
        ("before", None),
        ("created", Some(kustomization)),
        ("deleted", None),
    ] {
        let path = root.join("app/kustomization.yaml");
        match text {
            Some(text) => std::fs::write(&path, text).unwrap(),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
        let kind = if text.is_some() { 1 } else { 3 };
        client.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": uri("app/kustomization.yaml"), "type": kind}]}),
        );
        client.quiesce(Duration::from_millis(100));
        let (_, expected) = check(&binary, &root);
        for rel in ["app/deploy.yaml", "app/replicas.yaml"] {
            let server = normalise_lsp(&client.published[&uri(rel)].diagnostics);
            let check = normalise_check(expected.get(rel).map_or(&[][..], Vec::as_slice));
            let keys =
                |l: &[(Key, String, String)]| l.iter().map(|d| d.0.clone()).collect::<Vec<_>>();
            assert_eq!(keys(&server), keys(&check), "{rel}, kustomization {step}");
        }
    }
    let (code, stderr) = client.shutdown();
    assert_eq!(code, 0, "{stderr}");
    let _ = std::fs::remove_dir_all(&root);
}
