//! The GitHub Action (`action.yml`): valid YAML with the documented inputs, no `${{ }}` inside
//! any script, and its shell steps run here as the runner runs them (`bash --noprofile --norc
//! -eo pipefail`), with sample inputs and hostile ones.

use kubevet::diagnostics::FileId;
use kubevet::source::SourceFile;
use kubevet::tree::Node;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const INPUTS: &[&str] = &[
    "paths",
    "kubernetes-version",
    "config",
    "fail-on",
    "sarif-file",
];

fn action() -> Node {
    let text = std::fs::read_to_string("action.yml").unwrap();
    let file = SourceFile::new(FileId(0), "action.yml".into(), text);
    let mut loaded = kubevet::load::load(&file, &Default::default());
    assert!(
        loaded.diagnostics.is_empty(),
        "action.yml is not clean YAML"
    );
    assert_eq!(loaded.documents.len(), 1);
    loaded.documents.remove(0).root
}

fn str_at<'a>(node: &'a Node, path: &[&str]) -> &'a str {
    node.get_path(path)
        .and_then(Node::as_str)
        .unwrap_or_else(|| panic!("action.yml: no string at {path:?}"))
}

fn steps(action: &Node) -> &[Node] {
    action
        .get_path(&["runs", "steps"])
        .unwrap()
        .as_seq()
        .unwrap()
}

fn step<'a>(action: &'a Node, name: &str) -> &'a Node {
    steps(action)
        .iter()
        .find(|s| s.get("name").and_then(Node::as_str) == Some(name))
        .unwrap_or_else(|| panic!("no step {name:?}"))
}

#[test]
fn action_yml_is_valid_yaml_with_the_documented_inputs() {
    let action = action();
    assert_eq!(str_at(&action, &["name"]), "kubevet");
    assert!(!str_at(&action, &["description"]).is_empty());
    assert_eq!(str_at(&action, &["runs", "using"]), "composite");
    let inputs: Vec<String> = action
        .get("inputs")
        .unwrap()
        .entries()
        .iter()
        .map(|e| e.key.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(inputs, INPUTS);
    for input in INPUTS {
        assert!(!str_at(&action, &["inputs", input, "description"]).is_empty());
        assert_eq!(
            action
                .get_path(&["inputs", input, "required"])
                .and_then(Node::as_bool),
            Some(false)
        );
    }
    assert_eq!(str_at(&action, &["inputs", "paths", "default"]), ".");
    for output in ["sarif-file", "exit-code"] {
        assert!(str_at(&action, &["outputs", output, "value"]).contains("steps.check.outputs."));
    }
    // The README documents the same inputs.
    let readme = std::fs::read_to_string("README.md").unwrap();
    for input in INPUTS {
        assert!(
            readme.contains(&format!("| `{input}` |")),
            "README: input {input}"
        );
    }
    assert!(readme.contains("uses: kubevet/kubevet@"));
    assert!(readme.contains("github/codeql-action/upload-sarif"));
}

#[test]
fn scripts_get_inputs_only_through_the_environment() {
    let action = action();
    let mut runs = 0;
    for step in steps(&action) {
        if let Some(run) = step.get("run").and_then(Node::as_str) {
            runs += 1;
            assert!(
                !run.contains("${{"),
                "an expression inside a script:\n{run}"
            );
            assert_eq!(step.get("shell").and_then(Node::as_str), Some("bash"));
        }
        for entry in step.get("env").map(Node::entries).unwrap_or_default() {
            let value = entry.value.as_str().unwrap();
            assert!(
                value.starts_with("${{ inputs.") && value.ends_with(" }}"),
                "{value}"
            );
        }
    }
    assert_eq!(runs, 4);
    // Every input reaches the check step, as an environment variable.
    let env: Vec<&str> = step(&action, "Run kubevet")
        .get("env")
        .unwrap()
        .entries()
        .iter()
        .map(|e| e.value.as_str().unwrap())
        .collect();
    for input in INPUTS {
        assert!(
            env.contains(&format!("${{{{ inputs.{input} }}}}").as_str()),
            "{input}"
        );
    }
    let cache = steps(&action)
        .iter()
        .find(|s| s.get("uses").and_then(Node::as_str) == Some("actions/cache@v4"))
        .expect("Cargo caching with actions/cache");
    let paths = str_at(cache, &["with", "path"]);
    assert!(
        paths.contains("~/.cargo/registry/cache/") && paths.contains("~/.cache/kubevet-action")
    );
    let install = str_at(
        step(&action, "Install kubevet from the action's source"),
        &["run"],
    );
    assert!(install.contains("cargo install --locked"));
    assert!(install.contains("--path \"$GITHUB_ACTION_PATH\""));
}

/// Runs a step's script as the runner does for `shell: bash`, with its `env:` evaluated from
/// `inputs` (and the inputs' defaults). Returns (exit code, stdout, stderr).
struct Runner {
    dir: PathBuf,
    env: BTreeMap<String, String>,
}

impl Runner {
    fn new(name: &str) -> Runner {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("workspace")).unwrap();
        std::fs::create_dir_all(dir.join("home")).unwrap();
        let mut env = BTreeMap::new();
        env.insert("HOME".into(), dir.join("home").display().to_string());
        env.insert(
            "GITHUB_OUTPUT".into(),
            dir.join("output").display().to_string(),
        );
        env.insert("GITHUB_PATH".into(), dir.join("path").display().to_string());
        env.insert("RUNNER_OS".into(), "Linux".into());
        env.insert("RUNNER_ARCH".into(), "X64".into());
        env.insert(
            "GITHUB_ACTION_PATH".into(),
            env!("CARGO_MANIFEST_DIR").to_owned(),
        );
        env.insert(
            "GITHUB_WORKSPACE".into(),
            dir.join("workspace").display().to_string(),
        );
        // kubevet as the install step would put it on the PATH.
        let bin = Path::new(env!("CARGO_BIN_EXE_kubevet")).parent().unwrap();
        env.insert(
            "PATH".into(),
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        );
        Runner { dir, env }
    }

    fn workspace(&self) -> PathBuf {
        self.dir.join("workspace")
    }

    fn run(&self, step_name: &str, inputs: &[(&str, &str)]) -> (Option<i32>, String, String) {
        let action = action();
        let step = step(&action, step_name);
        let script = self.dir.join("step.sh");
        std::fs::write(&script, str_at(step, &["run"])).unwrap();
        let _ = std::fs::remove_file(self.dir.join("output"));
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .current_dir(self.workspace())
            .env_clear()
            .envs(&self.env);
        for entry in step.get("env").map(Node::entries).unwrap_or_default() {
            let value = entry.value.as_str().unwrap();
            let input = value
                .strip_prefix("${{ inputs.")
                .and_then(|v| v.strip_suffix(" }}"))
                .unwrap();
            let given = inputs.iter().find(|(k, _)| *k == input).map(|(_, v)| *v);
            let default = action
                .get_path(&["inputs", input, "default"])
                .and_then(Node::as_str)
                .unwrap_or("");
            command.env(entry.key.as_str().unwrap(), given.unwrap_or(default));
        }
        let o = command.output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    fn outputs(&self) -> String {
        std::fs::read_to_string(self.dir.join("output")).unwrap_or_default()
    }
}

const CLEAN: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n";
const BROKEN: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n";

fn sample_workspace(name: &str) -> Runner {
    let runner = Runner::new(name);
    let ws = runner.workspace();
    std::fs::create_dir_all(ws.join("clusters/prod")).unwrap();
    std::fs::create_dir_all(ws.join("apps")).unwrap();
    std::fs::write(ws.join("clusters/prod/cm.yaml"), CLEAN).unwrap();
    std::fs::write(ws.join("apps/broken.yaml"), BROKEN).unwrap();
    std::fs::write(ws.join("canary"), "still here").unwrap();
    runner
}

#[test]
fn the_check_step_with_sample_inputs() {
    let runner = sample_workspace("action-sample");
    let ws = runner.workspace();
    // Two paths, SARIF requested: annotations on stdout, the SARIF file, the outputs.
    let (code, out, err) = runner.run(
        "Run kubevet",
        &[("paths", "clusters apps"), ("sarif-file", "kubevet.sarif")],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.starts_with("::error file=apps/broken.yaml,line=4,col=9,"),
        "{out}"
    );
    assert!(out.contains("checked 2 files"), "{out}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.join("kubevet.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "invalid-name");
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "apps/broken.yaml"
    );
    assert_eq!(runner.outputs(), "sarif-file=kubevet.sarif\nexit-code=1\n");

    // Paths on separate lines; fail-on none: the findings are reported, the step passes.
    let (code, out, _) = runner.run(
        "Run kubevet",
        &[("paths", "clusters\napps\n"), ("fail-on", "none")],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("::error file=apps/broken.yaml"), "{out}");
    assert_eq!(runner.outputs(), "exit-code=0\n");

    // The default path `.`, a configuration and a Kubernetes version.
    std::fs::write(ws.join("ci.yaml"), "rules: {invalid-name: warning}\n").unwrap();
    let (code, out, err) = runner.run(
        "Run kubevet",
        &[("config", "ci.yaml"), ("kubernetes-version", "1.30")],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("::warning file=apps/broken.yaml,line=4"),
        "{out}"
    );
    let (code, out, _) = runner.run("Run kubevet", &[("paths", "clusters")]);
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn the_check_step_with_hostile_inputs() {
    let runner = sample_workspace("action-hostile");
    let ws = runner.workspace();
    // (input, value, exit code): 2 is kubevet refusing the value; 1 is a normal run that found
    // the broken manifest (the value was taken literally, as a file name).
    let cases: &[(&str, &str, i32)] = &[
        ("paths", "x; rm -rf /", 2),
        ("paths", "$(touch pwned) `touch pwned` && touch pwned", 2),
        ("paths", "* apps/*", 2),
        ("paths", "--output=sarif=pwned", 2),
        ("kubernetes-version", "1.30; touch pwned", 2),
        ("kubernetes-version", "$(touch pwned)", 2),
        ("config", "$(touch pwned)", 2),
        ("config", "ci.yaml\" ; touch pwned ; echo \"", 2),
        ("fail-on", "error --output sarif=pwned", 2),
        ("sarif-file", "pwned\nexit-code=0", 2),
        ("sarif-file", "$(touch pwned)", 1),
    ];
    for &(input, value, expected) in cases {
        let (code, out, err) = runner.run("Run kubevet", &[(input, value)]);
        let transcript = format!("{input}={value:?}: {out}{err}");
        assert_eq!(code, Some(expected), "{transcript}");
        assert!(!ws.join("pwned").exists(), "{transcript}");
        assert_eq!(
            std::fs::read_to_string(ws.join("canary")).unwrap(),
            "still here"
        );
        assert!(!err.contains("panicked"), "{transcript}");
        // Nothing but what the step itself writes reaches the step's outputs.
        let outputs = runner.outputs();
        assert!(
            outputs
                .lines()
                .all(|l| l.starts_with("exit-code=") || l.starts_with("sarif-file=")),
            "{transcript}\n{outputs}"
        );
        assert!(!outputs.contains("exit-code=0"), "{transcript}\n{outputs}");
    }
    // The words reach kubevet as they were written: one path each, never globbed.
    let (_, _, err) = runner.run("Run kubevet", &[("paths", "x; rm -rf /")]);
    assert!(
        err.contains("kubevet: x;: no such file or directory"),
        "{err}"
    );
    let (_, _, err) = runner.run("Run kubevet", &[("paths", "* apps/*")]);
    assert!(
        err.contains("kubevet: *: no such file or directory"),
        "{err}"
    );
    let (_, out, _) = runner.run("Run kubevet", &[("sarif-file", "pwned\nexit-code=0")]);
    assert!(out.contains("::error title=kubevet::the sarif-file input must be one file name"));
    assert!(
        ws.join("$(touch pwned)").is_file(),
        "the SARIF file, named literally"
    );
}

#[test]
fn the_install_steps_with_a_stand_in_cargo() {
    let mut runner = Runner::new("action-install");
    // The cache key: the action's source, per OS and architecture, the same every time.
    let (code, _, err) = runner.run("Cache key for kubevet", &[]);
    assert_eq!(code, Some(0), "{err}");
    let key = runner.outputs();
    let hash = key
        .strip_prefix("key=kubevet-Linux-X64-")
        .and_then(|k| k.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{key}"));
    assert!(
        hash.len() == 32 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{key}"
    );
    runner.run("Cache key for kubevet", &[]);
    assert_eq!(runner.outputs(), key);

    // `cargo install` from the action's own source, into the cached directory.
    let fake = runner.dir.join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let log = runner.dir.join("cargo.log");
    let cargo = fake.join("cargo");
    std::fs::write(
        &cargo,
        format!("#!/bin/sh\necho \"$@\" > '{}'\n", log.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = runner.env["PATH"].clone();
    runner
        .env
        .insert("PATH".into(), format!("{}:{path}", fake.display()));
    let (code, _, err) = runner.run("Install kubevet from the action's source", &[]);
    assert_eq!(code, Some(0), "{err}");
    let home = runner.env["HOME"].clone();
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!(
            "install --locked --force --root {home}/.cache/kubevet-action --path {}\n",
            env!("CARGO_MANIFEST_DIR")
        )
    );
    let (code, _, _) = runner.run("Put kubevet on the PATH", &[]);
    assert_eq!(code, Some(0));
    assert_eq!(
        std::fs::read_to_string(runner.dir.join("path")).unwrap(),
        format!("{home}/.cache/kubevet-action/bin\n")
    );

    // Without cargo: a clear error, not a cryptic "command not found".
    let bash_dir = ["/usr/bin", "/bin"]
        .into_iter()
        .find(|d| Path::new(d).join("bash").exists())
        .unwrap();
    if Path::new(bash_dir).join("cargo").exists() {
        eprintln!("cargo is in {bash_dir}: the no-cargo case is not checked");
        return;
    }
    runner.env.insert("PATH".into(), bash_dir.to_owned());
    let (code, out, _) = runner.run("Install kubevet from the action's source", &[]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("::error title=kubevet::cargo was not found"),
        "{out}"
    );
}

#[test]
fn the_readme_workflow_uses_the_action_as_defined() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("```yaml\n# .github/workflows/kubevet.yml\n")
        .expect("a workflow example");
    let body = &readme[start + "```yaml\n".len()..];
    let body = &body[..body.find("```").unwrap()];
    let file = SourceFile::new(FileId(0), "workflow.yml".into(), body.into());
    let loaded = kubevet::load::load(&file, &Default::default());
    assert!(loaded.diagnostics.is_empty(), "the workflow is clean YAML");
    let workflow = &loaded.documents[0].root;
    let steps = workflow
        .get_path(&["jobs", "kubevet", "steps"])
        .unwrap()
        .as_seq()
        .unwrap();
    let uses = |s: &Node| {
        s.get("uses")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let action = steps
        .iter()
        .find(|s| uses(s).starts_with("kubevet/kubevet@"))
        .unwrap();
    for entry in action.get("with").unwrap().entries() {
        let key = entry.key.as_str().unwrap();
        assert!(INPUTS.contains(&key), "the action has no input {key}");
    }
    let upload = steps
        .iter()
        .find(|s| uses(s).starts_with("github/codeql-action/upload-sarif@"))
        .unwrap();
    assert_eq!(
        str_at(upload, &["with", "sarif_file"]),
        str_at(action, &["with", "sarif-file"])
    );
    assert_eq!(
        str_at(workflow, &["permissions", "security-events"]),
        "write"
    );
}
