//! What only Windows can say about files: their identity (volume serial number and file
//! index) and which programs hold one open (the Restart Manager).

use std::ffi::OsStr;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::fs::OpenOptionsExt;
use std::path::Path;

use windows_sys::Win32::Foundation::{ERROR_MORE_DATA, ERROR_SUCCESS};
use windows_sys::Win32::System::RestartManager::{
    RmEndSession, RmGetList, RmRegisterResources, RmStartSession, CCH_RM_SESSION_KEY,
    RM_PROCESS_INFO,
};

const FILE_READ_ATTRIBUTES: u32 = 0x80;
/// Needed to open a folder; harmless for a file.
const FILE_FLAG_BACKUP_SEMANTICS: u32 = 0x0200_0000;
/// The link itself, not what it points to.
const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;

/// The volume serial number and file index of the file or folder at `path`. It is opened
/// for its attributes only (no read access, so no antivirus scan), sharing everything, so
/// other programs can still write, rename or delete it meanwhile.
pub fn volume_and_index(path: &Path) -> std::io::Result<(u64, u64)> {
    let f = std::fs::OpenOptions::new()
        .access_mode(FILE_READ_ATTRIBUTES)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)?;
    let info = winapi_util::file::information(&f)?;
    Ok((info.volume_serial_number(), info.file_index()))
}

/// The names of the programs holding `path` open, as the Restart Manager lists them
/// (e.g. "Microsoft Edge"); none if it cannot tell.
pub fn holders(path: &Path) -> Vec<String> {
    let session = match Session::start() {
        Some(s) => s,
        None => return Vec::new(),
    };
    session.holders(path).unwrap_or_default()
}

/// A Restart Manager session, ended when dropped.
struct Session(u32);

impl Session {
    fn start() -> Option<Session> {
        let mut handle = 0u32;
        let mut key = [0u16; CCH_RM_SESSION_KEY as usize + 1];
        // SAFETY: both pointers are to live, writable buffers of the documented sizes (the
        // key holds CCH_RM_SESSION_KEY characters and a NUL).
        let status = unsafe { RmStartSession(&mut handle, 0, key.as_mut_ptr()) };
        (status == ERROR_SUCCESS).then_some(Session(handle))
    }

    fn holders(&self, path: &Path) -> Option<Vec<String>> {
        let wide: Vec<u16> = OsStr::new(path).encode_wide().chain([0]).collect();
        let names = [wide.as_ptr()];
        // SAFETY: one NUL-terminated wide string, alive for the call (the Restart Manager
        // copies it); no applications or services are given.
        let status = unsafe {
            RmRegisterResources(
                self.0,
                1,
                names.as_ptr(),
                0,
                std::ptr::null(),
                0,
                std::ptr::null(),
            )
        };
        if status != ERROR_SUCCESS {
            return None;
        }
        // The list can grow between calls: ask again with the size it said it needs.
        let mut infos: Vec<RM_PROCESS_INFO> = Vec::new();
        for _ in 0..3 {
            let mut needed = 0u32;
            let mut count = infos.len() as u32;
            let mut reasons = 0u32;
            let list = if infos.is_empty() {
                std::ptr::null_mut()
            } else {
                infos.as_mut_ptr()
            };
            // SAFETY: `list` has room for `count` entries (or is null with a count of 0, as
            // the first call asks only how many there are); the rest point to live locals.
            let status = unsafe { RmGetList(self.0, &mut needed, &mut count, list, &mut reasons) };
            match status {
                ERROR_SUCCESS => {
                    infos.truncate(count as usize);
                    let mut names: Vec<String> = infos.iter().map(app_name).collect();
                    names.retain(|n| !n.is_empty());
                    names.sort();
                    names.dedup();
                    return Some(names);
                }
                ERROR_MORE_DATA => infos.resize_with(needed as usize + 1, Default::default),
                _ => return None,
            }
        }
        None
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: the handle came from RmStartSession and is ended once.
        unsafe {
            RmEndSession(self.0);
        }
    }
}

fn app_name(info: &RM_PROCESS_INFO) -> String {
    let name = &info.strAppName;
    let len = name.iter().position(|&c| c == 0).unwrap_or(name.len());
    String::from_utf16_lossy(&name[..len]).trim().to_string()
}
