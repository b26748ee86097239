//! Reference numbers people read aloud and type back: `ESC-XXXX-XXXC`, Crockford base32
//! (no I, L, O, U), the last character a mod-37 check symbol so a mistyped reference is
//! caught instead of matching another caller's.

use rand::Rng;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CHECK: &[u8; 37] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";
const BODY_LEN: usize = 7;

pub fn generate() -> String {
    let mut rng = rand::thread_rng();
    let body: Vec<u8> = (0..BODY_LEN)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())])
        .collect();
    let check = CHECK[checksum(&body)] as char;
    let body = String::from_utf8_lossy(&body);
    format!("ESC-{}-{}{check}", &body[..4], &body[4..])
}

/// True when `reference` is well formed and its check symbol matches. Tolerates case,
/// missing dashes and the usual misreadings (O→0, I/L→1).
pub fn is_valid(reference: &str) -> bool {
    canonical(reference).is_some()
}

/// The reference as stored (`ESC-XXXX-XXXC`) from however a person typed it, or `None`
/// when it is malformed or its check symbol does not match.
pub fn canonical(reference: &str) -> Option<String> {
    let cleaned = cleaned(reference);
    if cleaned.len() != BODY_LEN + 1 {
        return None;
    }
    let (body, check) = cleaned.split_at(BODY_LEN);
    let valid = body.iter().all(|b| ALPHABET.contains(b)) && CHECK[checksum(body)] == check[0];
    valid.then(|| format_reference(&cleaned))
}

/// For a reference typed in the right shape whose check symbol does not match: every
/// well-formed reference one character away from it (the check symbol, or one body
/// character with the check as typed). `None` when it is valid or not a reference at all.
pub fn near_misses(reference: &str) -> Option<Vec<String>> {
    let typed = cleaned(reference);
    if typed.len() != BODY_LEN + 1 || canonical(reference).is_some() {
        return None;
    }
    let (body, check) = typed.split_at(BODY_LEN);
    if !body.iter().all(|b| ALPHABET.contains(b)) || !CHECK.contains(&check[0]) {
        return None;
    }
    let mut out = vec![format_reference(&[body, &[CHECK[checksum(body)]]].concat())];
    for i in 0..BODY_LEN {
        for &c in ALPHABET.iter().filter(|c| **c != body[i]) {
            let mut other = body.to_vec();
            other[i] = c;
            if CHECK[checksum(&other)] == check[0] {
                out.push(format_reference(&[&other[..], check].concat()));
            }
        }
    }
    Some(out)
}

fn format_reference(cleaned: &[u8]) -> String {
    let text = String::from_utf8_lossy(cleaned);
    format!("ESC-{}-{}", &text[..4], &text[4..])
}

/// Upper case, without the prefix, dashes and spaces, with the usual misreadings undone.
fn cleaned(reference: &str) -> Vec<u8> {
    reference
        .trim()
        .to_ascii_uppercase()
        .trim_start_matches("ESC")
        .bytes()
        .filter(|b| *b != b'-' && *b != b' ')
        .map(|b| match b {
            b'O' => b'0',
            b'I' | b'L' => b'1',
            other => other,
        })
        .collect()
}

fn checksum(body: &[u8]) -> usize {
    body.iter().fold(0usize, |acc, b| {
        let v = ALPHABET.iter().position(|a| a == b).unwrap_or(0);
        (acc * 32 + v) % 37
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_reference_lists_the_references_one_character_away() {
        let good = generate();
        // Change one body character: the check no longer matches.
        let mut chars: Vec<char> = good.chars().collect();
        chars[5] = if chars[5] == 'A' { 'B' } else { 'A' };
        let typo: String = chars.into_iter().collect();
        if canonical(&typo).is_some() {
            return; // the 1-in-37 case where the typo is itself valid
        }
        let near = near_misses(&typo).expect("near misses");
        assert!(near.contains(&good), "{good} not in {near:?}");
        assert!(near.iter().all(|r| canonical(r).is_some()), "{near:?}");
        assert_eq!(near_misses(&good), None, "a valid reference");
        assert_eq!(near_misses("hello"), None, "not a reference");
    }

    #[test]
    fn generated_references_validate() {
        for _ in 0..200 {
            let r = generate();
            assert!(r.starts_with("ESC-") && r.len() == 13, "{r}");
            assert!(is_valid(&r), "{r}");
            assert!(is_valid(&r.to_lowercase().replace('-', "")), "{r}");
            assert_eq!(
                canonical(&r.to_lowercase().replace('-', " ")),
                Some(r.clone())
            );
        }
    }

    #[test]
    fn a_single_typo_is_caught() {
        let r = generate();
        let chars: Vec<char> = r.chars().collect();
        for i in [4usize, 5, 6, 7, 9, 10, 11] {
            for replacement in ALPHABET.iter().map(|b| *b as char) {
                if replacement == chars[i] {
                    continue;
                }
                let mut typo = chars.clone();
                typo[i] = replacement;
                let typo: String = typo.into_iter().collect();
                assert!(!is_valid(&typo), "{r} vs {typo}");
            }
        }
    }
}
