//! The font's interface cut (`assets/fonts/BIZUDPGothic-ui.ttf`, awaited before the town opens)
//! draws every character the project's own text uses, and the full cut draws all of those too:
//! a new message in a kanji the cut lacks fails here instead of showing a box in the town.

use std::path::{Path, PathBuf};

use skrifa::{FontRef, MetadataProvider};

/// Where the interface's text lives (kept in step with `assets/fonts/make_font.py`).
const SOURCES: [(&str, &str); 6] = [
    ("game/src", "rs"),
    ("server/src", "rs"),
    ("protocol/src", "rs"),
    ("assets/maps", "ron"),
    ("assets/locales", "ron"),
    ("index.html", "html"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files(path: &Path, extension: &str, found: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("a source folder").flatten() {
            files(&entry.path(), extension, found);
        }
    } else if path.extension().is_some_and(|x| x == extension) {
        found.push(path.to_path_buf());
    }
}

/// Characters past ASCII in the sources, each with a file it was found in.
fn source_characters() -> Vec<(char, PathBuf)> {
    let mut paths = Vec::new();
    for (place, extension) in SOURCES {
        files(&root().join(place), extension, &mut paths);
    }
    assert!(paths.len() > 50, "the sources were found ({} files)", paths.len());
    let mut seen = std::collections::BTreeMap::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("a UTF-8 source");
        for c in text.chars().filter(|c| !c.is_ascii() && !c.is_control()) {
            seen.entry(c).or_insert_with(|| path.clone());
        }
    }
    seen.into_iter().collect()
}

fn missing_from(font_file: &str, characters: &[(char, PathBuf)]) -> Vec<String> {
    let bytes = std::fs::read(root().join("assets/fonts").join(font_file)).expect("the font file");
    let font = FontRef::new(&bytes).expect("a valid font");
    let charmap = font.charmap();
    characters
        .iter()
        // Variation selectors and joiners have no glyph of their own; emoji (past the Basic
        // Multilingual Plane) are in neither cut nor the font: only comments and tests write them.
        .filter(|(c, _)| !matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{200B}'..='\u{200F}') && (*c as u32) < 0x10000)
        .filter(|(c, _)| charmap.map(*c).is_none())
        .map(|(c, path)| format!("{c} (U+{:04X}, {})", *c as u32, path.display()))
        .collect()
}

#[test]
fn the_interface_cut_draws_every_character_the_sources_write() {
    let characters = source_characters();
    assert!(characters.iter().any(|(c, _)| *c == '町'), "Japanese text was found in the sources");
    let missing = missing_from("BIZUDPGothic-ui.ttf", &characters);
    assert!(missing.is_empty(), "run `python3 assets/fonts/make_font.py`; the interface cut lacks: {missing:?}");
}

#[test]
fn the_full_cut_draws_what_the_interface_cut_draws_and_the_jis_kanji() {
    let characters = source_characters();
    let missing = missing_from("BIZUDPGothic-ibasho.ttf", &characters);
    assert!(missing.is_empty(), "run `python3 assets/fonts/make_font.py`; the full cut lacks: {missing:?}");
    // 鬱 and 蘭 are JIS level 2 kanji that a name may hold and no message uses.
    let rare = [('鬱', PathBuf::new()), ('蘭', PathBuf::new())];
    assert!(missing_from("BIZUDPGothic-ibasho.ttf", &rare).is_empty(), "the full cut holds level 2 kanji");
    assert_eq!(missing_from("BIZUDPGothic-ui.ttf", &rare).len(), 2, "the interface cut stays small");
}
