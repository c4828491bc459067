//! `kubevet lsp` driven as an editor drives it: the built binary, JSON-RPC frames over its
//! stdin and stdout.

#[path = "common/lsp_client.rs"]
mod lsp_client;

use lsp_client::{Client, Launch};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(20);

/// A scratch repository (a git root, so the configuration search stops there).
struct Repo(PathBuf);

impl Repo {
    fn new(name: &str, files: &[(&str, &str)]) -> Repo {
        let root = std::env::temp_dir().join(format!("kubevet-lsp-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join(".git")).unwrap();
        let repo = Repo(root);
        for (path, text) in files {
            repo.write(path, text);
        }
        repo
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    fn uri(&self, rel: &str) -> String {
        format!("file://{}", self.path(rel).display())
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The server on a repository, every message kept for [`Client::wait_for`].
fn start(repo: &Repo) -> Client {
    start_with(repo, &[])
}

fn start_with(repo: &Repo, env: &[(&str, &str)]) -> Client {
    launch(repo, env, false)
}

/// Started, and returned once the folder is indexed (its `$/progress` ended).
fn start_indexed(repo: &Repo, env: &[(&str, &str)]) -> Client {
    launch(repo, env, true)
}

fn launch(repo: &Repo, env: &[(&str, &str)], wait_indexed: bool) -> Client {
    Client::launch(
        Path::new(env!("CARGO_BIN_EXE_kubevet")),
        &repo.0,
        Launch {
            env,
            record: true,
            wait_indexed,
            timeout: TIMEOUT,
        },
    )
}

/// Opens a file of the repository with its text on disk.
trait OpenFile {
    fn open(&mut self, repo: &Repo, rel: &str);
}

impl OpenFile for Client {
    fn open(&mut self, repo: &Repo, rel: &str) {
        let text = std::fs::read_to_string(repo.path(rel)).unwrap();
        self.open_text(&repo.uri(rel), &text);
    }
}

fn rules(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

fn has(list: &[Value], rule: &str) -> bool {
    list.iter().any(|d| d["code"] == rule)
}

/// (rule, 0-based line, UTF-16 start character) of each diagnostic.
fn places(list: &[Value]) -> Vec<(String, u64, u64)> {
    let mut places: Vec<_> = list
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap(),
                d["range"]["start"]["character"].as_u64().unwrap(),
            )
        })
        .collect();
    places.sort();
    places
}

const SERVICE: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
";

/// A Pod whose name is not a DNS subdomain (`invalid-name`).
const BAD_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\n";

fn deployment(app: &str) -> String {
    format!(
        "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: {app}
  template:
    metadata:
      labels:
        app: {app}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 8080
"
    )
}

#[test]
fn a_service_is_fixed_by_a_deployment_edited_in_another_file() {
    let repo = Repo::new(
        "cross",
        &[("a.yaml", SERVICE), ("b.yaml", &deployment("webx"))],
    );
    let mut client = start(&repo);
    client.open(&repo, "a.yaml");
    let a = repo.uri("a.yaml");
    let list = client.diagnostics(&a, |l| !l.is_empty());
    let d = list
        .iter()
        .find(|d| d["code"] == "service-selects-nothing")
        .unwrap_or_else(|| panic!("{list:?}"));
    assert_eq!(d["range"]["start"], json!({"line": 6, "character": 4}));
    assert_eq!(d["severity"], 2);
    assert_eq!(d["source"], "kubevet");
    assert_eq!(
        d["codeDescription"]["href"],
        "https://github.com/kubevet/kubevet/blob/main/rules/service-selects-nothing.md"
    );

    // Typing in b.yaml (unsaved) fixes a.yaml: it is published again.
    client.open(&repo, "b.yaml");
    let b = repo.uri("b.yaml");
    client.change_full(&b, 2, &deployment("web"));
    let list = client.diagnostics(&a, |l| !has(l, "service-selects-nothing"));
    assert!(!has(&list, "service-selects-nothing"), "{list:?}");
    // Back again, with an incremental change: the template's `app: web` → `app: wex`.
    client.change_range(&b, 3, [11, 15, 11, 16], "x");
    client.diagnostics(&a, |l| has(l, "service-selects-nothing"));
    let list = client.diagnostics(&b, |l| has(l, "selector-mismatch"));
    let mismatch = list
        .iter()
        .find(|d| d["code"] == "selector-mismatch")
        .unwrap();
    assert_eq!(mismatch["severity"], 1);
    assert_eq!(
        mismatch["relatedInformation"][0]["location"]["uri"],
        json!(b),
        "{mismatch}"
    );

    // Closing the unsaved b.yaml reverts to the file on disk (`webx`): still not selected,
    // and b.yaml's diagnostics are cleared.
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": b}}));
    let cleared = client.diagnostics(&b, |_| true);
    assert!(cleared.is_empty(), "{cleared:?}");
    let (code, _) = client.shutdown();
    assert_eq!(code, 0);
}

#[test]
fn findings_are_those_of_check_with_config_suppressions_and_crds() {
    let crd = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.org
spec:
  group: example.org
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
";
    let widget = "\
apiVersion: example.org/v1
kind: Widget
metadata:
  name: w
spec:
  size: big
  colour: red
";
    let pod = "\
apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
  labels:
    tier: front end   # kubevet-ignore: invalid-label-value -- legacy
spec:
  restartPolicy: Sometimes
  containers:
  - name: app
    image: nginx
";
    let repo = Repo::new(
        "same",
        &[
            (
                ".kubevet.yaml",
                "kubernetesVersion: \"1.30\"\nrules:\n  missing-probes: off\n",
            ),
            ("crds/widget.yaml", crd),
            ("apps/widget.yaml", widget),
            ("apps/pod.yaml", pod),
            ("apps/svc.yaml", SERVICE),
            ("apps/deploy.yaml", &deployment("web")),
        ],
    );
    let output = Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .args(["check", "--format", "json"])
        .arg(&repo.0)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut client = start(&repo);
    let files = [
        "apps/widget.yaml",
        "apps/pod.yaml",
        "apps/svc.yaml",
        "apps/deploy.yaml",
    ];
    for rel in files {
        client.open(&repo, rel);
    }
    for rel in files {
        let path = repo.path(rel).display().to_string();
        let mut expected: Vec<(String, u64, u64)> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["file"] == path.as_str())
            .map(|d| {
                (
                    d["rule"].as_str().unwrap().to_owned(),
                    d["line"].as_u64().unwrap() - 1,
                    d["column"].as_u64().unwrap() - 1,
                )
            })
            .collect();
        expected.sort();
        let list = client.diagnostics(&repo.uri(rel), |_| true);
        assert_eq!(places(&list), expected, "{rel}");
        // The configuration and the suppression apply: none of these.
        assert!(!has(&list, "missing-probes") && !has(&list, "invalid-label-value"));
    }
    // Some findings of each kind are there: schema (CRD), per-object, whole-repo none.
    assert!(
        report["summary"]["errors"].as_u64().unwrap() >= 3,
        "{report}"
    );
    assert_eq!(report["summary"]["suppressed"], 1);
    client.shutdown();
}

#[test]
fn positions_are_utf16_and_incremental_edits_count_utf16_units() {
    // "😀" is two UTF-16 units (four bytes, one character), "é" one unit (two bytes).
    let text = "\
apiVersion: v1
kind: ConfigMap
metadata: {annotations: {note: \"é😀\"}, name: Bad_Name}
";
    let repo = Repo::new("utf16", &[("cm.yaml", text)]);
    let mut client = start(&repo);
    client.open(&repo, "cm.yaml");
    let uri = repo.uri("cm.yaml");
    let list = client.diagnostics(&uri, |l| has(l, "invalid-name"));
    let d = list.iter().find(|d| d["code"] == "invalid-name").unwrap();
    let line = text.lines().nth(2).unwrap();
    let at = line.find("Bad_Name").unwrap();
    let units = line[..at].encode_utf16().count() as u64;
    // Not the character count: the emoji is one character, two units.
    assert_eq!(units, line[..at].chars().count() as u64 + 1);
    assert_eq!(d["range"]["start"], json!({"line": 2, "character": units}));
    assert_eq!(
        d["range"]["end"],
        json!({"line": 2, "character": units + 8})
    );
    // Replace `Bad_Name` by `good` through UTF-16 positions: the finding goes.
    client.change_range(&uri, 2, [2, units as u32, 2, units as u32 + 8], "good");
    client.diagnostics(&uri, |l| !has(l, "invalid-name"));
    // And `good` → `Good`, one unit at the same place.
    client.change_range(&uri, 3, [2, units as u32, 2, units as u32 + 1], "G");
    let list = client.diagnostics(&uri, |l| has(l, "invalid-name"));
    let d = list.iter().find(|d| d["code"] == "invalid-name").unwrap();
    assert_eq!(d["range"]["end"]["character"], units + 4);
    client.shutdown();
}

#[test]
fn an_unparseable_buffer_gets_its_yaml_error_and_the_server_goes_on() {
    let repo = Repo::new(
        "broken",
        &[("a.yaml", SERVICE), ("b.yaml", &deployment("webx"))],
    );
    let mut client = start(&repo);
    client.open(&repo, "a.yaml");
    let uri = repo.uri("a.yaml");
    client.diagnostics(&uri, |_| true);
    client.change_full(
        &uri,
        2,
        "apiVersion: v1\nkind: Service\nmetadata: [unclosed\n",
    );
    let list = client.diagnostics(&uri, |l| has(l, "invalid-yaml"));
    assert_eq!(rules(&list), ["invalid-yaml"], "{list:?}");
    client.change_full(&uri, 3, SERVICE);
    client.diagnostics(&uri, |l| !has(l, "invalid-yaml"));
    let (code, _) = client.shutdown();
    assert_eq!(code, 0);
}

#[test]
fn a_panic_is_caught_logged_and_the_server_survives() {
    let repo = Repo::new(
        "panic",
        &[("a.yaml", SERVICE), ("b.yaml", &deployment("webx"))],
    );
    let mut client = start_with(&repo, &[("KUBEVET_LSP_DEBUG", "1")]);
    let response = client.request("kubevet/panic", Value::Null);
    assert_eq!(response["error"]["code"], -32603, "{response}");
    client.open(&repo, "a.yaml");
    let list = client.diagnostics(&repo.uri("a.yaml"), |l| !l.is_empty());
    assert!(has(&list, "service-selects-nothing"));
    let (code, stderr) = client.shutdown();
    assert_eq!(code, 0);
    assert!(
        stderr.contains("kubevet lsp: internal error in kubevet/panic"),
        "{stderr}"
    );
}

#[test]
fn a_request_cancelled_while_the_server_checks_is_answered_as_cancelled() {
    let repo = Repo::new(
        "cancel",
        &[("a.yaml", SERVICE), ("b.yaml", &deployment("webx"))],
    );
    let mut client = start(&repo);
    let uri = repo.uri("a.yaml");
    client.open(&repo, "a.yaml");
    client.diagnostics(&uri, |_| true);
    // A large change keeps the server busy; the hover after it is cancelled before it runs.
    let big: String = (0..3000)
        .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"))
        .collect();
    client.change_full(&uri, 2, &big);
    let id = client.send_request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    client.notify("$/cancelRequest", json!({"id": id}));
    let response = client.wait_for(|m| m["id"] == id);
    assert_eq!(response["error"]["code"], -32800, "{response}");
    client.shutdown();
}

#[test]
fn a_buffer_over_the_configured_limit_is_not_checked() {
    let repo = Repo::new(
        "limits",
        &[
            (".kubevet.yaml", "limits:\n  maxFileSize: 1KiB\n"),
            ("a.yaml", SERVICE),
            ("b.yaml", &deployment("webx")),
        ],
    );
    let mut client = start(&repo);
    let uri = repo.uri("a.yaml");
    client.open(&repo, "a.yaml");
    client.diagnostics(&uri, |l| has(l, "service-selects-nothing"));
    let big = format!("{SERVICE}{}", "# padding\n".repeat(200));
    client.change_full(&uri, 2, &big);
    let list = client.diagnostics(&uri, |l| has(l, "input-limit-exceeded"));
    assert_eq!(rules(&list), ["input-limit-exceeded"]);
    client.shutdown();
}

#[test]
fn exit_without_shutdown_is_exit_code_1() {
    let repo = Repo::new(
        "exit",
        &[("a.yaml", SERVICE), ("b.yaml", &deployment("webx"))],
    );
    let mut client = start(&repo);
    client.notify("exit", Value::Null);
    let (code, _) = client.finish();
    assert_eq!(code, 1);
}

#[test]
fn indexing_reports_progress_and_saving_the_configuration_applies_it() {
    let repo = Repo::new(
        "config",
        &[("a.yaml", SERVICE), ("b.yaml", &deployment("webx"))],
    );
    let mut client = start(&repo);
    let end =
        client.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
    assert!(
        end["params"]["value"]["message"]
            .as_str()
            .unwrap()
            .starts_with("2 files in"),
        "{end}"
    );
    let uri = repo.uri("a.yaml");
    client.open(&repo, "a.yaml");
    client.diagnostics(&uri, |l| has(l, "service-selects-nothing"));
    repo.write(".kubevet.yaml", "rules:\n  service-selects-nothing: off\n");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": repo.uri(".kubevet.yaml"), "type": 1}]}),
    );
    client.diagnostics(&uri, |l| !has(l, "service-selects-nothing"));
    client.shutdown();
}

/// A file the folder's run does not take (a document not on disk) is checked on its own.
#[test]
fn an_untitled_buffer_is_checked_on_its_own() {
    let repo = Repo::new(
        "untitled",
        &[("a.yaml", SERVICE), ("b.yaml", &deployment("webx"))],
    );
    let mut client = start(&repo);
    client.open_text("untitled:Untitled-1", BAD_POD);
    let list = client.diagnostics("untitled:Untitled-1", |l| !l.is_empty());
    assert!(has(&list, "invalid-name"), "{list:?}");
    client.shutdown();
}

/// An untitled buffer opened and edited after the folder is indexed: nothing on disk changes,
/// yet each version is checked and published (once a race with the indexing hid this).
#[test]
fn an_untitled_buffer_opened_after_indexing_is_checked_as_it_changes() {
    let repo = Repo::new("untitled-late", &[("a.yaml", SERVICE)]);
    let mut client = start_indexed(&repo, &[]);
    let uri = "untitled:Untitled-2";
    client.open_text(uri, BAD_POD);
    let list = client.diagnostics(uri, |l| !l.is_empty());
    assert_eq!(rules(&list), ["invalid-name"], "{list:?}");
    client.change_full(
        uri,
        2,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\n",
    );
    let list = client.diagnostics(uri, |l| !has(l, "invalid-name"));
    assert!(!has(&list, "invalid-name"), "{list:?}");
    client.shutdown();
}

/// A file changed on disk while its folder is indexed (after the index read it): the index,
/// when it arrives, takes the change. The index is held back (a debug setting) so that the
/// change surely comes after it read the file.
#[test]
fn a_file_changed_on_disk_while_indexing_is_checked_as_it_is_now() {
    let repo = Repo::new(
        "changed-while-indexing",
        &[("a.yaml", SERVICE), ("b.yaml", &deployment("old"))],
    );
    let mut client = start_with(
        &repo,
        &[
            ("KUBEVET_LSP_DEBUG", "1"),
            ("KUBEVET_LSP_INDEX_DELAY_MS", "1500"),
        ],
    );
    client.open(&repo, "a.yaml");
    // The index of two files is read well within this; it is held back for 1.5 s more.
    std::thread::sleep(Duration::from_millis(300));
    repo.write("b.yaml", &deployment("web"));
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": repo.uri("b.yaml"), "type": 2}]}),
    );
    // The first diagnostics of a.yaml come with the index: the Service selects b's pods now.
    let a = repo.uri("a.yaml");
    let list = client.diagnostics(&a, |_| true);
    assert!(!has(&list, "service-selects-nothing"), "{list:?}");
    client.shutdown();
}

/// Indexing that fails (an internal error, here asked for by a debug setting) ends its
/// progress, says so, and leaves the folder's files checked one by one — not waiting forever.
#[test]
fn a_folder_whose_indexing_fails_has_its_files_checked_on_their_own() {
    let repo = Repo::new("index-fails", &[("pod.yaml", BAD_POD)]);
    let mut client = start_indexed(
        &repo,
        &[("KUBEVET_LSP_DEBUG", "1"), ("KUBEVET_LSP_INDEX_PANIC", "1")],
    );
    let message = client.wait_for(|m| m["method"] == "window/showMessage");
    let text = message["params"]["message"].as_str().unwrap();
    assert!(
        text.contains("indexing") && text.contains("failed"),
        "{text}"
    );
    assert_eq!(message["params"]["type"], 1);
    client.open(&repo, "pod.yaml");
    let list = client.diagnostics(&repo.uri("pod.yaml"), |l| !l.is_empty());
    assert_eq!(rules(&list), ["invalid-name"], "{list:?}");
    let (_, stderr) = client.shutdown();
    assert!(stderr.contains("internal error indexing"), "{stderr}");
}

const JOB: &str = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  ttlSecondsAfterFinished: 600
  template:
    spec:
      containers:
      - name: a
        image: busybox:1.36
";

fn hover(client: &mut Client, uri: &str, line: u32, character: u32) -> String {
    let response = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
    );
    response["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("{response}"))
        .to_owned()
}

/// Applies a code action's edits (one file, in reverse order as they do not overlap).
fn apply(text: &str, action: &Value) -> String {
    let edits = action["edit"]["changes"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let character = p["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let line_text = text[start..].split('\n').next().unwrap();
        let mut units = 0;
        for (i, c) in line_text.char_indices() {
            if units >= character {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line_text.len()
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_owned();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

fn actions(client: &mut Client, uri: &str, diagnostic: &Value) -> Vec<Value> {
    let response = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic]},
        }),
    );
    response["result"].as_array().unwrap().clone()
}

#[test]
fn a_quick_fix_applied_is_checked_again() {
    // run-as-non-root (hardening) is opt-in: the configuration turns it on.
    let repo = Repo::new(
        "fix",
        &[
            ("job.yaml", JOB),
            (".kubevet.yaml", "select: [hardening]\n"),
        ],
    );
    let mut client = start(&repo);
    let uri = repo.uri("job.yaml");
    client.open(&repo, "job.yaml");
    let list = client.diagnostics(&uri, |l| has(l, "restart-policy"));
    let d = list
        .iter()
        .find(|d| d["code"] == "restart-policy")
        .unwrap()
        .clone();
    let offered = actions(&mut client, &uri, &d);
    let titles: Vec<&str> = offered
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Set `restartPolicy: OnFailure`"),
        "{titles:?}"
    );
    assert!(titles.contains(&"Set `restartPolicy: Never`"), "{titles:?}");
    let never = offered
        .iter()
        .find(|a| a["title"] == "Set `restartPolicy: Never`")
        .unwrap();
    assert_eq!(never["kind"], "quickfix");
    let fixed = apply(JOB, never);
    assert!(
        fixed.contains("    spec:\n      restartPolicy: Never\n      containers:\n"),
        "{fixed}"
    );
    client.change_full(&uri, 2, &fixed);
    let list = client.diagnostics(&uri, |l| !has(l, "restart-policy"));
    assert!(!has(&list, "restart-policy"), "{list:?}");

    // The suppression comment silences a finding it is offered for.
    let d = list
        .iter()
        .find(|d| d["code"] == "run-as-non-root")
        .unwrap()
        .clone();
    let offered = actions(&mut client, &uri, &d);
    let suppress = offered
        .iter()
        .find(|a| {
            a["title"] == "Suppress `run-as-non-root` here (kubevet-ignore comment)"
                && a["diagnostics"][0]["code"] == "run-as-non-root"
        })
        .unwrap_or_else(|| panic!("{offered:?}"));
    let silenced = apply(&fixed, suppress);
    client.change_full(&uri, 3, &silenced);
    let list = client.diagnostics(&uri, |l| !has(l, "run-as-non-root"));
    assert!(!has(&list, "unused-suppression"), "{list:?}");
    client.shutdown();
}

#[test]
fn quick_fixes_quote_rename_and_remove() {
    let text = "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: d
  labels:
    enabled: yes
spec:
  replicas: 2
  selector:
    matchLabels: {app: d}
  template:
    metadata:
      labels: {app: d}
    spec:
      contianers:
      - name: a
        image: busybox:1.36
";
    let repo = Repo::new("fixes", &[("ds.yaml", text)]);
    let mut client = start(&repo);
    let uri = repo.uri("ds.yaml");
    client.open(&repo, "ds.yaml");
    let list = client.diagnostics(&uri, |l| has(l, "invalid-label-value"));
    let mut fixed = text.to_owned();
    let wanted = [
        ("invalid-label-value", "Quote `yes`"),
        (
            "unknown-field",
            "Remove `replicas` (a DaemonSet runs one pod per node)",
        ),
        ("unknown-field", "Change `contianers` to `containers`"),
    ];
    let mut chosen = Vec::new();
    for (rule, title) in wanted {
        let action = list
            .iter()
            .filter(|d| d["code"] == rule)
            .flat_map(|d| actions(&mut client, &uri, d))
            .find(|a| a["title"] == title)
            .unwrap_or_else(|| panic!("no `{title}`"));
        chosen.push(action);
    }
    // Applied from the end of the file back, each to the text as it was.
    for action in chosen.iter().rev() {
        fixed = apply(&fixed, action);
    }
    assert!(fixed.contains("    enabled: \"yes\"\n"), "{fixed}");
    assert!(!fixed.contains("replicas"), "{fixed}");
    assert!(fixed.contains("      containers:\n"), "{fixed}");
    client.change_full(&uri, 2, &fixed);
    let list = client.diagnostics(&uri, |l| {
        !has(l, "invalid-label-value") && !has(l, "unknown-field")
    });
    assert!(!has(&list, "missing-containers"), "{list:?}");
    client.shutdown();
}

#[test]
fn a_removed_api_version_is_replaced_only_where_nothing_else_changes() {
    let text = "\
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: p
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: x}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: i
spec:
  backend:
    serviceName: web
    servicePort: 80
";
    let repo = Repo::new("apis", &[("old.yaml", text)]);
    let mut client = start(&repo);
    let uri = repo.uri("old.yaml");
    client.open(&repo, "old.yaml");
    let list = client.diagnostics(&uri, |l| {
        l.iter()
            .filter(|d| d["code"] == "removed-api-version")
            .count()
            == 2
    });
    let titles = |client: &mut Client, line: u64| -> Vec<String> {
        let d = list
            .iter()
            .find(|d| d["code"] == "removed-api-version" && d["range"]["start"]["line"] == line)
            .unwrap();
        actions(client, &uri, d)
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let pdb = titles(&mut client, 0);
    assert!(
        pdb.contains(&"Change `policy/v1beta1` to `policy/v1`".to_owned()),
        "{pdb:?}"
    );
    // The Ingress's backend changed shape in networking.k8s.io/v1: no automatic fix.
    let ingress = titles(&mut client, 9);
    assert!(
        !ingress.iter().any(|t| t.starts_with("Change")),
        "{ingress:?}"
    );
    client.shutdown();
}

#[test]
fn hover_explains_findings_schedules_api_versions_and_selectors() {
    let cron = "\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: \"30 2 * * 1-5\"
  timeZone: Europe/Berlin
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: a
            image: busybox:1.36
";
    let repo = Repo::new(
        "hover",
        &[
            ("cron.yaml", cron),
            ("a.yaml", SERVICE),
            ("b.yaml", &deployment("web")),
        ],
    );
    let mut client = start(&repo);
    let cron_uri = repo.uri("cron.yaml");
    client.open(&repo, "cron.yaml");
    client.diagnostics(&cron_uri, |_| true);
    let schedule = hover(&mut client, &cron_uri, 5, 14);
    assert!(
        schedule.contains("Next runs (Europe/Berlin):"),
        "{schedule}"
    );
    assert_eq!(schedule.matches("\n- ").count(), 5, "{schedule}");
    assert!(
        schedule.contains("CET") || schedule.contains("CEST"),
        "{schedule}"
    );
    let api = hover(&mut client, &cron_uri, 0, 14);
    assert!(api.contains("**batch/v1 CronJob**"), "{api}");
    assert!(api.contains("1.25–1.37: served"), "{api}");
    // A finding: its rule and a link to its page.
    let a = repo.uri("a.yaml");
    client.open(&repo, "a.yaml");
    client.diagnostics(&a, |_| true);
    // `app: web` in the Service's selector.
    let selects = hover(&mut client, &a, 6, 6);
    assert!(selects.contains("Deployment default/web"), "{selects}");
    client.shutdown();
}

#[test]
fn hover_on_a_finding_shows_its_rule() {
    let repo = Repo::new("hover-rule", &[("job.yaml", JOB)]);
    let mut client = start(&repo);
    let uri = repo.uri("job.yaml");
    client.open(&repo, "job.yaml");
    let list = client.diagnostics(&uri, |l| has(l, "restart-policy"));
    let d = list.iter().find(|d| d["code"] == "restart-policy").unwrap();
    let start = &d["range"]["start"];
    let text = hover(
        &mut client,
        &uri,
        start["line"].as_u64().unwrap() as u32,
        start["character"].as_u64().unwrap() as u32,
    );
    assert!(text.contains("**restart-policy** (error)"), "{text}");
    assert!(
        text.contains("https://github.com/kubevet/kubevet/blob/main/rules/restart-policy.md"),
        "{text}"
    );
    client.shutdown();
}

/// The variants each file of the differential test's repository takes.
fn variants(rel: &str) -> Vec<String> {
    let ns = |name: &str| format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n");
    let svc = |app: &str, ns: &str| {
        SERVICE
            .replace(
                "  name: web\n",
                &format!("  name: web\n  namespace: {ns}\n"),
            )
            .replace("app: web", &format!("app: {app}"))
    };
    let deploy = |app: &str, cm: &str| {
        deployment(app).replace("  name: web\nspec:", "  name: web\n  namespace: shop\nspec:").replace(
            "        - containerPort: 8080\n",
            &format!("        - containerPort: 8080\n        envFrom:\n        - configMapRef: {{name: {cm}}}\n"),
        )
    };
    let cm = |name: &str, label: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: shop\n  labels:\n    enabled: {label}\n"
        )
    };
    match rel {
        "ns.yaml" => vec![
            ns("shop"),
            ns("other"),
            format!("{}---\n{}", ns("shop"), ns("Bad_NS")),
            "kind: [\n".into(),
        ],
        "svc.yaml" => vec![
            svc("web", "shop"),
            svc("api", "shop"),
            svc("web", "nowhere"),
            svc("web", "other"),
            svc("api", "shop").replace("  name: web\n", "  name: api\n"),
            format!(
                "# kubevet-ignore: service-selects-nothing -- test\n{}",
                svc("api", "shop")
            ),
        ],
        "deploy.yaml" => vec![
            deploy("web", "cm"),
            deploy("api", "cm"),
            deploy("web", "cm2"),
            deploy("web", "cm").replace("image: nginx:1.27", "image: nginx"),
            // Moved to another namespace, renamed, two documents, none.
            deploy("web", "cm").replace("namespace: shop", "namespace: other"),
            deploy("web", "cm").replace("  name: web\n  namespace", "  name: web2\n  namespace"),
            format!(
                "{}---\n{}",
                deploy("api", "cm"),
                deploy("web", "cm2")
                    .replace("  name: web\n  namespace", "  name: web3\n  namespace")
            ),
            String::new(),
        ],
        "cm.yaml" => vec![
            cm("cm", "\"yes\""),
            cm("cm", "yes"),
            cm("cm2", "on"),
            format!("{}---\n{}", cm("cm", "x"), cm("cm", "x")),
            cm("cm", "x").replace("namespace: shop", "namespace: other"),
            "# nothing left\n".into(),
        ],
        "k/app.yaml" => vec![
            svc("web", "shop"),
            svc("api", "shop").replace("namespace: shop", "namespace: k"),
            String::new(),
        ],
        _ => unreachable!(),
    }
}

/// Random edit sequences (changes, saves, closes) over a small repository: the server's
/// diagnostics are those of a fresh `kubevet check` of the same state, at checkpoints and at
/// the end.
#[test]
fn diagnostics_after_random_edits_are_those_of_a_fresh_check() {
    const FILES: [&str; 5] = [
        "ns.yaml",
        "svc.yaml",
        "deploy.yaml",
        "cm.yaml",
        "k/app.yaml",
    ];
    for seed in [1u64, 7, 42] {
        let mut initial: Vec<(&str, String)> =
            FILES.iter().map(|f| (*f, variants(f)[0].clone())).collect();
        initial.push((
            "k/kustomization.yaml",
            "namespace: k\nresources: [app.yaml]\n".into(),
        ));
        let borrowed: Vec<(&str, &str)> = initial.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let repo = Repo::new(&format!("diff-{seed}"), &borrowed);
        let mut client = start(&repo);
        client.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
        // Buffers of the open documents (what the state is where they differ from the disk).
        let mut open: std::collections::HashMap<&str, (i32, String)> = Default::default();
        for rel in FILES {
            client.open(&repo, rel);
            open.insert(rel, (1, std::fs::read_to_string(repo.path(rel)).unwrap()));
        }
        let mut state = seed;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as usize) % n
        };
        for step in 1..=24 {
            let rel = FILES[next(FILES.len())];
            let text = variants(rel)[next(variants(rel).len())].clone();
            match (open.get_mut(rel), next(4)) {
                (Some((version, buffer)), 0) => {
                    // Saved: the disk holds the buffer.
                    *version += 1;
                    *buffer = text.clone();
                    client.change_full(&repo.uri(rel), *version, &text);
                    repo.write(rel, &text);
                    client.notify(
                        "textDocument/didSave",
                        json!({"textDocument": {"uri": repo.uri(rel)}}),
                    );
                }
                (Some(_), 1) => {
                    // Closed unsaved: the disk counts again; then changed on disk.
                    open.remove(rel);
                    client.notify(
                        "textDocument/didClose",
                        json!({"textDocument": {"uri": repo.uri(rel)}}),
                    );
                    repo.write(rel, &text);
                    client.notify(
                        "workspace/didChangeWatchedFiles",
                        json!({"changes": [{"uri": repo.uri(rel), "type": 2}]}),
                    );
                }
                (Some((version, buffer)), _) => {
                    *version += 1;
                    *buffer = text.clone();
                    client.change_full(&repo.uri(rel), *version, &text);
                }
                (None, _) => {
                    repo.write(rel, &text);
                    client.open_text(&repo.uri(rel), &text);
                    open.insert(rel, (1, text));
                }
            }
            if step % 6 != 0 {
                continue;
            }
            // A request is answered after every change before it is checked and published.
            client.request(
                "textDocument/hover",
                json!({"textDocument": {"uri": repo.uri(rel)}, "position": {"line": 0, "character": 0}}),
            );
            // The state on disk, for a fresh check: every buffer saved (the server is told).
            let mut last: std::collections::HashMap<String, Vec<Value>> = Default::default();
            for m in client.seen.drain(..) {
                if m["method"] == "textDocument/publishDiagnostics" {
                    last.insert(
                        m["params"]["uri"].as_str().unwrap().to_owned(),
                        m["params"]["diagnostics"].as_array().unwrap().clone(),
                    );
                }
            }
            for (rel, (_, buffer)) in &open {
                std::fs::write(repo.path(rel), buffer).unwrap();
            }
            let output = Command::new(env!("CARGO_BIN_EXE_kubevet"))
                .args(["check", "--format", "json"])
                .arg(&repo.0)
                .output()
                .unwrap();
            let report: Value = serde_json::from_slice(&output.stdout).unwrap();
            for rel in open.keys() {
                let path = repo.path(rel).display().to_string();
                let mut expected: Vec<(String, u64, u64)> = report["diagnostics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|d| d["file"] == path.as_str())
                    .map(|d| {
                        (
                            d["rule"].as_str().unwrap().to_owned(),
                            d["line"].as_u64().unwrap() - 1,
                            d["column"].as_u64().unwrap() - 1,
                        )
                    })
                    .collect();
                expected.sort();
                let got = last.entry(repo.uri(rel)).or_default();
                assert_eq!(places(got), expected, "seed {seed}, step {step}, {rel}");
            }
            // Published lists are only sent when they change: keep them as the baseline.
            for (uri, list) in last {
                client.seen.push(json!({"method": "textDocument/publishDiagnostics", "params": {"uri": uri, "diagnostics": list}}));
            }
        }
        // (The server checked every in-place update against a batch run: KUBEVET_LSP_VERIFY.)
        let (code, stderr) = client.shutdown();
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains("internal error"), "seed {seed}: {stderr}");
    }
}

#[test]
fn completion_offers_rule_ids_in_suppressions_and_zones_in_time_zone() {
    let text = "\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: c  # kubevet-ignore: missing-probes, invalid-na
spec:
  schedule: \"0 3 * * *\"
  timeZone: Europe/Be
";
    let repo = Repo::new("complete", &[("cron.yaml", text)]);
    let mut client = start(&repo);
    let uri = repo.uri("cron.yaml");
    client.open(&repo, "cron.yaml");
    let mut complete = |line: u32, character: u32| -> Vec<Value> {
        let response = client.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        );
        response["result"].as_array().cloned().unwrap_or_default()
    };
    let labels = |items: &[Value]| -> Vec<String> {
        items
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect()
    };
    let rules = complete(3, 55);
    assert!(
        labels(&rules).contains(&"invalid-name".to_owned()),
        "{rules:?}"
    );
    // A rule already named is not offered again.
    assert!(!labels(&rules).contains(&"missing-probes".to_owned()));
    let item = rules.iter().find(|i| i["label"] == "invalid-name").unwrap();
    assert_eq!(
        item["textEdit"]["range"],
        json!({"start": {"line": 3, "character": 45}, "end": {"line": 3, "character": 55}})
    );
    let zones = complete(6, 21);
    assert!(
        labels(&zones).contains(&"Europe/Berlin".to_owned()),
        "{}",
        zones.len()
    );
    let item = zones
        .iter()
        .find(|i| i["label"] == "Europe/Berlin")
        .unwrap();
    assert_eq!(
        item["textEdit"]["range"]["start"],
        json!({"line": 6, "character": 12})
    );
    // Elsewhere: nothing.
    assert!(complete(1, 6).is_empty());
    client.shutdown();
}

/// Kustomizations are checked as rendered in the editor too: typing in an overlay's patch
/// (unsaved) re-publishes the patch's findings, and those of the base it changes.
#[test]
fn a_patch_edit_republishes_the_rendered_findings() {
    let job = |policy: &str| {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      restartPolicy: {policy}\n      containers:\n      - name: migrate\n        image: example.org/migrate:1.0\n"
        )
    };
    let patch = |policy: &str| {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      restartPolicy: {policy}\n"
        )
    };
    let repo = Repo::new(
        "rendered",
        &[
            ("base/kustomization.yaml", "resources:\n- job.yaml\n"),
            ("base/job.yaml", &job("Always")),
            (
                "prod/kustomization.yaml",
                "resources:\n- ../base\npatches:\n- path: patch.yaml\n",
            ),
            ("prod/patch.yaml", &patch("Never")),
        ],
    );
    let mut client = start(&repo);
    client.open(&repo, "base/job.yaml");
    client.open(&repo, "prod/patch.yaml");
    let base = repo.uri("base/job.yaml");
    let overlay = repo.uri("prod/patch.yaml");
    // The only overlay fixes the base: nothing to say about either.
    let list = client.diagnostics(&base, |l| l.is_empty());
    assert!(list.is_empty(), "{list:?}");
    // The patch now sets `Always`: the error is the patch's, the base value its related place.
    client.change_full(&overlay, 2, &patch("Always"));
    let list = client.diagnostics(&overlay, |l| has(l, "restart-policy"));
    assert_eq!(
        places(&list),
        vec![("restart-policy".to_owned(), 7, 21)],
        "{list:?}"
    );
    let d = &list[0];
    assert_eq!(d["relatedInformation"][0]["location"]["uri"], json!(base));
    assert_eq!(
        d["relatedInformation"][0]["location"]["range"]["start"],
        json!({"line": 7, "character": 21})
    );
    // The patch removes the value: the base's `Always` is applied, and reported at the base.
    client.change_full(
        &overlay,
        3,
        &patch("Always")
            .replace("      restartPolicy: Always\n", "      {}\n")
            .replace("    spec:\n      {}\n", "    spec: {}\n"),
    );
    let list = client.diagnostics(&base, |l| has(l, "restart-policy"));
    assert_eq!(places(&list), vec![("restart-policy".to_owned(), 7, 21)]);
    let list = client.diagnostics(&overlay, |l| l.is_empty());
    assert!(list.is_empty(), "{list:?}");
    let (code, _) = client.shutdown();
    assert_eq!(code, 0);
}

#[test]
fn a_patch_edit_changes_the_whole_repo_findings_of_its_build() {
    // The overlay's patch relabels the pods: the base Service then selects nothing in the
    // build. The whole-repo rules see the rendered objects, so the edit of the patch (a file
    // that is no object of its own) is what changes the Service's finding.
    let patch = |app: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n"
        )
    };
    let repo = Repo::new(
        "rendered-index",
        &[
            (
                "base/kustomization.yaml",
                "resources:\n- deployment.yaml\n- service.yaml\n",
            ),
            ("base/deployment.yaml", &deployment("web")),
            ("base/service.yaml", SERVICE),
            (
                "prod/kustomization.yaml",
                "resources:\n- ../base\npatches:\n- path: relabel.yaml\n",
            ),
            ("prod/relabel.yaml", &patch("web")),
        ],
    );
    let mut client = start_with(&repo, &[("KUBEVET_LSP_DEBUG", "1")]);
    client.open(&repo, "base/service.yaml");
    client.open(&repo, "prod/relabel.yaml");
    let service = repo.uri("base/service.yaml");
    let overlay = repo.uri("prod/relabel.yaml");
    let list = client.diagnostics(&service, |l| l.is_empty());
    assert!(list.is_empty(), "{list:?}");
    client.change_full(&overlay, 2, &patch("web-v2"));
    let list = client.diagnostics(&service, |l| has(l, "service-selects-nothing"));
    assert_eq!(
        places(&list),
        vec![("service-selects-nothing".to_owned(), 6, 4)],
        "{list:?}"
    );
    client.change_full(&overlay, 3, &patch("web"));
    let list = client.diagnostics(&service, |l| l.is_empty());
    assert!(list.is_empty(), "{list:?}");
    // Both edits replaced the build's objects in the index in place (checked against a batch
    // build by KUBEVET_LSP_VERIFY): the index was built whole once, by the first analysis.
    let response = client.request("kubevet/folders", Value::Null);
    assert_eq!(response["result"][0]["batchIndexes"], 1, "{response}");
    let (code, stderr) = client.shutdown();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
}

/// The folders the server keeps (`kubevet/folders`, a debug request): (root, made for a file
/// opened outside the workspace).
fn folders(client: &mut Client) -> Vec<(String, bool)> {
    let response = client.request("kubevet/folders", Value::Null);
    let mut list: Vec<(String, bool)> = response["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|f| {
            (
                f["root"].as_str().unwrap().to_owned(),
                f["adhoc"].as_bool().unwrap(),
            )
        })
        .collect();
    list.sort();
    list
}

/// A file opened outside every workspace folder is checked with its repository in view, a
/// folder kept only while a document of it is open: closing the last drops it (and its index),
/// opening one again brings it back.
#[test]
fn a_folder_for_a_file_outside_the_workspace_lives_while_a_document_of_it_is_open() {
    let repo = Repo::new(
        "adhoc-workspace",
        &[("a.yaml", SERVICE), ("b.yaml", &deployment("web"))],
    );
    let other = Repo::new(
        "adhoc-other",
        &[("svc.yaml", SERVICE), ("deploy.yaml", &deployment("webx"))],
    );
    let mut client = start_with(&repo, &[("KUBEVET_LSP_DEBUG", "1")]);
    let workspace = (repo.0.display().to_string(), false);
    let adhoc = (other.0.display().to_string(), true);
    assert_eq!(folders(&mut client), std::slice::from_ref(&workspace));

    // Its repository's deploy.yaml is in view: the Service selects none of its pods.
    let svc = other.uri("svc.yaml");
    client.open(&other, "svc.yaml");
    let first = client.diagnostics(&svc, |l| has(l, "service-selects-nothing"));
    let mut both = vec![workspace.clone(), adhoc.clone()];
    both.sort();
    assert_eq!(folders(&mut client), both);

    // Two documents of it open: closing one keeps the folder.
    let deploy = other.uri("deploy.yaml");
    client.open(&other, "deploy.yaml");
    client.close(&svc);
    assert!(client.diagnostics(&svc, |_| true).is_empty());
    assert_eq!(folders(&mut client), both);
    // The last one closed: the folder is gone, the workspace's stays.
    client.close(&deploy);
    assert_eq!(folders(&mut client), std::slice::from_ref(&workspace));

    // Opened again: the folder is back, and the findings with it.
    client.open(&other, "svc.yaml");
    let again = client.diagnostics(&svc, |l| has(l, "service-selects-nothing"));
    assert_eq!(places(&again), places(&first));
    assert_eq!(folders(&mut client), both);
    let (code, stderr) = client.shutdown();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
}

/// Folders added to the workspace after it started are indexed as workspace folders; one
/// removed is dropped — or, while a document of it is open, kept as a file's repository is.
#[test]
fn workspace_folders_added_and_removed_are_indexed_and_dropped() {
    let repo = Repo::new("folders-first", &[("a.yaml", SERVICE)]);
    let other = Repo::new(
        "folders-added",
        &[("svc.yaml", SERVICE), ("deploy.yaml", &deployment("webx"))],
    );
    let mut client = start_with(&repo, &[("KUBEVET_LSP_DEBUG", "1")]);
    let first = (repo.0.display().to_string(), false);
    let added = (other.0.display().to_string(), false);
    let change = |client: &mut Client, key: &str| {
        client.notify(
            "workspace/didChangeWorkspaceFolders",
            json!({"event": {"added": [], "removed": [], key: [
                {"uri": format!("file://{}", other.0.display()), "name": "added"}
            ]}}),
        );
    };
    change(&mut client, "added");
    let mut both = vec![first.clone(), added.clone()];
    both.sort();
    assert_eq!(folders(&mut client), both);
    // Indexed: its deploy.yaml is in view of its svc.yaml.
    let svc = other.uri("svc.yaml");
    client.open(&other, "svc.yaml");
    client.diagnostics(&svc, |l| has(l, "service-selects-nothing"));
    // Removed with a document open: kept for it, as a file's repository; dropped once closed.
    change(&mut client, "removed");
    let mut kept = vec![first.clone(), (added.0.clone(), true)];
    kept.sort();
    assert_eq!(folders(&mut client), kept);
    client.close(&svc);
    assert_eq!(folders(&mut client), std::slice::from_ref(&first));
    // Added and removed with nothing open: gone at once.
    change(&mut client, "added");
    assert_eq!(folders(&mut client), both);
    change(&mut client, "removed");
    assert_eq!(folders(&mut client), std::slice::from_ref(&first));
    let (code, stderr) = client.shutdown();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
}

/// The tool files around a manifest (skaffold, kustomizations) are read from their unsaved
/// buffers too: an image skaffold builds (tagged when deployed) is not `latest-tag`.
#[test]
fn an_unsaved_tool_file_changes_the_findings_of_the_manifests_around_it() {
    let skaffold = |image: &str| {
        format!(
            "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n  - image: {image}\n"
        )
    };
    let deploy = deployment("web").replace("nginx:1.27", "example.org/api");
    let repo = Repo::new(
        "tool-buffers",
        &[
            (".kubevet.yaml", "rules:\n  latest-tag: warning\n"),
            ("deploy.yaml", &deploy),
            ("skaffold.yaml", &skaffold("example.org/other")),
        ],
    );
    let mut client = start(&repo);
    let uri = repo.uri("deploy.yaml");
    client.open(&repo, "deploy.yaml");
    let list = client.diagnostics(&uri, |l| has(l, "latest-tag"));
    assert_eq!(places(&list), [("latest-tag".to_owned(), 15, 15)]);
    // skaffold.yaml edited, not saved: it builds the image now.
    let tool = repo.uri("skaffold.yaml");
    client.open(&repo, "skaffold.yaml");
    client.change_full(&tool, 2, &skaffold("example.org/api"));
    let list = client.diagnostics(&uri, |l| !has(l, "latest-tag"));
    assert!(list.is_empty(), "{list:?}");
    // Closed unsaved: the file on disk counts again.
    client.close(&tool);
    let list = client.diagnostics(&uri, |l| has(l, "latest-tag"));
    assert_eq!(places(&list), [("latest-tag".to_owned(), 15, 15)]);
    let (code, stderr) = client.shutdown();
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn policies_and_pod_security_see_the_rendered_objects_of_an_overlay() {
    // The overlay's `images:` entry pins nothing: `:latest` is what kustomize applies, and a
    // policy written later must see it, not the base's tag. The overlay's
    // patch then makes a container privileged in a namespace that enforces baseline.
    const POLICY: &str = "\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: pinned
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [deployments]
  validations:
  - expression: \"object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))\"
    message: images must be pinned
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: pinned
spec:
  policyName: pinned
  validationActions: [Deny]
";
    let patch = |privileged: bool| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        securityContext:\n          privileged: {privileged}\n"
        )
    };
    let repo = Repo::new(
        "rendered-policies",
        &[
            ("base/kustomization.yaml", "resources:\n- deployment.yaml\n"),
            ("base/deployment.yaml", &deployment("web")),
            (
                "prod/kustomization.yaml",
                "namespace: prod\nresources:\n- namespace.yaml\n- ../base\npatches:\n- path: debug.yaml\nimages:\n- name: nginx\n  newTag: latest\n",
            ),
            (
                "prod/namespace.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n",
            ),
            ("prod/debug.yaml", &patch(false)),
            (
                "policy.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: policy\n",
            ),
        ],
    );
    let mut client = start(&repo);
    client.open(&repo, "base/deployment.yaml");
    client.open(&repo, "prod/debug.yaml");
    let base = repo.uri("base/deployment.yaml");
    let overlay = repo.uri("prod/debug.yaml");
    let list = client.diagnostics(&base, |l| l.is_empty());
    assert!(list.is_empty(), "{list:?}");
    // The policy is typed into a file of the repository after the overlay was rendered
    // without the trees policies read: the overlay, whose files did not change, is rendered
    // again with them.
    client.open(&repo, "policy.yaml");
    client.change_full(&repo.uri("policy.yaml"), 2, POLICY);
    let list = client.diagnostics(&base, |l| has(l, "admission-policy"));
    assert_eq!(
        places(&list),
        vec![("admission-policy".to_owned(), 3, 8)],
        "{list:?}"
    );
    assert!(
        list[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("images must be pinned (Deployment prod/web as rendered)")),
        "{list:?}"
    );
    client.change_full(&overlay, 2, &patch(true));
    let list = client.diagnostics(&overlay, |l| has(l, "pod-security"));
    assert_eq!(
        places(&list),
        vec![("pod-security".to_owned(), 10, 10)],
        "{list:?}"
    );
    client.change_full(&overlay, 3, &patch(false));
    let list = client.diagnostics(&overlay, |l| l.is_empty());
    assert!(list.is_empty(), "{list:?}");
    let (code, stderr) = client.shutdown();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
}
