//! The sync lock: only one sync runs at a time, and the lock dies with its process.
//!
//! An OS file lock (flock / LockFileEx through `std::fs::File::try_lock`) on
//! `<data folder>/sync.lock`: the kernel releases it when the process ends, however it
//! ends, so a killed sync never blocks the next one. The file holds the holder's pid, only
//! to make the "already running" message useful.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::{Error, Result};

pub struct SyncLock {
    file: File,
}

impl SyncLock {
    /// Takes the lock or says who holds it.
    pub fn acquire(data_dir: &Path) -> Result<SyncLock> {
        let path = crate::DataDir::new(data_dir).sync_lock();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io("open the sync lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(Error::Busy(format!(
                    "a sync is already running{}: wait for it to finish, then sync again",
                    if holder.is_empty() {
                        String::new()
                    } else {
                        format!(" (process {holder})")
                    }
                )));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
        }
        file.set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| write!(file, "{}", std::process::id()))
            .map_err(|e| Error::io("write", &path, e))?;
        Ok(SyncLock { file })
    }
}

impl Drop for SyncLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = SyncLock::acquire(dir.path()).unwrap();
        let err = SyncLock::acquire(dir.path()).err().unwrap();
        assert!(err.to_string().contains("already running"), "{err}");
        assert!(err.to_string().contains(&std::process::id().to_string()));
        drop(first);
        SyncLock::acquire(dir.path()).unwrap();
    }
}
