//! `kubevet lsp` in a real editor: Neovim headless with its built-in LSP client on a fixture
//! repository. Skips, saying so, where `nvim` is not installed (`.ci/run` installs it).

use std::process::Command;

#[test]
fn neovim_receives_the_whole_repository_diagnostics() {
    if Command::new("nvim").arg("--version").output().is_err() {
        eprintln!(
            "SKIPPED neovim_receives_the_whole_repository_diagnostics: `nvim` is not installed (apt-get install neovim)"
        );
        return;
    }
    let root = std::env::temp_dir().join(format!("kubevet-nvim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(
        root.join("a.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n",
    )
    .unwrap();
    std::fs::write(
        root.join("b.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: webx}\n  template:\n    metadata:\n      labels: {app: webx}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
    )
    .unwrap();
    let out = root.join("diagnostics.txt");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/nvim/diagnostics.lua"
    );
    let status = Command::new("nvim")
        .args(["--headless", "-n", "-i", "NONE", "-u", "NONE", "-c"])
        .arg(format!("luafile {script}"))
        .env("KUBEVET_BIN", env!("CARGO_BIN_EXE_kubevet"))
        .env("KUBEVET_REPO", &root)
        .env("KUBEVET_FILE", root.join("a.yaml"))
        .env("KUBEVET_OUT", &out)
        .env("XDG_STATE_HOME", &root)
        .env("XDG_DATA_HOME", &root)
        .status()
        .unwrap();
    assert!(status.success(), "nvim: {status}");
    let got = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&root);
    // The Service is selected by no workload: a finding from the whole-repo stage, which only a
    // server with b.yaml in view can give.
    assert_eq!(got.trim(), "service-selects-nothing 6 4", "{got}");
}
