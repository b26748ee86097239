//! Embeds each line of standard input and prints its token ids (`T ...`) and embedding
//! (`E ...`), the format of the C reference dump used to produce the test constants:
//!
//! `cargo run -p escalator-encoder --release --example embed -- models/multilingual-e5-small-q4.bin < lines.txt`
use std::io::BufRead;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: embed <model.bin> < lines")?;
    let encoder = escalator_encoder::Encoder::load(path.as_ref())?;
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let ids = encoder.debug_input_ids(&line);
        let content: Vec<String> = ids[1..ids.len() - 1].iter().map(u32::to_string).collect();
        println!("T {}", content.join(" "));
        let e: Vec<String> = encoder
            .embed(&line)?
            .iter()
            .map(|v| format!("{v:.8}"))
            .collect();
        println!("E {}", e.join(" "));
    }
    Ok(())
}
