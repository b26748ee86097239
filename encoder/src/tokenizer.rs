//! XLM-RoBERTa's SentencePiece unigram tokenizer, from the pieces, scores and normalization
//! table stored in the model file.
//!
//! Pipeline (that of `e5.c`, which follows the Hugging Face XLM-R tokenizer):
//! 1. each codepoint is replaced through the file's normalization table (the model's
//!    `nmt_nfkc` char map flattened per codepoint; an empty replacement deletes it);
//! 2. runs of spaces collapse to one;
//! 3. a space is prepended unless the text already starts with one, and every space becomes
//!    the metaspace `▁` (U+2581);
//! 4. Viterbi over the unigram pieces picks the segmentation with the highest total score;
//!    a character that no piece covers becomes `<unk>` (score: lowest piece score − 10).
//!
//! Two deliberate differences from `e5.c`, both as SentencePiece itself does: control
//! pieces (`<s>`, `</s>`, `<pad>`, `<unk>`, `<mask>`) are never matched in the text (so a
//! caller typing `<s>` cannot inject a special token), and a run of consecutive unknown
//! characters becomes a single `<unk>`.
//!
//! The pieces stay in one byte blob with an open-addressing hash index (about 7 MB for
//! the 250k-piece vocabulary) rather than a per-node trie, which for this vocabulary costs
//! tens of megabytes.

use crate::format::TokenizerData;

const METASPACE: char = '\u{2581}';
/// SentencePiece's penalty for an unknown character, below the lowest piece score.
const UNK_PENALTY: f32 = 10.0;

pub(crate) struct Tokenizer {
    offsets: Vec<u32>,
    scores: Vec<f32>,
    blob: Vec<u8>,
    /// Open addressing, linear probing: piece id + 1, 0 = empty slot.
    index: Vec<u32>,
    index_mask: usize,
    normalization: std::collections::HashMap<char, Box<[char]>>,
    max_piece_chars: usize,
    unk_score: f32,
    pub(crate) bos: u32,
    pub(crate) eos: u32,
    pub(crate) unk: u32,
}

/// FNV-1a, 64 bit: a fast, well-spread hash for short byte strings.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Tokenizer {
    pub(crate) fn new(data: TokenizerData) -> Tokenizer {
        let n = data.piece_scores.len();
        let control = |id: usize, piece: &[u8]| {
            [data.bos, data.eos, data.pad, data.unk].contains(&(id as u32)) || piece == b"<mask>"
        };
        let slots = (n * 2).next_power_of_two();
        let index_mask = slots - 1;
        let mut index = vec![0u32; slots];
        let mut max_piece_chars = 1;
        let mut min_score = f32::INFINITY;
        for id in 0..n {
            let piece = &data.piece_bytes
                [data.piece_offsets[id] as usize..data.piece_offsets[id + 1] as usize];
            min_score = min_score.min(data.piece_scores[id]);
            if piece.is_empty() || control(id, piece) {
                continue;
            }
            // The file was checked to hold UTF-8 pieces; a char count is all we need.
            let chars = std::str::from_utf8(piece).map_or(piece.len(), |s| s.chars().count());
            max_piece_chars = max_piece_chars.max(chars);
            let mut slot = fnv1a(piece) as usize & index_mask;
            while index[slot] != 0 {
                slot = (slot + 1) & index_mask;
            }
            index[slot] = id as u32 + 1;
        }
        Tokenizer {
            offsets: data.piece_offsets,
            scores: data.piece_scores,
            blob: data.piece_bytes,
            index,
            index_mask,
            normalization: data.normalization,
            max_piece_chars,
            unk_score: min_score - UNK_PENALTY,
            bos: data.bos,
            eos: data.eos,
            unk: data.unk,
        }
    }

    fn piece(&self, id: usize) -> &[u8] {
        &self.blob[self.offsets[id] as usize..self.offsets[id + 1] as usize]
    }

    fn lookup(&self, bytes: &[u8]) -> Option<usize> {
        let mut slot = fnv1a(bytes) as usize & self.index_mask;
        loop {
            let v = self.index[slot] as usize;
            if v == 0 {
                return None;
            }
            if self.piece(v - 1) == bytes {
                return Some(v - 1);
            }
            slot = (slot + 1) & self.index_mask;
        }
    }

    /// Steps 1–3: the normalized text with its metaspaces, ready for Viterbi.
    pub(crate) fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 4);
        out.push(METASPACE);
        let mut previous_space = true; // the prepended metaspace stands for a leading space
        for c in text.chars() {
            let mapped: &[char] = match self.normalization.get(&c) {
                Some(replacement) => replacement,
                None => std::slice::from_ref(&c),
            };
            for &m in mapped {
                if m == ' ' {
                    if !previous_space {
                        out.push(METASPACE);
                    }
                    previous_space = true;
                } else {
                    out.push(m);
                    previous_space = false;
                }
            }
        }
        out
    }

    /// The content token ids of `text` (no `<s>`/`</s>`), in order.
    pub(crate) fn encode(&self, text: &str) -> Vec<u32> {
        let normalized = self.normalize(text);
        self.viterbi(&normalized)
    }

    fn viterbi(&self, s: &str) -> Vec<u32> {
        // Byte offset of every char boundary, the end included.
        let bounds: Vec<usize> = s
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(s.len()))
            .collect();
        let n = bounds.len() - 1;
        // best[e]: best score of a segmentation of chars [0, e); from[e]: (start, piece id
        // or None for an unknown char) of its last token.
        let mut best = vec![f32::NEG_INFINITY; n + 1];
        let mut from: Vec<(usize, Option<u32>)> = vec![(0, None); n + 1];
        best[0] = 0.0;
        let bytes = s.as_bytes();
        for i in 0..n {
            if best[i] == f32::NEG_INFINITY {
                continue;
            }
            let mut single_char_piece = false;
            for e in (i + 1)..=n.min(i + self.max_piece_chars) {
                if let Some(id) = self.lookup(&bytes[bounds[i]..bounds[e]]) {
                    single_char_piece |= e == i + 1;
                    let score = best[i] + self.scores[id];
                    if score > best[e] {
                        best[e] = score;
                        from[e] = (i, Some(id as u32));
                    }
                }
            }
            if !single_char_piece {
                let score = best[i] + self.unk_score;
                if score > best[i + 1] {
                    best[i + 1] = score;
                    from[i + 1] = (i, None);
                }
            }
        }
        // Backtrack: Some(piece) or None for one unknown char, last token first.
        let mut path = Vec::new();
        let mut e = n;
        while e > 0 {
            let (start, id) = from[e];
            path.push(id);
            e = start;
        }
        let mut ids = Vec::with_capacity(path.len());
        let mut previous_unknown = false;
        for id in path.into_iter().rev() {
            match id {
                Some(id) => ids.push(id),
                // A run of unknown chars becomes a single <unk>.
                None if previous_unknown => {}
                None => ids.push(self.unk),
            }
            previous_unknown = id.is_none();
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A toy vocabulary: ids 0..=3 are the specials, then the given pieces.
    fn toy(pieces: &[(&str, f32)], norm: &[(char, &str)]) -> Tokenizer {
        let mut all: Vec<(&str, f32)> =
            vec![("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)];
        all.extend_from_slice(pieces);
        let mut offsets = vec![0u32];
        let mut blob = Vec::new();
        for (p, _) in &all {
            blob.extend_from_slice(p.as_bytes());
            offsets.push(blob.len() as u32);
        }
        Tokenizer::new(TokenizerData {
            piece_offsets: offsets,
            piece_scores: all.iter().map(|&(_, s)| s).collect(),
            piece_bytes: blob,
            bos: 0,
            eos: 2,
            pad: 1,
            unk: 3,
            normalization: norm
                .iter()
                .map(|&(c, r)| (c, r.chars().collect::<Box<[char]>>()))
                .collect::<HashMap<_, _>>(),
        })
    }

    fn pieces(t: &Tokenizer, text: &str) -> Vec<String> {
        t.encode(text)
            .into_iter()
            .map(|id| String::from_utf8_lossy(t.piece(id as usize)).into_owned())
            .collect()
    }

    #[test]
    fn normalization_collapses_spaces_and_adds_the_metaspace() {
        let t = toy(&[], &[('\t', " "), ('\u{200b}', ""), ('Ａ', "A")]);
        assert_eq!(t.normalize("a  b\t c"), "▁a▁b▁c");
        assert_eq!(t.normalize(" lead"), "▁lead");
        assert_eq!(t.normalize("x\u{200b}y"), "▁xy");
        assert_eq!(t.normalize("Ａb "), "▁Ab▁");
        assert_eq!(t.normalize(""), "▁");
    }

    #[test]
    fn viterbi_prefers_the_highest_total_score() {
        // "▁hello" as one piece (-5) beats "▁he" + "llo" (-2 + -4 = -6).
        let t = toy(
            &[
                ("▁hello", -5.0),
                ("▁he", -2.0),
                ("llo", -4.0),
                ("▁", -1.0),
                ("h", -3.0),
                ("e", -3.0),
                ("l", -3.0),
                ("o", -3.0),
            ],
            &[],
        );
        assert_eq!(pieces(&t, "hello"), ["▁hello"]);
        // Raise the split's total above the whole word and it wins.
        let t = toy(
            &[("▁hello", -7.0), ("▁he", -2.0), ("llo", -4.0), ("▁", -1.0)],
            &[],
        );
        assert_eq!(pieces(&t, "hello"), ["▁he", "llo"]);
    }

    #[test]
    fn unknown_characters_fuse_into_one_unk() {
        let t = toy(&[("▁a", -1.0), ("▁", -1.0), ("b", -2.0)], &[]);
        assert_eq!(pieces(&t, "a☃☃b"), ["▁a", "<unk>", "b"]);
        assert_eq!(pieces(&t, "a☃b☃"), ["▁a", "<unk>", "b", "<unk>"]);
        assert_eq!(pieces(&t, "☃"), ["▁", "<unk>"]);
    }

    #[test]
    fn control_pieces_are_never_matched_in_text() {
        let t = toy(&[("▁", -1.0), ("<", -2.0), ("s", -2.0), (">", -2.0)], &[]);
        assert_eq!(pieces(&t, "<s>"), ["▁", "<", "s", ">"]);
    }

    #[test]
    fn multibyte_pieces_split_on_char_boundaries() {
        let t = toy(
            &[("▁más", -1.0), ("▁", -1.0), ("ñ", -1.0), ("o", -1.0)],
            &[],
        );
        assert_eq!(pieces(&t, "más ño"), ["▁más", "▁", "ñ", "o"]);
    }
}
