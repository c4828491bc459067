//! The GitHub Action (`action.yml`): valid YAML with the documented inputs, no `${{ }}` inside
//! any script, its shell steps run here as the runner runs them (`bash --noprofile --norc -eo
//! pipefail`), with sample inputs and hostile ones, stand-ins for `curl` (a release served from
//! a directory) and `cargo`, and shellcheck on every script.

use kubevet::diagnostics::FileId;
use kubevet::source::SourceFile;
use kubevet::tree::Node;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

const INPUTS: &[&str] = &[
    "paths",
    "kubernetes-version",
    "config",
    "fail-on",
    "sarif-file",
    "args",
    "version",
];

const VERSION: &str = env!("CARGO_PKG_VERSION");

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

fn uses(step: &Node) -> &str {
    step.get("uses").and_then(Node::as_str).unwrap_or("")
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

/// `${{ inputs.NAME }}` → NAME.
fn input_of(value: &str) -> Option<&str> {
    value.strip_prefix("${{ inputs.")?.strip_suffix(" }}")
}

/// `${{ steps.ID.outputs.NAME }}` → (ID, NAME).
fn step_output_of(value: &str) -> Option<(&str, &str)> {
    value
        .strip_prefix("${{ steps.")?
        .strip_suffix(" }}")?
        .split_once(".outputs.")
}

#[test]
fn scripts_get_inputs_only_through_the_environment() {
    let action = action();
    let mut runs = 0;
    let mut ids_so_far = Vec::new();
    let mut inputs_used = Vec::new();
    for step in steps(&action) {
        if let Some(run) = step.get("run").and_then(Node::as_str) {
            runs += 1;
            assert!(
                !run.contains("${{"),
                "an expression inside a script:\n{run}"
            );
            assert_eq!(step.get("shell").and_then(Node::as_str), Some("bash"));
        }
        // Each value is an input or an earlier step's output, nothing else.
        for entry in step.get("env").map(Node::entries).unwrap_or_default() {
            let value = entry.value.as_str().unwrap();
            if let Some(input) = input_of(value) {
                assert!(INPUTS.contains(&input), "{value}");
                inputs_used.push(input.to_owned());
            } else if let Some((id, _)) = step_output_of(value) {
                assert!(ids_so_far.contains(&id), "{value}: not an earlier step");
            } else {
                panic!("{value}");
            }
        }
        if let Some(id) = step.get("id").and_then(Node::as_str) {
            ids_so_far.push(id);
        }
    }
    assert_eq!(runs, 5);
    for input in INPUTS {
        assert!(
            inputs_used.iter().any(|i| i == input),
            "{input} is not used"
        );
    }
    // Every input but the version reaches the check step.
    let env: Vec<&str> = step(&action, "Run kubevet")
        .get("env")
        .unwrap()
        .entries()
        .iter()
        .map(|e| e.value.as_str().unwrap())
        .collect();
    for input in INPUTS.iter().filter(|i| **i != "version") {
        assert!(env.iter().any(|v| input_of(v) == Some(input)), "{input}");
    }

    // A build from source is restored from and saved to the cache, the save right after the
    // build (so a failing check does not lose it), under the same key and paths.
    let index = |name: &str| {
        steps(&action)
            .iter()
            .position(|s| s.get("name").and_then(Node::as_str) == Some(name))
            .unwrap()
    };
    let restore = &steps(&action)[index("Restore kubevet built from source")];
    let build = &steps(&action)[index("Build kubevet from source")];
    let save = &steps(&action)[index("Build kubevet from source") + 1];
    assert_eq!(uses(restore), "actions/cache/restore@v4");
    assert_eq!(uses(save), "actions/cache/save@v4");
    assert_eq!(str_at(save, &["if"]), "steps.build.outcome == 'success'");
    assert_eq!(str_at(build, &["id"]), "build");
    assert_eq!(
        str_at(build, &["if"]),
        "steps.prebuilt.outputs.installed != 'true' && steps.restore.outputs.cache-hit != 'true'"
    );
    assert_eq!(
        str_at(restore, &["if"]),
        "steps.prebuilt.outputs.installed != 'true'"
    );
    for key in ["path", "key"] {
        assert_eq!(
            str_at(restore, &["with", key]),
            str_at(save, &["with", key])
        );
    }
    let paths = str_at(save, &["with", "path"]);
    assert!(
        paths.contains("~/.cargo/registry/cache/") && paths.contains("~/.cache/kubevet-action")
    );
    assert_eq!(
        str_at(save, &["with", "key"]),
        "${{ steps.resolve.outputs.key }}"
    );
    let install = str_at(build, &["run"]);
    assert!(install.contains("cargo install --locked"));
    assert!(install.contains("--path \"$GITHUB_ACTION_PATH\""));
    // The prebuilt binary is tried first, where there is one for the platform.
    assert!(index("Install the prebuilt kubevet") < index("Restore kubevet built from source"));
    assert_eq!(
        str_at(step(&action, "Install the prebuilt kubevet"), &["if"]),
        "steps.resolve.outputs.target != ''"
    );
}

/// Runs a step's script as the runner does for `shell: bash`, with its `env:` evaluated from
/// `inputs` (and the inputs' defaults) and the outputs of the steps run before.
struct Runner {
    dir: PathBuf,
    env: BTreeMap<String, String>,
    /// Outputs per step id, from the steps run so far.
    outputs: BTreeMap<String, BTreeMap<String, String>>,
}

impl Runner {
    fn new(name: &str) -> Runner {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["workspace", "home", "temp"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let mut env = BTreeMap::new();
        env.insert("HOME".into(), dir.join("home").display().to_string());
        env.insert("RUNNER_TEMP".into(), dir.join("temp").display().to_string());
        env.insert(
            "GITHUB_OUTPUT".into(),
            dir.join("output").display().to_string(),
        );
        env.insert(
            "GITHUB_STEP_SUMMARY".into(),
            dir.join("summary.md").display().to_string(),
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
        Runner {
            dir,
            env,
            outputs: BTreeMap::new(),
        }
    }

    fn workspace(&self) -> PathBuf {
        self.dir.join("workspace")
    }

    fn run(&mut self, step_name: &str, inputs: &[(&str, &str)]) -> (Option<i32>, String, String) {
        let action = action();
        let step = step(&action, step_name);
        let script = self.dir.join("step.sh");
        std::fs::write(&script, str_at(step, &["run"])).unwrap();
        let _ = std::fs::remove_file(self.dir.join("output"));
        let _ = std::fs::remove_file(self.dir.join("summary.md"));
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .current_dir(self.workspace())
            .env_clear()
            .envs(&self.env);
        for entry in step.get("env").map(Node::entries).unwrap_or_default() {
            let value = entry.value.as_str().unwrap();
            let value = if let Some(input) = input_of(value) {
                let given = inputs.iter().find(|(k, _)| *k == input).map(|(_, v)| *v);
                let default = action
                    .get_path(&["inputs", input, "default"])
                    .and_then(Node::as_str)
                    .unwrap_or("");
                given.unwrap_or(default).to_owned()
            } else {
                let (id, name) = step_output_of(value).unwrap();
                self.outputs
                    .get(id)
                    .and_then(|o| o.get(name))
                    .cloned()
                    .unwrap_or_default()
            };
            command.env(entry.key.as_str().unwrap(), value);
        }
        let o = command.output().unwrap();
        if let Some(id) = step.get("id").and_then(Node::as_str) {
            let outputs = self
                .output_text()
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            self.outputs.insert(id.to_owned(), outputs);
        }
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    /// What the last step wrote to `$GITHUB_OUTPUT`.
    fn output_text(&self) -> String {
        std::fs::read_to_string(self.dir.join("output")).unwrap_or_default()
    }

    /// What the last step wrote to `$GITHUB_STEP_SUMMARY`.
    fn summary(&self) -> String {
        std::fs::read_to_string(self.dir.join("summary.md")).unwrap_or_default()
    }

    /// Puts a directory of stand-in commands first on the PATH.
    fn stand_in(&mut self, name: &str, script: &str) {
        let fake = self.dir.join("fake-bin");
        std::fs::create_dir_all(&fake).unwrap();
        let file = fake.join(name);
        std::fs::write(&file, script).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = self.env["PATH"].clone();
        if !path.starts_with(&fake.display().to_string()) {
            self.env
                .insert("PATH".into(), format!("{}:{path}", fake.display()));
        }
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
    let mut runner = sample_workspace("action-sample");
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
    assert_eq!(
        runner.output_text(),
        "exit-code=1\nsarif-file=kubevet.sarif\n"
    );
    // The job summary: the counts, the summary line, the findings as a table.
    assert_eq!(
        runner.summary(),
        "### kubevet\n\
         \n\
         | errors | warnings | infos |\n\
         |---:|---:|---:|\n\
         | 1 | 0 | 0 |\n\
         \n\
         checked 2 files (2 documents): 1 error, 0 warnings, 0 infos\n\
         \n\
         | severity | location | rule | finding |\n\
         |---|---|---|---|\n\
         | error | apps/broken.yaml:4:9 | [invalid-name](https://github.com/kubevet/kubevet/blob/main/rules/invalid-name.md) \
         | metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character \
         (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*') |\n"
    );
    // The temporary files are gone.
    assert_eq!(
        std::fs::read_dir(runner.dir.join("temp")).unwrap().count(),
        0
    );

    // Paths on separate lines; fail-on none: the findings are reported, the step passes.
    let (code, out, _) = runner.run(
        "Run kubevet",
        &[("paths", "clusters\napps\n"), ("fail-on", "none")],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("::error file=apps/broken.yaml"), "{out}");
    assert_eq!(runner.output_text(), "exit-code=0\n");

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
    assert!(runner.summary().contains("| 0 | 1 | 0 |"));
    let (code, out, _) = runner.run("Run kubevet", &[("paths", "clusters")]);
    assert_eq!(code, Some(0), "{out}");
    let summary = runner.summary();
    assert!(summary.contains("| 0 | 0 | 0 |"), "{summary}");
    assert!(
        !summary.contains("| severity |"),
        "no table without findings"
    );
}

#[test]
fn the_job_summary_lists_the_first_fifty_findings_escaped() {
    let mut runner = Runner::new("action-summary");
    let ws = runner.workspace();
    std::fs::create_dir_all(ws.join("many")).unwrap();
    for i in 0..60 {
        std::fs::write(ws.join(format!("many/broken-{i:02}.yaml")), BROKEN).unwrap();
    }
    // Markdown and HTML in a file name stay text in the table.
    std::fs::create_dir_all(ws.join("edge")).unwrap();
    std::fs::write(ws.join("edge/a|b<i>&c.yaml"), BROKEN).unwrap();
    let (code, out, err) = runner.run("Run kubevet", &[("paths", "edge many")]);
    assert_eq!(code, Some(1), "{out}{err}");
    let summary = runner.summary();
    assert!(summary.contains("| 61 | 0 | 0 |"), "{summary}");
    let rows: Vec<&str> = summary
        .lines()
        .filter(|l| l.starts_with("| error |"))
        .collect();
    assert_eq!(rows.len(), 50, "{summary}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("| error | edge/a\\|b&lt;i&gt;&amp;c.yaml:4:9 | ")),
        "{summary}"
    );
    assert!(
        summary.ends_with("\nThe first 50 of 61 findings; the step's log has them all.\n"),
        "{summary}"
    );
    // Annotations: every finding is printed; GitHub shows the first 10 of each severity.
    assert_eq!(out.matches("::error file=").count(), 61);
}

#[test]
fn the_sarif_file_output_only_when_this_run_wrote_it() {
    let mut runner = sample_workspace("action-sarif");
    let ws = runner.workspace();
    // A path that does not exist: kubevet stops before writing anything.
    let (code, _, err) = runner.run(
        "Run kubevet",
        &[("paths", "missing"), ("sarif-file", "kubevet.sarif")],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(!ws.join("kubevet.sarif").exists());
    assert_eq!(runner.output_text(), "exit-code=2\n");
    assert!(
        runner
            .summary()
            .contains("kubevet did not check anything (exit code 2)"),
        "{}",
        runner.summary()
    );
    // A SARIF file from before is not this run's.
    std::fs::write(ws.join("kubevet.sarif"), "stale").unwrap();
    runner.run(
        "Run kubevet",
        &[("paths", "missing"), ("sarif-file", "kubevet.sarif")],
    );
    assert_eq!(runner.output_text(), "exit-code=2\n");
    assert_eq!(
        std::fs::read_to_string(ws.join("kubevet.sarif")).unwrap(),
        "stale"
    );
    std::fs::remove_file(ws.join("kubevet.sarif")).unwrap();
    // An invalid configuration: exit 2, but kubevet writes its findings about it.
    std::fs::write(ws.join("bad.yaml"), "rules: {no-such-rule: error}\n").unwrap();
    let (code, out, err) = runner.run(
        "Run kubevet",
        &[("config", "bad.yaml"), ("sarif-file", "kubevet.sarif")],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(ws.join("kubevet.sarif").is_file());
    assert_eq!(
        runner.output_text(),
        "exit-code=2\nsarif-file=kubevet.sarif\n"
    );
}

#[test]
fn the_args_input_is_words_taken_literally() {
    let mut runner = sample_workspace("action-args");
    let ws = runner.workspace();
    std::fs::write(
        ws.join("my config.yaml"),
        "rules: {invalid-name: warning}\n",
    )
    .unwrap();
    // Quotes make one word of "my config.yaml"; the flags reach kubevet check.
    for args in [
        "--config 'my config.yaml'",
        "--config \"my config.yaml\"",
        "--config my\\ config.yaml",
        "--strict=false\n--config\n'my config.yaml'\n",
    ] {
        let (code, out, err) = runner.run("Run kubevet", &[("args", args), ("paths", "apps")]);
        assert_eq!(code, Some(0), "{args}: {out}{err}");
        assert!(
            out.contains("::warning file=apps/broken.yaml,line=4"),
            "{args}: {out}"
        );
    }
    // Nothing is expanded: each word is what was written.
    let (code, _, err) = runner.run("Run kubevet", &[("args", "--crd '$(touch pwned)' ~ $HOME")]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("kubevet: --crd $(touch pwned): no such file or directory"),
        "{err}"
    );
    let (code, _, err) = runner.run("Run kubevet", &[("args", "--crd *")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--crd *: no such file or directory"), "{err}");
    // An unmatched quote is refused before kubevet runs.
    let (code, out, _) = runner.run("Run kubevet", &[("args", "--config 'my config.yaml")]);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("::error title=kubevet::the args input has an unmatched quote"),
        "{out}"
    );
    assert!(!ws.join("pwned").exists());
}

#[test]
fn the_check_step_with_hostile_inputs() {
    let mut runner = sample_workspace("action-hostile");
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
        ("args", "$(touch pwned)", 2),
        ("args", "`touch pwned`", 2),
        ("args", "; touch pwned", 2),
        ("args", "\"$(touch pwned)\" && touch pwned", 2),
        ("args", "--fail-on=none\nexit-code=0", 2),
        ("args", "--format json", 2),
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
        let outputs = runner.output_text();
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

    // The version input: a release number or nothing.
    for value in [
        "1.0.0; touch pwned",
        "$(touch pwned)",
        "1.0.0\nkey=x",
        "../../../evil",
        "1.0",
        "main",
    ] {
        let (code, out, _) = runner.run(
            "Choose kubevet's version and platform",
            &[("version", value)],
        );
        assert_eq!(code, Some(2), "{value:?}: {out}");
        assert!(
            out.contains("::error title=kubevet::the version input must be a kubevet release"),
            "{out}"
        );
        assert!(
            !out.contains("pwned") && !out.contains("evil"),
            "the input is not echoed"
        );
        assert_eq!(runner.output_text(), "");
        assert!(!ws.join("pwned").exists());
    }
}

#[test]
fn the_version_and_platform() {
    let mut runner = Runner::new("action-resolve");
    let home = runner.env["HOME"].clone();
    // The action's own version: built from the action's source if need be, cached under a key
    // made from that source, the same every time.
    let (code, _, err) = runner.run("Choose kubevet's version and platform", &[]);
    assert_eq!(code, Some(0), "{err}");
    let outputs = runner.outputs["resolve"].clone();
    assert_eq!(outputs["version"], VERSION);
    assert_eq!(outputs["target"], "x86_64-unknown-linux-musl");
    assert_eq!(outputs["source"], "path");
    assert_eq!(
        outputs["dir"],
        format!("{home}/.cache/kubevet-action/{VERSION}")
    );
    let key = &outputs["key"];
    let hash = key
        .strip_prefix(&format!("kubevet-Linux-X64-{VERSION}-"))
        .unwrap_or_else(|| panic!("{key}"));
    assert!(
        hash.len() == 32 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{key}"
    );
    runner.run("Choose kubevet's version and platform", &[("version", "")]);
    assert_eq!(runner.outputs["resolve"], outputs);
    // `v` in front is allowed.
    runner.run(
        "Choose kubevet's version and platform",
        &[("version", &format!("v{VERSION}"))],
    );
    assert_eq!(runner.outputs["resolve"], outputs);

    // Another release: from its tag.
    let (code, _, _) = runner.run(
        "Choose kubevet's version and platform",
        &[("version", "9.8.7")],
    );
    assert_eq!(code, Some(0));
    let other = &runner.outputs["resolve"];
    assert_eq!(other["version"], "9.8.7");
    assert_eq!(other["source"], "git");
    assert_eq!(other["key"], "kubevet-Linux-X64-9.8.7-tag");

    // The release's binary for each runner; none elsewhere.
    for (os, arch, target) in [
        ("Linux", "X64", "x86_64-unknown-linux-musl"),
        ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
        ("macOS", "X64", "x86_64-apple-darwin"),
        ("macOS", "ARM64", "aarch64-apple-darwin"),
        ("Windows", "X64", "x86_64-pc-windows-msvc"),
        ("Windows", "ARM64", ""),
        ("Linux", "ARM", ""),
        ("FreeBSD", "X64", ""),
    ] {
        runner.env.insert("RUNNER_OS".into(), os.into());
        runner.env.insert("RUNNER_ARCH".into(), arch.into());
        let (code, _, _) = runner.run("Choose kubevet's version and platform", &[]);
        assert_eq!(code, Some(0));
        assert_eq!(runner.outputs["resolve"]["target"], target, "{os}/{arch}");
    }
}

/// A release directory served by a stand-in `curl`, as GitHub serves release assets.
fn serve_releases(runner: &mut Runner) -> PathBuf {
    let releases = runner.dir.join("releases");
    std::fs::create_dir_all(&releases).unwrap();
    let log = runner.dir.join("curl.log");
    runner.stand_in(
        "curl",
        &format!(
            r#"#!/bin/sh
out=""
url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --output) out=$2; shift ;;
    -*) ;;
    *) url=$1 ;;
  esac
  shift
done
echo "$url" >> '{log}'
file='{releases}'/${{url#https://github.com/kubevet/kubevet/releases/download/}}
if [ -f "$file" ]; then cp "$file" "$out"; else echo "curl: (22) 404" >&2; exit 22; fi
"#,
            log = log.display(),
            releases = releases.display()
        ),
    );
    releases
}

/// A release `kubevet-<version>-<target>.tar.gz` with its `.sha256`, as release.yml makes it,
/// whose kubevet is a script that prints `message`.
fn publish(releases: &Path, version: &str, target: &str, message: &str) {
    let dir = releases.join(format!("v{version}"));
    let name = format!("kubevet-{version}-{target}");
    let staging = dir.join("staging").join(&name);
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(
        staging.join("kubevet"),
        format!("#!/bin/sh\necho '{message}'\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            staging.join("kubevet"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let tarball = format!("{name}.tar.gz");
    let status = Command::new("tar")
        .args(["-czf", &format!("../{tarball}"), &name])
        .current_dir(dir.join("staging"))
        .status()
        .unwrap();
    assert!(status.success());
    let sum = Command::new("sha256sum")
        .arg(&tarball)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(sum.status.success());
    std::fs::write(dir.join(format!("{tarball}.sha256")), sum.stdout).unwrap();
    std::fs::remove_dir_all(dir.join("staging")).unwrap();
}

#[test]
fn the_prebuilt_binary_is_downloaded_and_verified() {
    let mut runner = Runner::new("action-prebuilt");
    let releases = serve_releases(&mut runner);
    let target = "x86_64-unknown-linux-musl";
    publish(&releases, VERSION, target, "kubevet from the release");
    let (code, _, err) = runner.run("Choose kubevet's version and platform", &[]);
    assert_eq!(code, Some(0), "{err}");
    let dir = runner.outputs["resolve"]["dir"].clone();

    let (code, out, err) = runner.run("Install the prebuilt kubevet", &[]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(runner.output_text(), "installed=true\n");
    assert!(out.contains("kubevet from the release"), "{out}");
    let url = format!(
        "https://github.com/kubevet/kubevet/releases/download/v{VERSION}/kubevet-{VERSION}-{target}.tar.gz"
    );
    assert_eq!(
        std::fs::read_to_string(runner.dir.join("curl.log")).unwrap(),
        format!("{url}\n{url}.sha256\n")
    );
    assert!(Path::new(&dir).join("bin/kubevet").is_file());
    let temp_left = || std::fs::read_dir(runner.dir.join("temp")).unwrap().count();
    assert_eq!(temp_left(), 0, "the download is cleaned up");
    let (code, _, _) = runner.run("Put kubevet on the PATH", &[]);
    assert_eq!(code, Some(0));
    assert_eq!(
        std::fs::read_to_string(runner.dir.join("path")).unwrap(),
        format!("{dir}/bin\n")
    );

    // A download that does not match its checksum fails the step: no fallback, no binary.
    std::fs::remove_dir_all(&dir).unwrap();
    let tarball = releases.join(format!("v{VERSION}/kubevet-{VERSION}-{target}.tar.gz"));
    let mut bytes = std::fs::read(&tarball).unwrap();
    bytes.extend_from_slice(b"tampered");
    std::fs::write(&tarball, bytes).unwrap();
    let (code, out, _) = runner.run("Install the prebuilt kubevet", &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("::error title=kubevet::the checksum of kubevet-"),
        "{out}"
    );
    assert!(!runner.output_text().contains("installed=true"));
    assert!(!Path::new(&dir).join("bin/kubevet").exists());
    assert_eq!(
        std::fs::read_dir(runner.dir.join("temp")).unwrap().count(),
        0
    );
    // An empty checksum file is no checksum.
    std::fs::write(format!("{}.sha256", tarball.display()), "").unwrap();
    let (code, _, _) = runner.run("Install the prebuilt kubevet", &[]);
    assert_eq!(code, Some(1));

    // No release for the version (not released yet): built from source instead.
    let (code, _, _) = runner.run(
        "Choose kubevet's version and platform",
        &[("version", "9.8.7")],
    );
    assert_eq!(code, Some(0));
    let (code, out, err) = runner.run("Install the prebuilt kubevet", &[]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(runner.output_text(), "installed=false\n");
    assert_eq!(
        std::fs::read_dir(runner.dir.join("temp")).unwrap().count(),
        0
    );
    assert!(
        out.contains(
            "::notice title=kubevet::no prebuilt kubevet 9.8.7 for x86_64-unknown-linux-musl"
        ),
        "{out}"
    );
}

#[test]
fn the_build_from_source_with_a_stand_in_cargo() {
    let mut runner = Runner::new("action-build");
    let log = runner.dir.join("cargo.log");
    runner.stand_in(
        "cargo",
        &format!("#!/bin/sh\necho \"$@\" > '{}'\n", log.display()),
    );
    let home = runner.env["HOME"].clone();

    // The action's own version: `cargo install` from the action's source.
    runner.run("Choose kubevet's version and platform", &[]);
    let (code, _, err) = runner.run("Build kubevet from source", &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!(
            "install --locked --force --root {home}/.cache/kubevet-action/{VERSION} --path {}\n",
            env!("CARGO_MANIFEST_DIR")
        )
    );
    let (code, _, _) = runner.run("Put kubevet on the PATH", &[]);
    assert_eq!(code, Some(0));
    assert_eq!(
        std::fs::read_to_string(runner.dir.join("path")).unwrap(),
        format!("{home}/.cache/kubevet-action/{VERSION}/bin\n")
    );

    // Another release: from its tag.
    runner.run(
        "Choose kubevet's version and platform",
        &[("version", "9.8.7")],
    );
    let (code, _, err) = runner.run("Build kubevet from source", &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!(
            "install --locked --force --root {home}/.cache/kubevet-action/9.8.7 --git https://github.com/kubevet/kubevet --tag v9.8.7 kubevet\n"
        )
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
    let (code, out, _) = runner.run("Build kubevet from source", &[]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("::error title=kubevet::cargo was not found"),
        "{out}"
    );
}

#[test]
fn the_scripts_pass_shellcheck() {
    if !common::shellcheck_installed("action.yml's scripts") {
        return;
    }
    let action = action();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("action-shellcheck");
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = String::new();
    let mut checked = 0;
    for (i, step) in steps(&action).iter().enumerate() {
        let Some(run) = step.get("run").and_then(Node::as_str) else {
            continue;
        };
        let file = dir.join(format!("step-{i}.sh"));
        std::fs::write(&file, run).unwrap();
        let o = Command::new("shellcheck")
            .args(["--shell=bash", "--format=gcc"])
            .arg(&file)
            .output()
            .unwrap();
        checked += 1;
        if !o.status.success() {
            failures.push_str(&format!(
                "{}:\n{}",
                str_at(step, &["name"]),
                String::from_utf8_lossy(&o.stdout)
            ));
        }
    }
    assert_eq!(checked, 5);
    assert!(failures.is_empty(), "{failures}");
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
    let action = steps
        .iter()
        .find(|s| uses(s).starts_with("kubevet/kubevet@"))
        .unwrap();
    assert_eq!(uses(action), format!("kubevet/kubevet@v{VERSION}"));
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
