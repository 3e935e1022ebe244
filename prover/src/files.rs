//! File handling shared by every artifact: atomic writes (a failed command leaves nothing
//! half-written) and the versioned header that says what a file is.

use crate::error::{Result, ZkError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Writes through a temporary file in the same folder and renames it into place.
pub fn write_atomic(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut out = std::io::BufWriter::new(file);
        write(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ZkError::io("write", path, e)
    })
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// Reads a JSON artifact tagged `{"format": format, "version": version, ...}`, saying which tag
/// or version it found instead.
pub fn read_versioned_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    kind: &'static str,
    format: &str,
    version: u32,
) -> Result<T> {
    parse_versioned_json(&read_bytes(path)?, path, kind, format, version)
}

/// [`read_versioned_json`] of bytes already in memory (a proof sent back by a remote prover);
/// `path` only names them in errors.
pub fn parse_versioned_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    path: &Path,
    kind: &'static str,
    format: &str,
    version: u32,
) -> Result<T> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| ZkError::bad_file(path, kind, e))?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(f) if f == format => {}
        Some(other) => return Err(ZkError::bad_file(path, kind, format!("it is a {other} file"))),
        None => return Err(ZkError::bad_file(path, kind, format!("missing the {format} format tag"))),
    }
    let found = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if found != version as u64 {
        return Err(ZkError::bad_file(path, kind, version_mismatch(found, version)));
    }
    serde_json::from_value(value).map_err(|e| ZkError::bad_file(path, kind, e))
}

fn version_mismatch(found: u64, version: u32) -> String {
    let remedy = if found < version as u64 {
        "it was made by an older zkinfer, whose circuits this one no longer trusts: make it again (compile, setup, prove) with this zkinfer"
    } else {
        "it was made by a newer zkinfer"
    };
    format!("format version {found}, this zkinfer reads version {version}; {remedy}")
}

pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| ZkError::io("read", path, e))
}

/// Binary files start with a magic string naming their kind, then a little-endian u32 version.
pub struct Header {
    pub magic: &'static [u8; 12],
    pub version: u32,
    pub kind: &'static str,
}

impl Header {
    pub fn write(&self, w: &mut dyn Write) -> std::io::Result<()> {
        w.write_all(self.magic)?;
        w.write_all(&self.version.to_le_bytes())
    }

    /// Checks the header, saying which kind of file it is when it is another zkinfer file.
    pub fn check(&self, path: &Path, r: &mut impl Read) -> Result<()> {
        let mut magic = [0u8; 12];
        let mut version = [0u8; 4];
        r.read_exact(&mut magic)
            .and_then(|_| r.read_exact(&mut version))
            .map_err(|_| ZkError::bad_file(path, self.kind, "the file is too short"))?;
        if &magic != self.magic {
            let other = KNOWN
                .iter()
                .find(|h| &magic == h.magic)
                .map_or("not a zkinfer file".to_string(), |h| format!("it is a {}", h.kind));
            return Err(ZkError::bad_file(path, self.kind, other));
        }
        let version = u32::from_le_bytes(version);
        if version != self.version {
            return Err(ZkError::bad_file(path, self.kind, version_mismatch(version as u64, self.version)));
        }
        Ok(())
    }
}

/// Version 2: the circuits after the soundness review (range-checked input, pinned pair-dot
/// slots, parameter pins and bounds in the key info); version 1 keys are refused.
pub const PROVING_KEY: Header = Header { magic: b"ZKINFER-PK\0\0", version: 2, kind: "zkinfer proving key" };
pub const VERIFYING_KEY: Header = Header { magic: b"ZKINFER-VK\0\0", version: 2, kind: "zkinfer verifying key" };
const KNOWN: [&Header; 2] = [&PROVING_KEY, &VERIFYING_KEY];

/// Little-endian length-prefixed blocks inside binary files.
pub fn write_block(w: &mut dyn Write, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(&(bytes.len() as u64).to_le_bytes())?;
    w.write_all(bytes)
}

pub fn read_block(r: &mut impl Read, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 8];
    r.read_exact(&mut len)?;
    let len = u64::from_le_bytes(len) as usize;
    if len > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("block of {len} bytes is larger than the file"),
        ));
    }
    let mut bytes = vec![0u8; len];
    r.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// Runs `f`, turning a panic into `Err` without printing the panic message: used where halo2
/// decodes untrusted bytes (key files, proofs) and a bad byte is an error, not a crash.
pub fn catch_panic_quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result
}
