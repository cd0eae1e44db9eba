//! Writes a results file in whole aligned blocks with `O_DIRECT`, past the
//! page cache.
//!
//! A batch writes its records once and does not read them back, and it
//! syncs the file before renaming it. Through the page cache, the kernel
//! copies every byte into the cache and then writes it out again at the
//! sync: measured here, 1.35 s of system time for 381 MB, against 0.17 s
//! with `O_DIRECT` (and 4x sooner on disk). That time was spent on the
//! writer thread, the one part of a batch that does not run in parallel.
//!
//! Only whole 1 MiB blocks go through `O_DIRECT`, from a 4 KiB-aligned
//! buffer at aligned offsets. The unaligned tail is written through an
//! ordinary handle of the same file by `flush` (and on drop), and written
//! again as part of its whole block later if more comes. Where `O_DIRECT`
//! is refused (another system, tmpfs, a filesystem without it), the same
//! blocks go through the ordinary handle: the result is the same file.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Offsets and buffers are aligned to this: every logical block size.
const ALIGN: usize = 4096;
/// Bytes per write.
const BLOCK: usize = 1 << 20;

pub(super) struct BlockWriter {
    plain: File,
    /// The same file opened with `O_DIRECT`, while that works.
    direct: Option<File>,
    buf: Vec<u8>,
    /// Where the aligned block starts in `buf`.
    start: usize,
    /// Bytes of the current block filled.
    filled: usize,
    /// The file offset of the current block.
    offset: u64,
}

impl BlockWriter {
    /// Writes `path` (already created as `plain`) from offset 0.
    pub fn new(plain: File, path: &Path) -> BlockWriter {
        BlockWriter::at(plain, open_direct(path), 0)
    }

    /// Writes on from `offset`, without `O_DIRECT` (the offset need not be
    /// aligned): for a resumed batch.
    pub fn appending(plain: File, offset: u64) -> BlockWriter {
        BlockWriter::at(plain, None, offset)
    }

    fn at(plain: File, direct: Option<File>, offset: u64) -> BlockWriter {
        let buf = vec![0u8; BLOCK + ALIGN];
        let start = buf.as_ptr().align_offset(ALIGN);
        BlockWriter { plain, direct, buf, start, filled: 0, offset }
    }

    /// Whether blocks go past the page cache (for tests).
    #[cfg(test)]
    pub fn is_direct(&self) -> bool {
        self.direct.is_some()
    }

    fn write_block(&mut self) -> io::Result<()> {
        let block = &self.buf[self.start..self.start + BLOCK];
        let direct = self.direct.as_ref().map(|d| d.write_all_at(block, self.offset));
        match direct {
            Some(Ok(())) => {}
            // The filesystem takes no direct writes: from now on, none.
            Some(Err(e)) if e.raw_os_error() == Some(libc::EINVAL) => {
                self.direct = None;
                self.plain.write_all_at(block, self.offset)?;
            }
            Some(Err(e)) => return Err(e),
            None => self.plain.write_all_at(block, self.offset)?,
        }
        self.offset += BLOCK as u64;
        self.filled = 0;
        Ok(())
    }

    /// Flushes, then hands back the file to sync.
    pub fn into_file(mut self) -> io::Result<File> {
        self.flush()?;
        self.filled = 0; // Nothing left for drop to write.
        self.plain.try_clone()
    }
}

impl Write for BlockWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(BLOCK - self.filled);
        let at = self.start + self.filled;
        self.buf[at..at + n].copy_from_slice(&data[..n]);
        self.filled += n;
        if self.filled == BLOCK {
            self.write_block()?;
        }
        Ok(n)
    }

    /// Writes the unaligned tail through the ordinary handle; it stays in
    /// the buffer, to go out again with its whole block.
    fn flush(&mut self) -> io::Result<()> {
        if self.filled > 0 {
            self.plain.write_all_at(&self.buf[self.start..self.start + self.filled], self.offset)?;
        }
        Ok(())
    }
}

impl Drop for BlockWriter {
    fn drop(&mut self) {
        // As `BufWriter` does: what was written reaches the file.
        let _ = self.flush();
    }
}

#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new().write(true).custom_flags(libc::O_DIRECT).open(path).ok()
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_: &Path) -> Option<File> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 251) as u8).collect()
    }

    fn written(path: &Path, pieces: &[&[u8]], flush_between: bool) -> (Vec<u8>, bool) {
        let mut w = BlockWriter::new(File::create(path).unwrap(), path);
        let direct = w.is_direct();
        for piece in pieces {
            w.write_all(piece).unwrap();
            if flush_between {
                w.flush().unwrap();
            }
        }
        w.into_file().unwrap().sync_all().unwrap();
        (std::fs::read(path).unwrap(), direct)
    }

    #[test]
    fn the_file_holds_exactly_what_was_written_across_blocks() {
        // Beside the sources, on the disk: /tmp may be a tmpfs, which
        // takes no direct writes.
        let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).unwrap();
        let path = dir.path().join("out");
        let data = bytes(3 * BLOCK + 12_345);
        let pieces: Vec<&[u8]> = data.chunks(700_001).collect();
        for flush_between in [false, true] {
            let (file, direct) = written(&path, &pieces, flush_between);
            eprintln!("O_DIRECT taken: {direct}");
            assert_eq!(file.len(), data.len());
            assert!(file == data, "byte for byte (direct: {direct}, flushed between: {flush_between})");
        }
        let (small, _) = written(&path, &[b"x\n"], false);
        assert_eq!(small, b"x\n");
    }

    #[test]
    fn a_dropped_writer_leaves_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let data = bytes(BLOCK + 10);
        {
            let mut w = BlockWriter::new(File::create(&path).unwrap(), &path);
            w.write_all(&data).unwrap();
        }
        assert!(std::fs::read(&path).unwrap() == data);
    }

    #[test]
    fn appending_goes_on_after_the_kept_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, b"kept\nlost").unwrap();
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(5).unwrap();
        let mut w = BlockWriter::appending(file, 5);
        w.write_all(b"more\n").unwrap();
        w.into_file().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"kept\nmore\n");
    }
}
