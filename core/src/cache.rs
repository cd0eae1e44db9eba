//! The on-disk cache of compiled plugins, keyed by the wasm's sha256 and
//! the engine's compatibility hash (wasmtime version and settings), so a
//! second run loads machine code in milliseconds instead of recompiling.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wasmtime::component::Component;

use crate::engine::Engine;
use crate::error::{Error, Result};

/// A directory of compiled plugins. Its contents are machine code that the
/// host runs: it must be as trusted as the `rulehost` binary itself.
#[derive(Debug, Clone)]
pub struct CompileCache {
    dir: PathBuf,
    /// Loads served from the cache, and compilations: what a test (or a
    /// log) observes to know the cache worked, without timing anything.
    hits: Arc<AtomicU64>,
    compiled: Arc<AtomicU64>,
}

impl CompileCache {
    pub fn new(dir: impl Into<PathBuf>) -> CompileCache {
        CompileCache { dir: dir.into(), hits: Arc::default(), compiled: Arc::default() }
    }

    /// `$RULEHOST_CACHE_DIR`, else `$XDG_CACHE_HOME/rulehost`, else
    /// `~/.cache/rulehost`.
    pub fn default_dir() -> Option<PathBuf> {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        env("RULEHOST_CACHE_DIR")
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("rulehost")))
            .or_else(|| env("HOME").map(|h| h.join(".cache/rulehost")))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Plugins loaded from the cache so far, and plugins compiled.
    pub fn stats(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.compiled.load(Ordering::Relaxed))
    }

    fn path(&self, engine: &Engine, sha256: &str) -> PathBuf {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.wasmtime.precompile_compatibility_hash().hash(&mut h);
        self.dir.join(format!("{sha256}-{:016x}.cwasm", h.finish()))
    }

    /// The cached compilation of the wasm whose hash is `sha256`, or a fresh
    /// one from `compile`, stored for next time. A cache that cannot be
    /// read or written only costs time.
    pub(crate) fn get_or_compile(
        &self,
        engine: &Engine,
        sha256: &str,
        compile: impl FnOnce() -> Result<Component>,
    ) -> Result<Component> {
        let path = self.path(engine, sha256);
        if let Some(component) = path.is_file().then(|| load(engine, &path).ok()).flatten() {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(component);
        }
        let component = compile()?;
        self.compiled.fetch_add(1, Ordering::Relaxed);
        if let Ok(bytes) = component.serialize() {
            store(&path, &bytes).ok();
        }
        Ok(component)
    }
}

#[expect(unsafe_code, reason = "deserialising machine code we compiled and wrote ourselves, see docs/security.md")]
fn load(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: the file was written by `store` from `Component::serialize` of
    // this engine configuration (the name carries its compatibility hash),
    // and wasmtime checks the header's version and settings before use.
    unsafe { Component::deserialize_file(&engine.wasmtime, path) }
}

/// Writes atomically: a reader sees the whole file or none.
fn store(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let io = |source| Error::Io { path: path.to_owned(), source };
    std::fs::create_dir_all(dir).map_err(io)?;
    // Unique per process and per call: threads may store the same plugin.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
