//! The files a batch leaves on disk, in one place: results are written to
//! `OUTPUT.partial` and renamed to `OUTPUT` once whole (after an fsync), and
//! `OUTPUT.partial.run` describes the run writing them, so that `--resume`
//! goes on only with the same run.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::direct::BlockWriter;
use super::resume::{Resume, count_records};
use crate::error::{Error, Result};

const BUFFER: usize = 1 << 20;

/// `path` with `suffix` appended to its file name.
fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_owned(), source }
}

/// A file written whole or not at all: to `PATH.partial`, synced to disk,
/// then renamed to `PATH`. Written in whole blocks past the page cache
/// where the system allows (see `direct.rs`).
pub struct AtomicFile {
    writer: BlockWriter,
    partial: PathBuf,
    path: PathBuf,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let partial = suffixed(path, ".partial");
        let file = File::create(&partial).map_err(io(&partial))?;
        Ok(AtomicFile { writer: BlockWriter::new(file, &partial), partial, path: path.to_owned() })
    }

    /// Goes on writing `PATH.partial` after its first `keep` bytes.
    fn append(path: &Path, keep: u64) -> Result<AtomicFile> {
        let partial = suffixed(path, ".partial");
        let file = std::fs::OpenOptions::new().write(true).open(&partial).map_err(io(&partial))?;
        file.set_len(keep).map_err(io(&partial))?;
        Ok(AtomicFile { writer: BlockWriter::appending(file, keep), partial, path: path.to_owned() })
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        &mut self.writer
    }

    /// Flushes, syncs and renames: the file is now whole at its path.
    pub fn commit(self) -> Result<()> {
        let AtomicFile { writer, partial, path } = self;
        let file = writer.into_file().map_err(io(&partial))?;
        file.sync_all().map_err(io(&partial))?;
        std::fs::rename(&partial, &path).map_err(io(&path))
    }
}

/// Writes `bytes` as a whole file at `path`, or nothing.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.writer().write_all(bytes).map_err(io(path))?;
    file.commit()
}

impl std::fmt::Debug for AtomicFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicFile").field("partial", &self.partial).finish_non_exhaustive()
    }
}

/// Where a batch writes its records: standard output (`-`) or a file.
#[derive(Debug)]
pub enum Output {
    Stdout(BufWriter<std::io::Stdout>),
    File(AtomicFile),
}

impl Output {
    /// Standard output for `-`, else a new `PATH.partial`.
    pub fn create(path: &Path) -> Result<Output> {
        if path.as_os_str() == "-" {
            return Ok(Output::Stdout(BufWriter::with_capacity(BUFFER, std::io::stdout())));
        }
        AtomicFile::create(path).map(Output::File)
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        match self {
            Output::Stdout(w) => w,
            Output::File(f) => f.writer(),
        }
    }

    pub fn commit(self) -> Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().map_err(io(Path::new("standard output"))),
            Output::File(f) => f.commit(),
        }
    }
}

/// The results file of a batch and the files beside it while it runs.
#[derive(Debug, Clone)]
pub struct ResultsFile {
    path: PathBuf,
}

impl ResultsFile {
    pub fn new(path: &Path) -> ResultsFile {
        ResultsFile { path: path.to_owned() }
    }

    fn is_stdout(&self) -> bool {
        self.path.as_os_str() == "-"
    }

    /// `OUTPUT.partial`, where the records go until the batch completes.
    pub fn partial(&self) -> PathBuf {
        suffixed(&self.path, ".partial")
    }

    /// `OUTPUT.partial.run`: what the run writing `OUTPUT.partial` was.
    pub fn run_file(&self) -> PathBuf {
        suffixed(&self.path, ".partial.run")
    }

    /// Starts afresh: a new partial output, and the run's description
    /// beside it (`run`, from [`run_description`](super::run_description)).
    pub fn start(&self, run: &str) -> Result<Output> {
        let output = Output::create(&self.path)?;
        self.describe(run)?;
        Ok(output)
    }

    fn describe(&self, run: &str) -> Result<()> {
        if self.is_stdout() {
            return Ok(());
        }
        let side = self.run_file();
        std::fs::write(&side, run).map_err(io(&side))
    }

    /// Goes on from an interrupted run's partial output, if there is one
    /// and the same run (`run`) wrote it: keeps its records up to the last
    /// whole chunk (non-ok ones are written to `rejects` again). `None`
    /// when there is nothing to resume.
    pub fn resume(
        &self,
        run: &str,
        chunk_lines: usize,
        rejects: Option<&mut dyn Write>,
    ) -> Result<Option<(Output, Resume)>> {
        let refuse = |reason: String| Error::Resume { partial: self.partial(), reason };
        if self.is_stdout() {
            return Err(Error::Usage("`--resume` needs `--output FILE`: standard output cannot be resumed".into()));
        }
        let partial = self.partial();
        if !partial.exists() {
            return Ok(None);
        }
        self.check_same_run(run).map_err(refuse)?;
        let open = || File::open(&partial).map(|f| BufReader::with_capacity(BUFFER, f)).map_err(io(&partial));
        let count = count_records(open()?).map_err(io(&partial))?;
        let resume = Resume::read(open()?, count, chunk_lines, rejects).map_err(refuse)?;
        let output = AtomicFile::append(&self.path, resume.bytes)?;
        self.describe(run)?;
        Ok(Some((Output::File(output), resume)))
    }

    /// Refuses a partial output that another run (other registry,
    /// parameters, options or input) wrote.
    fn check_same_run(&self, run: &str) -> std::result::Result<(), String> {
        let side = self.run_file();
        let Ok(before) = std::fs::read_to_string(&side) else {
            return Err(format!(
                "`{}`, which says what run wrote it, is missing; run the batch afresh without `--resume`",
                side.display()
            ));
        };
        let changed: Vec<String> = before
            .lines()
            .zip(run.lines())
            .filter(|(a, b)| a != b)
            .map(|(a, b)| format!("  was   {a}\n  now   {b}"))
            .collect();
        if changed.is_empty() && before.lines().count() == run.lines().count() {
            Ok(())
        } else {
            Err(format!(
                "it was written by another run\n{}\nrun the batch afresh without `--resume`",
                changed.join("\n")
            ))
        }
    }

    /// Completes the batch: the output becomes whole at its path and the
    /// run's description goes.
    pub fn finish(&self, output: Output) -> Result<()> {
        output.commit()?;
        if !self.is_stdout() {
            std::fs::remove_file(self.run_file()).ok();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let mut file = AtomicFile::create(&path).unwrap();
        file.writer().write_all(b"x\n").unwrap();
        assert!(!path.exists() && dir.path().join("out.jsonl.partial").exists());
        file.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x\n");
        assert!(!dir.path().join("out.jsonl.partial").exists());
    }

    #[test]
    fn a_resume_needs_the_same_run() {
        let dir = tempfile::tempdir().unwrap();
        let results = ResultsFile::new(&dir.path().join("r.jsonl"));
        assert!(results.resume("run a\n", 2, None).unwrap().is_none(), "nothing to resume");
        let mut out = results.start("run a\n").unwrap();
        out.writer().write_all(b"{\"line\":1,\"status\":\"ok\"}\n{\"line\":2,\"status\":\"ok\"}\n").unwrap();
        drop(out);
        let err = results.resume("run b\n", 2, None).unwrap_err().to_string();
        assert!(err.contains("it was written by another run") && err.contains("was   run a"), "{err}");
        let (_, resume) = results.resume("run a\n", 2, None).unwrap().unwrap();
        assert_eq!(resume.lines, 2);
    }
}
