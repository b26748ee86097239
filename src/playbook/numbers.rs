//! Money amounts said in words ("six hundred dollars", "two thousand five hundred pounds",
//! "seiscientos dólares", "mil quinientos pesos", "a grand"), English and Spanish, up to
//! the millions. Speech-to-text often writes amounts out; the authority limits must still
//! see them.

/// Currency words that end a spoken amount, and what they multiply it by ("grand" is a
/// thousand of the account's currency).
fn currency(word: &str) -> Option<f64> {
    Some(match word {
        "dollar" | "dollars" | "buck" | "bucks" | "pound" | "pounds" | "quid" | "euro"
        | "euros" | "peso" | "pesos" | "dolar" | "dolares" | "libra" | "libras" | "usd" | "gbp"
        | "eur" => 1.0,
        "grand" | "k" => 1000.0,
        _ => return None,
    })
}

/// What one number word is worth, and how it combines.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Word {
    /// Added to the group being built ("five", "twenty", "quinientos").
    Add(f64),
    /// Multiplies the group being built ("hundred", "cien" after a unit).
    Hundred,
    /// Closes the group at this scale ("thousand", "mil", "million", "millones").
    Scale(f64),
    /// Joins parts without a value ("and", "y").
    Joiner,
    /// "a" / "an" / "un" / "una": one, only at the start of an amount.
    One,
}

fn word(w: &str) -> Option<Word> {
    use Word::*;
    let unit = |v: u32| Some(Add(f64::from(v)));
    match w {
        "zero" | "cero" => unit(0),
        "one" | "uno" => unit(1),
        "two" | "dos" => unit(2),
        "three" | "tres" => unit(3),
        "four" | "cuatro" => unit(4),
        "five" | "cinco" => unit(5),
        "six" | "seis" => unit(6),
        "seven" | "siete" => unit(7),
        "eight" | "ocho" => unit(8),
        "nine" | "nueve" => unit(9),
        "ten" | "diez" => unit(10),
        "eleven" | "once" => unit(11),
        "twelve" | "doce" => unit(12),
        "thirteen" | "trece" => unit(13),
        "fourteen" | "catorce" => unit(14),
        "fifteen" | "quince" => unit(15),
        "sixteen" | "dieciseis" => unit(16),
        "seventeen" | "diecisiete" => unit(17),
        "eighteen" | "dieciocho" => unit(18),
        "nineteen" | "diecinueve" => unit(19),
        "twenty" | "veinte" => unit(20),
        "veintiuno" | "veintiun" | "veintiuna" => unit(21),
        "veintidos" => unit(22),
        "veintitres" => unit(23),
        "veinticuatro" => unit(24),
        "veinticinco" => unit(25),
        "veintiseis" => unit(26),
        "veintisiete" => unit(27),
        "veintiocho" => unit(28),
        "veintinueve" => unit(29),
        "thirty" | "treinta" => unit(30),
        "forty" | "cuarenta" => unit(40),
        "fifty" | "cincuenta" => unit(50),
        "sixty" | "sesenta" => unit(60),
        "seventy" | "setenta" => unit(70),
        "eighty" | "ochenta" => unit(80),
        "ninety" | "noventa" => unit(90),
        "ciento" | "cien" => unit(100),
        "doscientos" | "doscientas" => unit(200),
        "trescientos" | "trescientas" => unit(300),
        "cuatrocientos" | "cuatrocientas" => unit(400),
        "quinientos" | "quinientas" => unit(500),
        "seiscientos" | "seiscientas" => unit(600),
        "setecientos" | "setecientas" => unit(700),
        "ochocientos" | "ochocientas" => unit(800),
        "novecientos" | "novecientas" => unit(900),
        "hundred" | "hundreds" => Some(Hundred),
        "thousand" | "thousands" | "mil" => Some(Scale(1e3)),
        "million" | "millions" | "millon" | "millones" => Some(Scale(1e6)),
        "and" | "y" => Some(Joiner),
        "a" | "an" | "un" | "una" => Some(One),
        _ => digits(w).map(Add),
    }
}

/// A number written in digits inside a spoken amount ("2 thousand", "1,500").
fn digits(w: &str) -> Option<f64> {
    if w.is_empty()
        || !w
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return None;
    }
    if !w.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    w.replace(',', "").parse().ok()
}

/// The value of a run of number words, or `None` when they do not make a number
/// ("and five" or a bare "a").
pub fn parse(words: &[&str]) -> Option<f64> {
    let mut total = 0.0;
    let mut group: Option<f64> = None;
    let mut seen_value = false;
    let mut last_scale = f64::INFINITY;
    for (i, w) in words.iter().enumerate() {
        match word(w)? {
            Word::Add(v) => {
                group = Some(group.unwrap_or(0.0) + v);
                seen_value = true;
            }
            Word::One if i == 0 => {
                group = Some(1.0);
                seen_value = true;
            }
            Word::One => return None,
            Word::Hundred => {
                group = Some(group.unwrap_or(1.0) * 100.0);
                seen_value = true;
            }
            Word::Scale(scale) => {
                // "mil" alone is a thousand; scales fall ("million … thousand …").
                if scale >= last_scale {
                    // "thousand thousand": start again from what we have.
                    total = (total + group.unwrap_or(1.0)) * scale;
                } else {
                    total += group.unwrap_or(1.0) * scale;
                }
                last_scale = scale;
                group = None;
                seen_value = true;
            }
            Word::Joiner => {
                if i == 0 || i + 1 == words.len() {
                    return None;
                }
            }
        }
    }
    seen_value.then(|| total + group.unwrap_or(0.0))
}

/// Every amount said in words (or digits and scale words) before a currency word in
/// `folded` (lower case, accents removed), in the order said.
pub fn spoken_amounts(folded: &str) -> Vec<f64> {
    let tokens: Vec<&str> = folded
        .split(|c: char| !(c.is_alphanumeric() || c == ',' || c == '.'))
        .map(|t| t.trim_matches(|c| c == ',' || c == '.'))
        .filter(|t| !t.is_empty())
        .collect();
    let mut amounts = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let Some(multiplier) = currency(t) else {
            continue;
        };
        // "un millón de pesos", "dos millones de dólares".
        let mut end = i;
        if end >= 2
            && tokens[end - 1] == "de"
            && matches!(
                tokens[end - 2],
                "millon" | "millones" | "million" | "millions"
            )
        {
            end -= 1;
        }
        let mut start = end;
        while start > 0 && word(tokens[start - 1]).is_some() {
            start -= 1;
        }
        // The longest run that reads as a number, from its left end inwards.
        let value = (start..end).find_map(|s| parse(&tokens[s..end]));
        let value = match value {
            Some(v) => Some(v),
            // "a grand", "grand" alone is not an amount.
            None if multiplier > 1.0 && start < end && tokens[end - 1] == "a" => Some(1.0),
            None => None,
        };
        // Amounts written wholly in digits are the regex's ("$600", "600 dollars").
        let words_said = tokens[start..end].iter().any(|t| digits(t).is_none());
        if let (Some(v), true) = (value, words_said || multiplier > 1.0) {
            amounts.push(v * multiplier);
        }
    }
    amounts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Option<f64> {
        let folded = crate::playbook::text::fold(text);
        spoken_amounts(&folded).into_iter().reduce(f64::max)
    }

    #[test]
    fn english_amounts_in_words() {
        assert_eq!(one("six hundred dollars"), Some(600.0));
        assert_eq!(one("two thousand five hundred pounds"), Some(2500.0));
        assert_eq!(one("a hundred and fifty bucks"), Some(150.0));
        assert_eq!(one("refund me twenty-five dollars"), Some(25.0));
        assert_eq!(
            one("one million two hundred thousand dollars"),
            Some(1_200_000.0)
        );
        assert_eq!(one("two hundred fifty thousand euros"), Some(250_000.0));
        assert_eq!(one("ninety nine quid"), Some(99.0));
        assert_eq!(one("2 thousand dollars"), Some(2000.0));
        assert_eq!(one("fifteen hundred dollars"), Some(1500.0));
    }

    #[test]
    fn a_grand_is_a_thousand() {
        assert_eq!(one("it cost me a grand"), Some(1000.0));
        assert_eq!(one("two grand"), Some(2000.0));
        assert_eq!(one("5 grand"), Some(5000.0));
        assert_eq!(one("the grand total"), None);
    }

    #[test]
    fn spanish_amounts_in_words() {
        assert_eq!(one("seiscientos dólares"), Some(600.0));
        assert_eq!(one("mil quinientos pesos"), Some(1500.0));
        assert_eq!(
            one("dos mil trescientos cuarenta y cinco pesos"),
            Some(2345.0)
        );
        assert_eq!(one("ciento veinte euros"), Some(120.0));
        assert_eq!(one("cien dólares"), Some(100.0));
        assert_eq!(one("un millón de pesos"), Some(1_000_000.0));
        assert_eq!(one("dos millones quinientos mil pesos"), Some(2_500_000.0));
        assert_eq!(one("veintidós libras"), Some(22.0));
    }

    #[test]
    fn words_that_are_not_an_amount_are_not_read_as_one() {
        assert_eq!(one("I paid in dollars"), None);
        assert_eq!(one("and dollars"), None);
        assert_eq!(one("a dollar store"), Some(1.0));
        // Digits alone are left to the digit reader.
        assert_eq!(one("600 dollars"), None);
        assert_eq!(one("I have two accounts and a card"), None);
    }

    #[test]
    fn the_number_parser_on_its_own() {
        assert_eq!(parse(&["six", "hundred"]), Some(600.0));
        assert_eq!(parse(&["mil"]), Some(1000.0));
        assert_eq!(parse(&["and", "five"]), None);
        assert_eq!(parse(&["five", "and"]), None);
        assert_eq!(parse(&["five", "a"]), None);
        assert_eq!(parse(&["three", "million", "four"]), Some(3_000_004.0));
    }
}
