//! kubevet's loader decodes YAML exactly as kubectl does: a differential test against go-yaml.
//!
//! `tests/data/goyaml/` holds several hundred tricky cases (`CASE.yaml`: flow collections over
//! several lines, every escape, tabs, comments, document markers, block scalars, plain scalars,
//! anchors and merge keys, complex keys, BOM, CRLF, directives, tags, duplicate keys, Unicode,
//! JSON streams) and what kubectl made of each (`CASE.expected.json`), both written by
//! `scripts/update-goyaml-corpus`. The oracle is kubectl's own reading of `-f` files,
//! `kubectl label --local -f CASE -o json`: apimachinery's YAMLOrJSONDecoder (a stream that
//! starts with `{` is JSON, else the `---` line reader), then sigs.k8s.io/yaml (go-yaml v2,
//! YAML 1.1 scalars, YAML → JSON) — what `kubectl apply -f` does. So scalars are compared as
//! kubevet resolves them (YAML 1.1), with no allowance for YAML 1.2: `yes` must be `true`,
//! `0755` must be 493.
//!
//! For every case and both loaders (the fast path and the general one):
//! - kubectl accepted the file: kubevet reports no `invalid-yaml` (nor `input-limit-exceeded`)
//!   and its documents, converted to JSON as kubectl converts them, are kubectl's objects;
//! - kubectl rejected it: kubevet reports an `invalid-yaml` error, and the documents before
//!   it are the ones kubectl decoded before stopping (kubectl stops at the first bad document;
//!   kubevet reports it and goes on).
//!
//! Numbers are compared as float64 values: kubectl's label round trip prints an integer beyond
//! int64 as a float (12345678901234567890 as 12345678901234567000), and Go writes the float
//! 1.0 as `1`. The `kustomize` verdicts in the expected files (go-yaml v3, which rejects
//! duplicate and non-string keys) are information only.
//!
//! With kubectl on PATH, `kubectl_still_decodes_every_case_as_recorded` re-runs the oracle on
//! every case and fails on any drift (regenerate with the script and review the diff).

use kubevet::diagnostics::FileId;
use kubevet::load::{Limits, Loaded, load, load_without_fast_path};
use kubevet::source::SourceFile;
use serde_json::Value as J;
use std::path::{Path, PathBuf};

const LABEL: &str = "kubevet-oracle";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/goyaml")
}

struct Case {
    name: String,
    path: PathBuf,
    text: String,
    expected: J,
}

fn cases() -> Vec<Case> {
    let dir = corpus_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/data/goyaml")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".expected.json").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let path = dir.join(format!("{name}.yaml"));
            let text = std::fs::read_to_string(&path).expect("case file");
            let expected = std::fs::read_to_string(dir.join(format!("{name}.expected.json")))
                .expect("expected file");
            let expected = serde_json::from_str(&expected).expect("expected JSON");
            Case {
                name,
                path,
                text,
                expected,
            }
        })
        .collect()
}

/// JSON equality with numbers compared as float64 (see the module comment).
fn same_json(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_json(p, q))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// What kubevet made of a case: its documents, which end before its first error, and that
/// error.
struct Verdict {
    documents: Vec<J>,
    /// Documents after the first error, or holding it.
    later: Vec<J>,
    error: Option<String>,
}

fn verdict(file: &SourceFile, loaded: &Loaded) -> Verdict {
    let error = loaded
        .diagnostics
        .iter()
        .filter(|d| matches!(d.rule.id, "invalid-yaml" | "input-limit-exceeded"))
        .min_by_key(|d| {
            (
                d.primary.location.start.line,
                d.primary.location.start.column,
            )
        });
    let error_at = error.map(|e| {
        (
            e.primary.location.start.line,
            e.primary.location.start.column,
        )
    });
    let (before, later): (Vec<_>, Vec<_>) = loaded.documents.iter().partition(|d| {
        let end = file.position(d.root.span.end);
        error_at.is_none_or(|at| (end.line, end.column) <= at)
    });
    Verdict {
        documents: before.iter().map(|d| d.root.to_json()).collect(),
        later: later.iter().map(|d| d.root.to_json()).collect(),
        error: error.map(|e| {
            format!(
                "{}:{}: {}",
                e.primary.location.start.line, e.primary.location.start.column, e.message
            )
        }),
    }
}

fn disagreement(case: &Case, got: &Verdict) -> Option<String> {
    let kubectl = &case.expected["kubectl"];
    let want_docs = kubectl["documents"].as_array().expect("documents");
    let want_error = kubectl["error"].as_str();
    let same = |docs: &[J]| {
        docs.len() == want_docs.len() && docs.iter().zip(want_docs).all(|(a, b)| same_json(a, b))
    };
    let agree = match want_error {
        None => got.error.is_none() && same(&got.documents),
        // kubectl decoded the YAML, but the document is not an object ("unable to decode"):
        // the loader has nothing to reject; rules report such a document.
        Some(e) if e.starts_with("error: unable to decode") => {
            let mut all = got.documents.clone();
            all.extend(got.later.iter().cloned());
            all.len() > want_docs.len() && same(&all[..want_docs.len()])
        }
        // kubectl's line reader drops the document it was reading when it meets a bad `---`
        // line; kubevet reports the line and still checks that document.
        Some(e) if e.contains("invalid Yaml document separator") => {
            got.error.is_some()
                && (same(&got.documents)
                    || (got.documents.len() == want_docs.len() + 1
                        && same(&got.documents[..want_docs.len()])))
        }
        Some(_) => got.error.is_some() && same(&got.documents),
    };
    if agree {
        return None;
    }
    Some(format!(
        "{}: kubectl {} / kubevet {}\n  kubectl documents: {}\n  kubevet documents: {}",
        case.name,
        want_error.map_or("accepts".to_owned(), |e| format!("rejects ({e})")),
        got.error
            .as_ref()
            .map_or("accepts".to_owned(), |e| format!("rejects ({e})")),
        serde_json::to_string(want_docs).unwrap(),
        serde_json::to_string(&got.documents).unwrap(),
    ))
}

#[test]
fn kubevet_decodes_every_case_as_kubectl_does() {
    let cases = cases();
    assert!(
        cases.len() >= 300,
        "the corpus is missing: {} cases",
        cases.len()
    );
    let limits = Limits::default();
    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for case in &cases {
        let file = SourceFile::new(FileId(0), case.name.clone(), case.text.clone());
        for (which, loaded) in [
            ("fast path", load(&file, &limits)),
            ("general loader", load_without_fast_path(&file, &limits)),
        ] {
            if let Some(d) = disagreement(case, &verdict(&file, &loaded)) {
                failures.push(format!("[{which}] {d}"));
            }
        }
        if case.expected["kubectl"]["error"].is_null() {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    eprintln!(
        "{} cases ({accepted} accepted, {rejected} rejected by kubectl): {} disagreements",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "kubevet decodes {} case(s) differently from kubectl:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// kubectl's results for every case, from one run of kubectl over all of them (one process a
/// case takes a minute): a sentinel object between the cases tells whose documents are whose,
/// and each error names its file. kubectl goes on to the next file after an error.
fn kubectl_now(cases: &[Case]) -> Vec<J> {
    let sentinel = Path::new(env!("CARGO_TARGET_TMPDIR")).join("goyaml-sentinel.yaml");
    std::fs::write(
        &sentinel,
        "apiVersion: test.kubevet.dev/v1\nkind: Sentinel\nmetadata:\n  name: kubevet-sentinel\n",
    )
    .unwrap();
    let mut command = std::process::Command::new("kubectl");
    command.args(["label", "--local"]);
    for case in cases {
        command.arg("-f").arg(&case.path).arg("-f").arg(&sentinel);
    }
    let output = command
        .args([&format!("{LABEL}=x"), "-o", "json"])
        .output()
        .expect("run kubectl");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut documents: Vec<Vec<J>> = vec![Vec::new()];
    for doc in serde_json::Deserializer::from_str(&stdout).into_iter::<J>() {
        let mut doc = doc.expect("kubectl prints JSON");
        if doc["kind"] == "Sentinel" {
            documents.push(Vec::new());
            continue;
        }
        if let Some(metadata) = doc.get_mut("metadata").and_then(J::as_object_mut)
            && let Some(labels) = metadata.get_mut("labels").and_then(J::as_object_mut)
        {
            labels.remove(LABEL);
            if labels.is_empty() {
                metadata.remove("labels");
            }
        }
        documents.last_mut().unwrap().push(doc);
    }
    assert_eq!(documents.len(), cases.len() + 1, "{stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    cases
        .iter()
        .zip(documents)
        .map(|(case, documents)| {
            let path = case.path.to_string_lossy();
            let error = stderr
                .lines()
                .find(|l| l.contains(&*path))
                .map(|l| normalize_error(&l.replace(&*path, "CASE")));
            serde_json::json!({ "documents": documents, "error": error })
        })
        .collect()
}

/// kubectl writes `error: ` before its only error, not before each of several.
fn normalize_error(e: &str) -> String {
    e.strip_prefix("error: ").unwrap_or(e).to_owned()
}

#[test]
fn kubectl_still_decodes_every_case_as_recorded() {
    let found = std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!(
            "SKIPPED kubectl_still_decodes_every_case_as_recorded: kubectl is not on PATH (the recorded results in tests/data/goyaml/ are still checked)"
        );
        return;
    }
    let cases = cases();
    let drift: Vec<String> = cases
        .iter()
        .zip(kubectl_now(&cases))
        .filter_map(|(case, mut now)| {
            let mut recorded = case.expected["kubectl"].clone();
            for result in [&mut recorded, &mut now] {
                if let Some(e) = result["error"].as_str() {
                    result["error"] = J::String(normalize_error(e));
                }
            }
            (now != recorded)
                .then(|| format!("{}:\n  recorded: {recorded}\n  now:      {now}", case.name))
        })
        .collect();
    assert!(
        drift.is_empty(),
        "kubectl decodes {} case(s) differently from what tests/data/goyaml/ recorded (run scripts/update-goyaml-corpus and review the diff):\n{}",
        drift.len(),
        drift.join("\n")
    );
}
