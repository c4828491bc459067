//! kubevet never phones home and never writes to what it checks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

/// Crates that would mean an HTTP or TLS client somewhere in the build.
const NETWORK_CRATES: &[&str] = &[
    "reqwest",
    "hyper",
    "h2",
    "ureq",
    "curl",
    "curl-sys",
    "isahc",
    "surf",
    "attohttpc",
    "rustls",
    "native-tls",
    "openssl",
    "openssl-sys",
    "schannel",
    "security-framework",
    "aws-lc-rs",
    "ring",
];

#[test]
fn dependency_tree_has_no_http_or_tls_client() {
    // Cargo.lock lists every package any target, feature set or platform of this build can use.
    let lock = std::fs::read_to_string("Cargo.lock").expect("Cargo.lock is committed");
    let packages: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .collect();
    assert!(packages.contains(&"kubevet"), "Cargo.lock parsed");
    for forbidden in NETWORK_CRATES {
        assert!(
            !packages.contains(forbidden),
            "`{forbidden}` is in Cargo.lock: kubevet must stay offline"
        );
    }
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, Option<std::time::SystemTime>)> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                files.insert(
                    path.clone(),
                    (std::fs::read(&path).unwrap(), meta.modified().ok()),
                );
            } else {
                files.insert(
                    path.clone(),
                    (
                        std::fs::read_link(&path)
                            .unwrap()
                            .into_os_string()
                            .into_encoded_bytes(),
                        None,
                    ),
                );
            }
        }
    }
    files
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let meta = std::fs::symlink_metadata(entry.path()).unwrap();
        if meta.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if meta.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        } else {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &target).unwrap();
        }
    }
}

#[test]
fn a_check_run_leaves_the_tree_unchanged() {
    let dir = std::env::temp_dir().join(format!("kubevet-hermetic-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(Path::new("fixtures"), &dir);
    let before = snapshot(&dir);
    for format in ["human", "json", "concise"] {
        let status = common::command()
            .args(["check", "--format", format, dir.to_str().unwrap()])
            .output()
            .unwrap()
            .status;
        assert!(matches!(status.code(), Some(0 | 1)), "{status:?}");
    }
    let after = snapshot(&dir);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "files added or removed"
    );
    for (path, content) in &before {
        assert!(after[path] == *content, "{} changed", path.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
