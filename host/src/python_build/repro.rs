//! componentize-py runs made as reproducible as the host can make them.
//!
//! componentize-py snapshots the heap of a CPython it has just initialised
//! inside its embedded wasmtime, so anything of the host that reaches the
//! guest ends up in the component's bytes: randomness (the string-hash seed,
//! the `random` state), the clocks, file times, inode numbers and modes,
//! directory order, the `__pycache__` left by earlier builds and any
//! site-packages componentize-py appends to the guest's path. A build
//! therefore runs
//!
//! * from a scratch copy of the plugin and of the SDK's `rulehost_rules`
//!   package (no `__pycache__`, no dot files), at fixed names (`plugin`,
//!   `sdk`) in a fresh directory, so neither the source directories nor
//!   earlier builds' bytecode are seen;
//! * with `VIRTUAL_ENV` naming an empty virtual environment in that
//!   directory, so the only site-packages appended is an empty one (not the
//!   host's, nor `pipenv`'s);
//! * with `repro_shim.c` preloaded, which makes randomness, clocks, `stat`
//!   results and directory order the same on every run and machine, as far
//!   as they go through the C library;
//! * with the copies' access and modification times fixed.
//!
//! Not yet enough: two builds of the same sources still differ in some 30
//! to 50 bytes of the heap snapshot (string padding and freed memory that
//! CPython leaves uninitialised). What reaches it is host state read with
//! raw system calls, past the shim (wasmtime-wasi's `stat`: change times and
//! inode-derived hashes). So a Python plugin is pinned as built, not as
//! rebuilt (componentize-py issue #247 tracks an upstream fix).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Result, ToolError as Error};

/// The preloaded library's source.
const SHIM_SOURCE: &str = include_str!("repro_shim.c");

/// The names of the copies, as componentize-py's `-p` arguments.
pub const PLUGIN_DIR: &str = "plugin";
pub const SDK_DIR: &str = "sdk";

/// The error of an I/O failure on `path`.
pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_owned();
    move |source| Error::Io { path, source }
}

/// A fresh directory under `work` holding copies of the plugin directory
/// `plugin` and of the `rulehost_rules` package under `sdk`, plus an empty
/// virtual environment (`venv/lib/site-packages`).
pub fn scratch(work: &Path, plugin: &Path, sdk: &Path) -> Result<tempfile::TempDir> {
    std::fs::create_dir_all(work).map_err(io(work))?;
    let dir = tempfile::Builder::new().prefix("build-").tempdir_in(work).map_err(io(work))?;
    copy_tree(plugin, &dir.path().join(PLUGIN_DIR))?;
    copy_tree(&sdk.join("rulehost_rules"), &dir.path().join(SDK_DIR).join("rulehost_rules"))?;
    let site = dir.path().join("venv").join("lib").join("site-packages");
    std::fs::create_dir_all(&site).map_err(io(&site))?;
    // wasmtime-wasi reads file times with raw system calls, past the shim:
    // the copies' own times must be fixed.
    fix_times(dir.path())?;
    Ok(dir)
}

/// The time every copied file and directory carries: 2000-01-01T00:00:00Z.
const FIXED_TIME: std::time::Duration = std::time::Duration::from_secs(946_684_800);

/// Sets the access and modification times of `path` and everything under
/// it to `FIXED_TIME`, children first.
fn fix_times(path: &Path) -> Result<()> {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(io(path))? {
            fix_times(&entry.map_err(io(path))?.path())?;
        }
    }
    let at = std::time::UNIX_EPOCH + FIXED_TIME;
    let times = std::fs::FileTimes::new().set_accessed(at).set_modified(at);
    std::fs::File::open(path).and_then(|f| f.set_times(times)).map_err(io(path))
}

/// Whether a directory entry is left out of a copy: bytecode, dot files and
/// build output.
fn skipped(name: &str) -> bool {
    name.starts_with('.') || name == "__pycache__" || name == "target" || name.ends_with(".pyc")
}

/// Copies the regular files and directories under `from` to `to`, leaving
/// out what `skipped` names and any symbolic link.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    let mut entries =
        std::fs::read_dir(from).map_err(io(from))?.collect::<std::io::Result<Vec<_>>>().map_err(io(from))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name();
        if name.to_str().is_none_or(skipped) {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(io(&path))?;
        if kind.is_dir() {
            copy_tree(&path, &to.join(&name))?;
        } else if kind.is_file() {
            let target = to.join(&name);
            std::fs::copy(&path, &target).map_err(io(&path))?;
        }
    }
    Ok(())
}

/// The preloaded library, compiled with `$CC` (default `cc`) into `work`
/// when missing or when its source changed.
pub fn shim(work: &Path) -> Result<PathBuf> {
    let source = work.join("repro_shim.c");
    let library = work.join("repro_shim.so");
    let current = std::fs::read_to_string(&source).is_ok_and(|s| s == SHIM_SOURCE);
    if current && library.is_file() {
        return Ok(library);
    }
    std::fs::create_dir_all(work).map_err(io(work))?;
    // Written and compiled under names of this process, then renamed, so
    // that concurrent builds never see a half-written library.
    let pid = std::process::id();
    let staged_source = work.join(format!("repro_shim.{pid}.c"));
    let staged_library = work.join(format!("repro_shim.{pid}.so"));
    std::fs::write(&staged_source, SHIM_SOURCE).map_err(io(&staged_source))?;
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    let mut compile = Command::new(&cc);
    compile
        .args(["-shared", "-fPIC", "-O2", "-o"])
        .arg(&staged_library)
        .arg(&staged_source)
        .args(["-ldl", "-lpthread"]);
    let what = format!("the C compiler `{}` on the reproducibility shim", cc.to_string_lossy());
    if let Err(e) = crate::componentize::run(&mut compile, &what) {
        let _ = std::fs::remove_file(&staged_source);
        return Err(e);
    }
    std::fs::rename(&staged_library, &library).map_err(io(&library))?;
    std::fs::rename(&staged_source, &source).map_err(io(&source))?;
    Ok(library)
}

/// Sets up `cmd` (componentize-py) to run in `scratch` with `shim` preloaded
/// and an environment that carries nothing of the host into the guest.
pub fn configure(cmd: &mut Command, scratch: &Path, shim: &Path) {
    for var in ["PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "PYTHONSAFEPATH", "LD_PRELOAD"] {
        cmd.env_remove(var);
    }
    cmd.current_dir(scratch)
        .env("VIRTUAL_ENV", scratch.join("venv"))
        .env("LD_PRELOAD", shim)
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONNOUSERSITE", "1")
        .env("SOURCE_DATE_EPOCH", "946684800")
        .env("TZ", "UTC")
        .env("LC_ALL", "C.UTF-8");
}
