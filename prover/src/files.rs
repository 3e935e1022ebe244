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
            let other = match identify_file(path) {
                Some(kind) => format!("it is {kind}"),
                None => "not a zkinfer file".to_string(),
            };
            return Err(ZkError::bad_file(path, self.kind, other));
        }
        let version = u32::from_le_bytes(version);
        if version != self.version {
            return Err(ZkError::bad_file(path, self.kind, version_mismatch(version as u64, self.version)));
        }
        Ok(())
    }
}

/// Version 3: the key info states the input's per-element scales (`element_scales`), which a
/// version-2 reader would drop and check claims at one scale. Version 2: the circuits after the
/// soundness review (range-checked input, pinned pair-dot slots, parameter pins and bounds in the
/// key info); older keys are refused.
pub const PROVING_KEY: Header = Header { magic: b"ZKINFER-PK\0\0", version: 3, kind: "zkinfer proving key" };
pub const VERIFYING_KEY: Header = Header { magic: b"ZKINFER-VK\0\0", version: 3, kind: "zkinfer verifying key" };
/// A downsized SRS kept beside its source SRS file (see `srs::cache`).
pub const SRS_CACHE: Header = Header { magic: b"ZKINFER-SRSK", version: 1, kind: "zkinfer downsized-SRS cache" };
/// The verifying key of an aggregate (`zkinfer aggregate`), with the inner models' key infos.
pub const AGGREGATE_VK: Header =
    Header { magic: b"ZKINFER-AVK\0", version: 1, kind: "zkinfer aggregation verifying key" };
const KNOWN: [&Header; 4] = [&PROVING_KEY, &VERIFYING_KEY, &SRS_CACHE, &AGGREGATE_VK];

/// What [`identify`] calls a file in the standard halo2 SRS format.
pub const SRS_KIND: &str = "a KZG SRS (halo2 params)";

/// What a file is, from its first bytes (`head`, a few KiB suffice) and its size, when it is a
/// kind zkinfer knows: its own binary files (by their magic), its JSON artifacts (by their
/// `format` tag), an SRS (by its size) or an ONNX model. Lets a command given the wrong file
/// say "it is a zkinfer verifying key" rather than report a parse error.
pub fn identify(head: &[u8], len: u64, path: &Path) -> Option<String> {
    if let Some(h) = KNOWN.iter().find(|h| head.starts_with(h.magic)) {
        return Some(format!("a {}", h.kind));
    }
    if let Some(tag) = json_format_tag(head) {
        let kind = match tag.as_str() {
            crate::compile::COMPILED_FORMAT => "a zkinfer compiled model".to_string(),
            crate::proof::PROOF_FORMAT => "a zkinfer proof".to_string(),
            other => format!("a {other} file"),
        };
        return Some(kind);
    }
    if head.len() >= 4 {
        let k = u32::from_le_bytes(head[..4].try_into().expect("4 bytes"));
        if (1..=28).contains(&k) && len == crate::srs::expected_size(k) {
            return Some(SRS_KIND.to_string());
        }
    }
    looks_like_onnx(head, path).then(|| "an ONNX model".to_string())
}

/// The `"format"` tag near the start of a JSON artifact, which zkinfer writes first.
fn json_format_tag(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start().strip_prefix('{')?;
    let rest = text[text.find("\"format\"")? + 8..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// An `.onnx` file, or a protobuf that starts the way an ONNX `ModelProto` does: field 1
/// (`ir_version`, a small varint) followed by another of its fields.
fn looks_like_onnx(head: &[u8], path: &Path) -> bool {
    let extension = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx"));
    let proto = matches!(head, [0x08, v, next, ..] if (1..=20).contains(v) && [0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42].contains(next));
    extension || proto
}

/// The first few KiB of a file and its size.
pub fn read_head(path: &Path) -> Result<(Vec<u8>, u64)> {
    let file = std::fs::File::open(path).map_err(|e| ZkError::io("read", path, e))?;
    let len = file.metadata().map_err(|e| ZkError::io("read", path, e))?.len();
    let mut head = Vec::with_capacity(4096);
    file.take(4096).read_to_end(&mut head).map_err(|e| ZkError::io("read", path, e))?;
    Ok((head, len))
}

/// [`identify`] of the file at `path`: what a file that failed to load is instead, if zkinfer
/// recognises it.
pub fn identify_file(path: &Path) -> Option<String> {
    let (head, len) = read_head(path).ok()?;
    identify(&head, len, path)
}

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

/// Checks, before any work, that a command can write `outputs` and that none of them is one of
/// its `inputs` or another output: each is a `(what, path)` pair, `what` naming the argument in
/// messages (`"--pk"`, `"the ONNX model"`). Paths are compared canonicalized, so `./x.json` and
/// `x.json` (or a link to it) are the same file.
pub fn check_outputs(outputs: &[(&str, &Path)], inputs: &[(&str, &Path)]) -> Result<()> {
    for (i, &(what, path)) in outputs.iter().enumerate() {
        check_writable(path)?;
        let target = canonical(path);
        let clash = inputs.iter().chain(&outputs[..i]).find(|(_, other)| canonical(other) == target);
        if let Some((other_what, other)) = clash {
            let role = if inputs.iter().any(|(_, p)| p == other) { "read by this command" } else { "written too" };
            return Err(ZkError::io(
                "write",
                path,
                format!(
                    "{what} '{}' is the same file as {other_what} '{}', {role}; choose another path for {what}",
                    path.display(),
                    other.display()
                ),
            ));
        }
    }
    Ok(())
}

/// That `path` can be written: not a folder, in a folder that exists and is writable.
pub fn check_writable(path: &Path) -> Result<()> {
    let fail = |reason: String| Err(ZkError::io("write", path, reason));
    if path.is_dir() {
        return fail("it is a folder; give a file path".into());
    }
    if path.file_name().is_none() {
        return fail("it does not name a file".into());
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.exists() {
        return fail(format!("the folder '{}' does not exist", parent.display()));
    }
    if !parent.is_dir() {
        return fail(format!("'{}' is not a folder", parent.display()));
    }
    if !folder_is_writable(parent) {
        return fail(format!("the folder '{}' is not writable", parent.display()));
    }
    Ok(())
}

#[cfg(unix)]
fn folder_is_writable(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else { return false };
    // SAFETY: `c` is a NUL-terminated path that outlives the call
    unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
}

#[cfg(not(unix))]
fn folder_is_writable(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly())
}

/// The absolute, link-free form of `path`, also for a file that does not exist yet (its folder
/// canonicalized, its name kept).
fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default();
    std::fs::canonicalize(parent).map(|p| p.join(name)).unwrap_or_else(|_| path.to_path_buf())
}
