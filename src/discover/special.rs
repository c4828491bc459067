//! Files that are not regular files — FIFOs (named pipes), sockets, character and block
//! devices, also behind a symbolic link — are never read: opening a FIFO blocks until something
//! writes to it, and a device such as `/dev/zero` or `/dev/urandom` never ends. Every file
//! kubevet reads goes through [`open_regular`] (or [`read_regular`]): the type is checked with
//! `stat` (following symbolic links) before the file is opened; the file is then opened with
//! `O_NONBLOCK`, so that a FIFO swapped in between the `stat` and the `open` cannot block it,
//! and the type is checked again on the opened handle (`fstat`). The files a directory walk has
//! just found regular skip the first `stat` ([`open_walked_regular`]: the walk checked them).

use std::fs::{File, FileType, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// What a non-regular, non-directory file is: `Some("a FIFO (named pipe)")`, ...; `None` for
/// regular files and directories.
pub fn describe(file_type: FileType) -> Option<&'static str> {
    if file_type.is_file() || file_type.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
    }
    if file_type.is_symlink() {
        // Only when the link could not be followed; callers report that themselves.
        return None;
    }
    Some("not a regular file")
}

/// What a path is if it is a special file, following symbolic links: e.g. `a FIFO (named
/// pipe)`, or `a symbolic link to a character device`. `None` for a regular file, a directory,
/// or a path that cannot be examined (the caller's own read reports that).
pub fn special_kind(path: &Path) -> Option<String> {
    let target = std::fs::metadata(path).ok()?;
    let kind = describe(target.file_type())?;
    let via_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    Some(if via_link {
        format!("a symbolic link to {kind}")
    } else {
        kind.to_owned()
    })
}

/// The error for a special file: `it is a FIFO (named pipe), not a regular file`.
pub fn not_regular(kind: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {kind}, not a regular file"),
    )
}

/// `O_NONBLOCK` where its value is known; elsewhere only the checks before and after `open`.
#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "arm",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "powerpc",
        target_arch = "powerpc64",
        target_arch = "s390x",
        target_arch = "loongarch64"
    )
))]
const O_NONBLOCK: Option<i32> = Some(0o4000);
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
const O_NONBLOCK: Option<i32> = Some(0x0004);
#[cfg(not(any(
    all(
        target_os = "linux",
        any(
            target_arch = "x86",
            target_arch = "x86_64",
            target_arch = "arm",
            target_arch = "aarch64",
            target_arch = "riscv64",
            target_arch = "powerpc",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "loongarch64"
        )
    ),
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)))]
const O_NONBLOCK: Option<i32> = None;

/// Opens a file for reading if it is a regular file (or a directory, which the caller
/// rejects with its own message), never blocking; the metadata is that of the opened handle.
pub fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    if let Some(kind) = special_kind(path) {
        return Err(not_regular(&kind));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    if let Some(flag) = O_NONBLOCK {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(flag);
    }
    let file = options.open(path)?;
    // The path may have been replaced between the `stat` above and the `open`.
    let metadata = file.metadata()?;
    if let Some(kind) = describe(metadata.file_type()) {
        return Err(not_regular(kind));
    }
    Ok((file, metadata))
}

/// [`open_regular`] for a path a directory walk has just found to be a regular file (or a
/// link to one, followed): the `stat` before `open` is left out — one system call a file of the
/// run. The file is opened with `O_NONBLOCK` all the same and checked on the handle, so a FIFO,
/// socket or device put there since is refused with the same message, and never read. Where
/// `O_NONBLOCK` is not known, [`open_regular`].
pub fn open_walked_regular(path: &Path) -> io::Result<(File, Metadata)> {
    let Some(_flag) = O_NONBLOCK else {
        return open_regular(path);
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(_flag);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        // A socket cannot be opened (`ENXIO`): say what it is, as `open_regular` does.
        Err(e) => return Err(special_kind(path).map_or(e, |kind| not_regular(&kind))),
    };
    let metadata = file.metadata()?;
    if let Some(kind) = describe(metadata.file_type()) {
        // Named as `open_regular` names it (`a symbolic link to …` where it is one).
        let kind = special_kind(path).unwrap_or_else(|| kind.to_owned());
        return Err(not_regular(&kind));
    }
    Ok((file, metadata))
}

/// Reads a regular file whole; more than `limit` bytes is an `InvalidData` error.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let (file, metadata) = open_regular(path)?;
    if metadata.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory",
        ));
    }
    let mut bytes = Vec::with_capacity(metadata.len().min(limit) as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("more than {limit} bytes"),
        ));
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_string(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_regular(path, limit)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn devices_and_links_to_them_are_special() {
        assert_eq!(
            special_kind(Path::new("/dev/null")).as_deref(),
            Some("a character device")
        );
        assert_eq!(special_kind(Path::new("/")), None);
        let error = read_regular(Path::new("/dev/zero"), 10).unwrap_err();
        assert_eq!(
            error.to_string(),
            "it is a character device, not a regular file"
        );
        let dir = std::env::temp_dir().join(format!("kubevet-special-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("zero.yaml");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert_eq!(
            special_kind(&link).as_deref(),
            Some("a symbolic link to a character device")
        );
        // Found by a walk, then swapped for a device or a FIFO: refused on the handle, with
        // the same message, without blocking on the FIFO.
        for (path, kind) in [
            (Path::new("/dev/zero"), "a character device"),
            (link.as_path(), "a symbolic link to a character device"),
        ] {
            let error = open_walked_regular(path).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("it is {kind}, not a regular file")
            );
        }
        let fifo = dir.join("fifo.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let error = open_walked_regular(&fifo).unwrap_err();
            assert_eq!(
                error.to_string(),
                "it is a FIFO (named pipe), not a regular file"
            );
        }
        let socket = std::os::unix::net::UnixListener::bind(dir.join("socket.yaml")).unwrap();
        let error = open_walked_regular(&dir.join("socket.yaml")).unwrap_err();
        assert_eq!(error.to_string(), "it is a socket, not a regular file");
        drop(socket);
        assert_eq!(
            open_walked_regular(&dir.join("missing.yaml"))
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
        std::fs::write(dir.join("ok.yaml"), "a: 1\n").unwrap();
        let (_, metadata) = open_walked_regular(&dir.join("ok.yaml")).unwrap();
        assert_eq!(metadata.len(), 5);
        assert_eq!(read_regular(&dir.join("ok.yaml"), 5).unwrap(), b"a: 1\n");
        assert!(read_regular(&dir.join("ok.yaml"), 4).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
