//! The BERT-style encoder of multilingual-e5-small (XLM-R architecture), run on the CPU.
//!
//! Forward pass (post-norm transformer, as in `e5.c` and the Hugging Face model):
//! word + position + token-type embeddings → LayerNorm; then per layer
//! `x = LN(x + Wo·attention(Wq·x, Wk·x, Wv·x))`, `x = LN(x + W2·gelu(W1·x))`; finally the
//! mean over all tokens (`<s>` and `</s>` included) and L2 normalization.
//!
//! The weight matrices stay 4-bit (GGML Q4_0) in memory. Each matmul quantizes its input
//! rows to Q8_0 and uses candle's Q4_0×Q8_0 dot-product kernels (AVX2/FMA when the CPU has
//! them, chosen at run time), exactly the arithmetic of `e5.c`'s int8×int4 path. The loop
//! around the kernels is ours, so a call runs on the calling thread only: candle's own
//! `QMatMul` would dispatch onto its process-wide thread pool, whose call lock serializes
//! concurrent callers.
//!
//! The 250k-row word-embedding table (54 MB of Q4_0) is not loaded: the rows an utterance
//! needs are read from the model file with positional reads and dequantized, so it adds
//! nothing to the resident set (the kernel's page cache keeps hot rows).

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;

use candle_core::quantized::k_quants::{BlockQ4_0, BlockQ8_0};
use candle_core::quantized::{GgmlDType, GgmlType, QuantizedType};

use crate::format::{
    expect_tensor, read_at, Header, Parsed, TensorEntry, DTYPE_F32, DTYPE_Q4_0, Q4_0_BLOCK_BYTES,
    QK,
};
use crate::EncoderError;

/// A `rows × cols` weight matrix in Q4_0, row-major (each row is `cols / 32` blocks), held
/// in candle's quantized CPU storage.
struct Q4Matrix {
    rows: usize,
    cols: usize,
    storage: Box<dyn QuantizedType>,
}

impl Q4Matrix {
    fn new(bytes: Vec<u8>, rows: usize, cols: usize) -> Result<Q4Matrix, String> {
        let blocks = rows * cols / QK;
        if bytes.len() != blocks * Q4_0_BLOCK_BYTES
            || std::mem::size_of::<BlockQ4_0>() != Q4_0_BLOCK_BYTES
        {
            return Err(format!("{} bytes for {rows}x{cols} Q4_0", bytes.len()));
        }
        // candle's `from_data` asserts this alignment; check it so a failure is an error.
        if !bytes.as_ptr().cast::<BlockQ4_0>().is_aligned() {
            return Err("weight buffer is not 2-byte aligned".into());
        }
        let storage = GgmlDType::Q4_0.from_data(Cow::Owned(bytes));
        if storage.dtype() != GgmlDType::Q4_0
            || storage.storage_size_in_bytes() != blocks * std::mem::size_of::<BlockQ4_0>()
            || !storage.as_ptr().cast::<BlockQ4_0>().is_aligned()
        {
            return Err("candle's Q4_0 storage has an unexpected layout".into());
        }
        Ok(Q4Matrix {
            rows,
            cols,
            storage,
        })
    }

    /// The blocks, typed for candle's kernels.
    fn blocks(&self) -> &[BlockQ4_0] {
        let len = self.rows * self.cols / QK;
        // SAFETY: `new` checked that `storage` is Q4_0 storage of exactly `len` blocks whose
        // data pointer is aligned for `BlockQ4_0`. `as_ptr` points at that initialized data,
        // which `storage` owns and nothing mutates (we hold it immutably for `self`'s whole
        // life, and the returned borrow is tied to `&self`). `BlockQ4_0` is `repr(C)` of an
        // `f16` and `[u8; 16]` (18 bytes, asserted by candle and in `new`), so every bit
        // pattern is a valid value.
        unsafe { std::slice::from_raw_parts(self.storage.as_ptr().cast::<BlockQ4_0>(), len) }
    }

    /// `out[m × rows] = acts[m × cols] · selfᵀ + bias`, `acts` already quantized to Q8_0.
    fn matmul(&self, acts: &[BlockQ8_0], m: usize, bias: &[f32], out: &mut [f32]) {
        let (n, k) = (self.rows, self.cols);
        let kb = k / QK;
        let w = self.blocks();
        let row = |c: usize| &w[c * kb..(c + 1) * kb];
        let quads = n / 4 * 4;
        // Column quads outermost: the four weight rows stay in L1 while every activation row
        // streams past them.
        for c in (0..quads).step_by(4) {
            for r in 0..m {
                let a = &acts[r * kb..(r + 1) * kb];
                let (d0, d1, d2, d3) =
                    BlockQ4_0::vec_dot_4(k, row(c), row(c + 1), row(c + 2), row(c + 3), a);
                let o = &mut out[r * n + c..r * n + c + 4];
                o[0] = d0 + bias[c];
                o[1] = d1 + bias[c + 1];
                o[2] = d2 + bias[c + 2];
                o[3] = d3 + bias[c + 3];
            }
        }
        for c in quads..n {
            for r in 0..m {
                let a = &acts[r * kb..(r + 1) * kb];
                out[r * n + c] = BlockQ4_0::vec_dot(k, row(c), a) + bias[c];
            }
        }
    }
}

struct Linear {
    weight: Q4Matrix,
    bias: Vec<f32>,
}

struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attn_out: Linear,
    attn_norm: Norm,
    ffn_in: Linear,
    ffn_out: Linear,
    out_norm: Norm,
}

pub(crate) struct Model {
    h: Header,
    file: File,
    word_offset: u64,
    /// `max_positions × hidden`, already shifted past XLM-R's padding offset by the converter.
    positions: Vec<f32>,
    /// Token type 0 (the only one a single sentence uses).
    token_type: Vec<f32>,
    embed_norm: Norm,
    layers: Vec<Layer>,
}

struct Loader<'a> {
    file: &'a File,
    path: &'a Path,
    parsed: &'a Parsed,
}

impl Loader<'_> {
    fn read(&self, entry: TensorEntry) -> Result<Vec<u8>, EncoderError> {
        let mut buf = vec![0u8; entry.byte_len as usize];
        read_at(self.file, entry.offset, &mut buf).map_err(|source| EncoderError::Io {
            path: self.path.to_path_buf(),
            source,
        })?;
        Ok(buf)
    }

    fn f32s(&self, name: &str, elements: usize) -> Result<Vec<f32>, EncoderError> {
        let entry = expect_tensor(&self.parsed.tensors, self.path, name, DTYPE_F32, elements)?;
        let bytes = self.read(entry)?;
        let values: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if values.iter().any(|v| !v.is_finite()) {
            return Err(EncoderError::Malformed {
                path: self.path.to_path_buf(),
                detail: format!("tensor {name} holds a non-finite value"),
            });
        }
        Ok(values)
    }

    fn linear(&self, prefix: &str, rows: usize, cols: usize) -> Result<Linear, EncoderError> {
        let name = format!("{prefix}.w");
        let entry = expect_tensor(
            &self.parsed.tensors,
            self.path,
            &name,
            DTYPE_Q4_0,
            rows * cols,
        )?;
        let weight = Q4Matrix::new(self.read(entry)?, rows, cols).map_err(|detail| {
            EncoderError::Malformed {
                path: self.path.to_path_buf(),
                detail: format!("tensor {name}: {detail}"),
            }
        })?;
        Ok(Linear {
            weight,
            bias: self.f32s(&format!("{prefix}.b"), rows)?,
        })
    }

    fn norm(&self, prefix: &str, size: usize) -> Result<Norm, EncoderError> {
        Ok(Norm {
            weight: self.f32s(&format!("{prefix}.w"), size)?,
            bias: self.f32s(&format!("{prefix}.b"), size)?,
        })
    }
}

impl Model {
    pub(crate) fn load(file: File, path: &Path, parsed: &Parsed) -> Result<Model, EncoderError> {
        let h = parsed.header;
        let (hid, ffn) = (h.hidden, h.ffn);
        let ld = Loader {
            file: &file,
            path,
            parsed,
        };
        let word = expect_tensor(
            &parsed.tensors,
            path,
            "emb.word",
            DTYPE_Q4_0,
            h.vocab_rows * hid,
        )?;
        let positions = ld.f32s("emb.pos", h.max_positions * hid)?;
        let mut token_type = ld.f32s("emb.type", h.type_vocab * hid)?;
        token_type.truncate(hid);
        let embed_norm = ld.norm("emb.ln", hid)?;
        let layers = (0..h.layers)
            .map(|l| {
                Ok(Layer {
                    query: ld.linear(&format!("l{l}.q"), hid, hid)?,
                    key: ld.linear(&format!("l{l}.k"), hid, hid)?,
                    value: ld.linear(&format!("l{l}.v"), hid, hid)?,
                    attn_out: ld.linear(&format!("l{l}.ao"), hid, hid)?,
                    attn_norm: ld.norm(&format!("l{l}.aln"), hid)?,
                    ffn_in: ld.linear(&format!("l{l}.fi"), ffn, hid)?,
                    ffn_out: ld.linear(&format!("l{l}.fo"), hid, ffn)?,
                    out_norm: ld.norm(&format!("l{l}.oln"), hid)?,
                })
            })
            .collect::<Result<Vec<_>, EncoderError>>()?;
        Ok(Model {
            h,
            file,
            word_offset: word.offset,
            positions,
            token_type,
            embed_norm,
            layers,
        })
    }

    pub(crate) fn hidden(&self) -> usize {
        self.h.hidden
    }

    pub(crate) fn max_positions(&self) -> usize {
        self.h.max_positions
    }

    pub(crate) fn vocab_rows(&self) -> usize {
        self.h.vocab_rows
    }

    /// Dequantizes the word embedding of `id` into `out` (`hidden` floats).
    fn word_row(&self, id: u32, out: &mut [f32], path: &Path) -> Result<(), EncoderError> {
        let row_bytes = self.h.hidden / QK * Q4_0_BLOCK_BYTES;
        let mut buf = vec![0u8; row_bytes];
        let offset = self.word_offset + u64::from(id) * row_bytes as u64;
        read_at(&self.file, offset, &mut buf).map_err(|source| EncoderError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        for (block, values) in buf
            .chunks_exact(Q4_0_BLOCK_BYTES)
            .zip(out.chunks_exact_mut(QK))
        {
            dequantize_q4_0(block, values);
        }
        Ok(())
    }

    /// The L2-normalized mean-pooled embedding of `ids` (specials included, at most
    /// `max_positions` of them; the caller truncates).
    pub(crate) fn forward(&self, ids: &[u32], path: &Path) -> Result<Vec<f32>, EncoderError> {
        let (hid, ffn, heads) = (self.h.hidden, self.h.ffn, self.h.heads);
        let l = ids.len();
        debug_assert!(l <= self.h.max_positions);

        let mut x = vec![0f32; l * hid];
        for (t, &id) in ids.iter().enumerate() {
            let row = &mut x[t * hid..(t + 1) * hid];
            self.word_row(id, row, path)?;
            let pos = &self.positions[t * hid..(t + 1) * hid];
            for ((v, p), ty) in row.iter_mut().zip(pos).zip(&self.token_type) {
                *v += p + ty;
            }
        }
        layer_norm(&mut x, None, &self.embed_norm, hid, self.h.ln_eps);

        let mut acts = vec![BlockQ8_0::zeros(); l * ffn / QK];
        let mut q = vec![0f32; l * hid];
        let mut k = vec![0f32; l * hid];
        let mut v = vec![0f32; l * hid];
        let mut ctx = vec![0f32; l * hid];
        let mut proj = vec![0f32; l * hid];
        let mut mid = vec![0f32; l * ffn];
        let mut scores = vec![0f32; l];

        for layer in &self.layers {
            quantize_rows(&x, hid, &mut acts);
            let a = &acts[..l * hid / QK];
            layer.query.weight.matmul(a, l, &layer.query.bias, &mut q);
            layer.key.weight.matmul(a, l, &layer.key.bias, &mut k);
            layer.value.weight.matmul(a, l, &layer.value.bias, &mut v);
            attention(&q, &k, &v, &mut ctx, &mut scores, l, hid, heads);

            quantize_rows(&ctx, hid, &mut acts);
            let a = &acts[..l * hid / QK];
            layer
                .attn_out
                .weight
                .matmul(a, l, &layer.attn_out.bias, &mut proj);
            layer_norm(&mut x, Some(&proj), &layer.attn_norm, hid, self.h.ln_eps);

            quantize_rows(&x, hid, &mut acts);
            let a = &acts[..l * hid / QK];
            layer
                .ffn_in
                .weight
                .matmul(a, l, &layer.ffn_in.bias, &mut mid);
            for m in mid.iter_mut() {
                *m = gelu(*m);
            }
            quantize_rows(&mid, ffn, &mut acts);
            layer
                .ffn_out
                .weight
                .matmul(&acts, l, &layer.ffn_out.bias, &mut proj);
            layer_norm(&mut x, Some(&proj), &layer.out_norm, hid, self.h.ln_eps);
        }

        let mut pooled = vec![0f32; hid];
        for row in x.chunks_exact(hid) {
            for (p, v) in pooled.iter_mut().zip(row) {
                *p += v;
            }
        }
        let inv_l = 1.0 / l as f32;
        pooled.iter_mut().for_each(|p| *p *= inv_l);
        let norm = pooled.iter().map(|p| p * p).sum::<f32>().sqrt().max(1e-6);
        pooled.iter_mut().for_each(|p| *p /= norm);
        Ok(pooled)
    }
}

/// One GGML Q4_0 block (`f16` scale, then byte j holding weight j in its low nibble and
/// weight j + 16 in its high nibble, both offset by 8) into 32 floats.
pub(crate) fn dequantize_q4_0(block: &[u8], out: &mut [f32]) {
    let d = half::f16::from_bits(u16::from_le_bytes([block[0], block[1]])).to_f32();
    for (j, &byte) in block[2..Q4_0_BLOCK_BYTES].iter().enumerate() {
        out[j] = (i32::from(byte & 0x0f) - 8) as f32 * d;
        out[j + QK / 2] = (i32::from(byte >> 4) - 8) as f32 * d;
    }
}

/// Quantizes each `cols`-wide row of `x` to Q8_0 blocks at the start of `out`.
fn quantize_rows(x: &[f32], cols: usize, out: &mut [BlockQ8_0]) {
    let kb = cols / QK;
    for (r, row) in x.chunks_exact(cols).enumerate() {
        BlockQ8_0::from_float(row, &mut out[r * kb..(r + 1) * kb]);
    }
}

/// `x = LayerNorm(x + residual)` row by row (`residual` absent: `LayerNorm(x)`).
fn layer_norm(x: &mut [f32], residual: Option<&[f32]>, norm: &Norm, cols: usize, eps: f32) {
    for (r, row) in x.chunks_exact_mut(cols).enumerate() {
        if let Some(res) = residual {
            for (v, a) in row.iter_mut().zip(&res[r * cols..(r + 1) * cols]) {
                *v += a;
            }
        }
        let mean = row.iter().sum::<f32>() / cols as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / cols as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, w), b) in row.iter_mut().zip(&norm.weight).zip(&norm.bias) {
            *v = (*v - mean) * inv * w + b;
        }
    }
}

/// GELU as BERT/XLM-R define it, `x·Φ(x) = x/2·(1 + erf(x/√2))`.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// erf by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7, ≤ 1e-6 in f32: far below the 8-bit
/// activation rounding that follows): a third of the cost of `libm::erff`, which made GELU
/// 8 % of an embedding.
fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let y = 1.0 - poly * (-a * a).exp();
    y.copysign(x)
}

/// Multi-head scaled dot-product attention over all `l` tokens (one unpadded sequence).
#[allow(clippy::too_many_arguments)]
fn attention(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    ctx: &mut [f32],
    scores: &mut [f32],
    l: usize,
    hid: usize,
    heads: usize,
) {
    let hd = hid / heads;
    let scale = 1.0 / (hd as f32).sqrt();
    for t in 0..l {
        for h in 0..heads {
            let span = |s: usize| s * hid + h * hd..s * hid + (h + 1) * hd;
            let qh = &q[span(t)];
            let mut max = f32::NEG_INFINITY;
            for (s, score) in scores.iter_mut().enumerate().take(l) {
                let dot: f32 = qh.iter().zip(&k[span(s)]).map(|(a, b)| a * b).sum();
                *score = dot * scale;
                max = max.max(*score);
            }
            let mut sum = 0.0;
            for score in scores.iter_mut().take(l) {
                *score = (*score - max).exp();
                sum += *score;
            }
            let inv = 1.0 / sum;
            let out = &mut ctx[span(t)];
            out.fill(0.0);
            for (s, &p) in scores.iter().enumerate().take(l) {
                let p = p * inv;
                for (o, vv) in out.iter_mut().zip(&v[span(s)]) {
                    *o += p * vv;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_approximation_is_within_its_bound() {
        let mut x = -6.0f32;
        while x <= 6.0 {
            let exact = libm::erf(f64::from(x));
            let diff = (f64::from(erf(x)) - exact).abs();
            assert!(diff < 1e-6, "erf({x}): {} vs {exact}", erf(x));
            x += 0.001;
        }
    }

    #[test]
    fn our_row_dequantization_matches_candles() {
        // Two blocks with assorted scales and every nibble value.
        let mut bytes = Vec::new();
        for (i, d) in [0.0137f32, -2.5].into_iter().enumerate() {
            bytes.extend_from_slice(&half::f16::from_f32(d).to_bits().to_le_bytes());
            bytes.extend((0..16u8).map(|j| j.wrapping_mul(7 + i as u8) ^ (j << 4)));
        }
        let m = Q4Matrix::new(bytes.clone(), 1, 64).expect("matrix");
        let mut theirs = vec![0f32; 64];
        BlockQ4_0::to_float(m.blocks(), &mut theirs);
        let mut ours = vec![0f32; 64];
        for (b, o) in bytes.chunks_exact(18).zip(ours.chunks_exact_mut(32)) {
            dequantize_q4_0(b, o);
        }
        assert_eq!(ours, theirs);
    }

    /// `blocks` Q4_0 blocks of bytes with assorted scales and nibbles.
    fn q4_bytes(blocks: usize) -> Vec<u8> {
        let mut bytes = Vec::new();
        for i in 0..blocks {
            let d = 0.01 + (i % 5) as f32 * 0.013;
            bytes.extend_from_slice(&half::f16::from_f32(d).to_bits().to_le_bytes());
            bytes.extend((0..16).map(|j| ((i * 31 + j * 7) % 256) as u8));
        }
        bytes
    }

    #[test]
    fn matmul_matches_a_float_reference() {
        // 6 output rows (a quad and a tail of two) × 64 inputs, 3 activation rows.
        let (n, k, m) = (6usize, 64usize, 3usize);
        let bytes = q4_bytes(n * k / QK);
        let mut w = vec![0f32; n * k];
        for (b, o) in bytes.chunks_exact(18).zip(w.chunks_exact_mut(QK)) {
            dequantize_q4_0(b, o);
        }
        let matrix = Q4Matrix::new(bytes, n, k).expect("matrix");
        let x: Vec<f32> = (0..m * k)
            .map(|i| ((i * 13 % 17) as f32 - 8.0) / 7.0)
            .collect();
        let bias: Vec<f32> = (0..n).map(|i| i as f32 * 0.5).collect();
        let mut acts = vec![BlockQ8_0::zeros(); m * k / QK];
        quantize_rows(&x, k, &mut acts);
        let mut out = vec![0f32; m * n];
        matrix.matmul(&acts, m, &bias, &mut out);
        for r in 0..m {
            for c in 0..n {
                let exact: f32 = (0..k).map(|i| x[r * k + i] * w[c * k + i]).sum::<f32>() + bias[c];
                let got = out[r * n + c];
                // Q8_0 activations: about 0.4% relative error per element at most.
                assert!(
                    (got - exact).abs() < 0.01 * (1.0 + exact.abs()),
                    "{r},{c}: {got} vs {exact}"
                );
            }
        }
    }
}
