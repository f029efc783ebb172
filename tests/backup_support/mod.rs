//! Reading and writing `.goalpost` archives from tests as another program would: to change
//! the database inside one (a backup "from anywhere"), or to damage one on purpose. Written
//! with the `tar` crate alone, not with Goalpost's code, so that the tests check Goalpost's
//! reading against an independent writer.
#![allow(dead_code)]

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// One entry of an archive: its path and bytes.
pub type Entries = Vec<(String, Vec<u8>)>;

/// Every entry of the archive at `path`, in order (manifest and its hash included).
pub fn read(path: &Path) -> Entries {
    let mut a = tar::Archive::new(std::fs::File::open(path).unwrap());
    a.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let p = String::from_utf8(e.path_bytes().into_owned()).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (p, bytes)
        })
        .collect()
}

/// Writes `entries` as an archive at `path`, plain files only.
pub fn write(path: &Path, entries: &Entries) {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (p, bytes) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o600);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, p, bytes.as_slice()).unwrap();
    }
    b.into_inner().unwrap();
}

/// Makes the manifest (and its hash) match the entries again, as a careful forger would.
pub fn reseal(entries: &mut Entries) {
    let mut manifest: serde_json::Value = serde_json::from_slice(&entries[0].1).unwrap();
    let files: Vec<serde_json::Value> = entries
        .iter()
        .filter(|(p, _)| p != "manifest.json" && p != "manifest.json.sha256")
        .map(|(p, b)| {
            serde_json::json!({
                "path": p,
                "size": b.len(),
                "sha256": format!("{:x}", Sha256::digest(b)),
            })
        })
        .collect();
    manifest["entries"] = serde_json::Value::Array(files);
    let bytes = serde_json::to_vec_pretty(&manifest).unwrap();
    let digest = format!("{:x}", Sha256::digest(&bytes));
    entries[0].1 = bytes;
    if let Some(last) = entries
        .iter_mut()
        .find(|(p, _)| p == "manifest.json.sha256")
    {
        last.1 = digest.into_bytes();
    }
}

/// Changes the database inside the archive at `path` with `sql`, and reseals it.
pub fn change_database(path: &Path, sql: &str) {
    let mut entries = read(path);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("goalpost.sqlite3");
    let slot = entries
        .iter_mut()
        .find(|(p, _)| p == "goalpost.sqlite3")
        .unwrap();
    std::fs::write(&db, &slot.1).unwrap();
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(sql).unwrap();
    }
    slot.1 = std::fs::read(&db).unwrap();
    reseal(&mut entries);
    write(path, &entries);
}

/// Writes the database inside the archive at `path` to `dest` (to open it with SQLite).
pub fn database_of(path: &Path, dest: &Path) {
    let (_, bytes) = read(path)
        .into_iter()
        .find(|(p, _)| p == "goalpost.sqlite3")
        .unwrap();
    std::fs::write(dest, bytes).unwrap();
}

/// An entry written byte by byte, as a hostile or broken program could: any name (with `..`
/// parts, absolute), any kind (links), any claimed size.
pub struct Raw {
    pub name: String,
    pub kind: tar::EntryType,
    /// The size the header claims; the data's length when None.
    pub claimed: Option<u64>,
    pub data: Vec<u8>,
    pub link: Option<String>,
}

impl Raw {
    pub fn file(name: &str, data: &[u8]) -> Raw {
        Raw {
            name: name.into(),
            kind: tar::EntryType::Regular,
            claimed: None,
            data: data.to_vec(),
            link: None,
        }
    }
}

/// The entries of an archive as [`Raw`] plain files.
pub fn raw(entries: &Entries) -> Vec<Raw> {
    entries.iter().map(|(p, b)| Raw::file(p, b)).collect()
}

/// Writes `entries` with headers filled by hand (names up to 100 bytes), then the end.
pub fn write_raw(path: &Path, entries: &[Raw]) {
    let mut out = Vec::new();
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name[..e.name.len()].copy_from_slice(e.name.as_bytes());
        if let Some(l) = &e.link {
            h.as_old_mut().linkname[..l.len()].copy_from_slice(l.as_bytes());
        }
        h.set_entry_type(e.kind);
        h.set_mode(0o600);
        h.set_size(e.claimed.unwrap_or(e.data.len() as u64));
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(&e.data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    std::fs::write(path, out).unwrap();
}

/// Makes the manifest of raw entries match them again (see [`reseal`]).
pub fn reseal_raw(entries: &mut [Raw]) {
    let mut plain: Entries = entries
        .iter()
        .map(|e| (e.name.clone(), e.data.clone()))
        .collect();
    reseal(&mut plain);
    entries[0].data = plain[0].1.clone();
    if let Some(last) = entries
        .iter_mut()
        .find(|e| e.name == "manifest.json.sha256")
    {
        last.data = plain.last().unwrap().1.clone();
    }
}
