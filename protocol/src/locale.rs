//! The interface's words in Japanese and English, read from `assets/locales/{ja,en}.ron`.
//!
//! Each file is a flat map from a key (`"ui.menu.open"`) to the text, with `{name}` where a value
//! goes. The client and the server's pages ask for a key in the person's language; a key missing
//! from English falls back to Japanese (the files' unit test keeps them equal), and a key missing
//! from both shows the key itself, so nothing is ever blank.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    /// 日本語, the town's first language.
    #[default]
    Ja,
    /// English.
    En,
}

/// The name of the cookie (and the page's `localStorage` key) that keeps a person's choice.
pub const LANG_COOKIE: &str = "ibasho-lang";

const JA_SOURCE: &str = include_str!("../../assets/locales/ja.ron");
const EN_SOURCE: &str = include_str!("../../assets/locales/en.ron");

type Catalogue = HashMap<String, String>;

fn catalogues() -> &'static (Catalogue, Catalogue) {
    static CATALOGUES: OnceLock<(Catalogue, Catalogue)> = OnceLock::new();
    CATALOGUES.get_or_init(|| {
        // Both files are checked by this module's tests: an error here would be a build that
        // never passed them, so an empty catalogue (showing keys) is the honest fallback.
        (ron::from_str(JA_SOURCE).unwrap_or_default(), ron::from_str(EN_SOURCE).unwrap_or_default())
    })
}

impl Lang {
    /// Both languages, Japanese first.
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    /// The language's tag, as in `<html lang>` and the cookie: `ja` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the switch that chooses it.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::Ja => "日本語",
            Lang::En => "English",
        }
    }

    /// The language a tag such as `en-US`, `ja` or `ja-JP` names, if it is one we speak.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first language we speak in a browser's list (`navigator.languages` or an
    /// `Accept-Language` header, whose `;q=` weights are in order in practice); Japanese when
    /// none is.
    pub fn from_preferences<'a>(tags: impl IntoIterator<Item = &'a str>) -> Lang {
        tags.into_iter().find_map(|tag| Lang::from_tag(tag.split(';').next().unwrap_or(""))).unwrap_or_default()
    }

    /// The text for `key` in this language.
    pub fn text(self, key: &str) -> &'static str {
        let (ja, en) = catalogues();
        let own = if self == Lang::En { en.get(key) } else { None };
        match own.or_else(|| ja.get(key)) {
            Some(text) => text.as_str(),
            None => leak_key(key),
        }
    }

    /// The text for `key` with each `{name}` replaced by its value.
    pub fn fill(self, key: &str, values: &[(&str, &dyn Display)]) -> String {
        let mut text = self.text(key).to_owned();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        text
    }
}

/// Words the server puts together once for everyone (open hours, program times, a place in a
/// call for help), in each language the town speaks: every page shows its own, and a switch of
/// language on the page needs nothing new from the server.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Phrase {
    /// In Japanese.
    pub ja: String,
    /// In English.
    pub en: String,
}

impl Phrase {
    /// The phrase worded by `word` in each language.
    pub fn each(mut word: impl FnMut(Lang) -> String) -> Phrase {
        Phrase { ja: word(Lang::Ja), en: word(Lang::En) }
    }

    /// The same text in every language (a time, a name).
    pub fn same(text: impl Into<String>) -> Phrase {
        let text = text.into();
        Phrase { ja: text.clone(), en: text }
    }

    /// The phrase in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// A missing key shows as itself (kept once, so the `&'static` answer costs nothing per frame).
fn leak_key(key: &str) -> &'static str {
    static MISSING: OnceLock<std::sync::Mutex<std::collections::HashSet<&'static str>>> = OnceLock::new();
    let mut missing = MISSING.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = missing.get(key) {
        return known;
    }
    let leaked: &'static str = Box::leak(key.to_owned().into_boxed_str());
    missing.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = text.split('{').skip(1).filter_map(|part| part.split('}').next()).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn both_catalogues_read_and_have_the_same_keys_and_placeholders() {
        let ja: Catalogue = ron::from_str(JA_SOURCE).expect("ja.ron");
        let en: Catalogue = ron::from_str(EN_SOURCE).expect("en.ron");
        let mut only_ja: Vec<&String> = ja.keys().filter(|key| !en.contains_key(*key)).collect();
        let mut only_en: Vec<&String> = en.keys().filter(|key| !ja.contains_key(*key)).collect();
        only_ja.sort();
        only_en.sort();
        assert!(only_ja.is_empty() && only_en.is_empty(), "only in ja: {only_ja:?}; only in en: {only_en:?}");
        for (key, text) in &ja {
            assert_eq!(placeholders(text), placeholders(&en[key]), "{key}");
            assert!(!en[key].trim().is_empty(), "{key} is empty in English");
        }
    }

    #[test]
    fn english_words_have_no_japanese_left_in_them() {
        let en: Catalogue = ron::from_str(EN_SOURCE).expect("en.ron");
        for (key, text) in &en {
            // The language switch names Japanese in its own script on purpose.
            let japanese = text.chars().any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'));
            assert!(!japanese || key.starts_with("lang."), "{key}: {text}");
        }
    }

    /// Every file under `path` (or `path` itself) ending in `extension`, read.
    fn sources(path: &std::path::Path, extension: &str, into: &mut String) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).expect("folder").flatten() {
                sources(&entry.path(), extension, into);
            }
        } else if path.extension().is_some_and(|found| found == extension) {
            into.push_str(&std::fs::read_to_string(path).expect("source"));
        }
    }

    #[test]
    fn every_key_is_used_somewhere() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut code = String::new();
        for (place, extension) in
            [("game/src", "rs"), ("server/src", "rs"), ("protocol/src", "rs"), ("index.html", "html")]
        {
            sources(&root.join(place), extension, &mut code);
        }
        let ja: Catalogue = ron::from_str(JA_SOURCE).expect("ja.ron");
        let mut unused: Vec<&String> = ja.keys().filter(|key| !code.contains(&format!("\"{key}\""))).collect();
        unused.sort();
        assert!(unused.is_empty(), "keys no source uses (remove them from both files): {unused:?}");
    }

    #[test]
    fn a_browser_language_list_chooses_the_first_we_speak() {
        assert_eq!(Lang::from_preferences(["en-US", "ja"]), Lang::En);
        assert_eq!(Lang::from_preferences(["fr-FR", "ja-JP;q=0.8", "en;q=0.5"]), Lang::Ja);
        assert_eq!(Lang::from_preferences(["fr", "de"]), Lang::Ja, "neither: Japanese");
        assert_eq!(Lang::from_preferences("en-GB,en;q=0.9".split(',')), Lang::En);
        assert_eq!(Lang::from_tag("EN_us"), Some(Lang::En));
        assert_eq!(Lang::from_tag(""), None);
    }

    #[test]
    fn values_fill_their_places_and_a_missing_key_shows_itself() {
        assert_eq!(Lang::En.fill("ui.people", &[("count", &3)]), "In town: 3");
        assert_eq!(Lang::Ja.fill("ui.people", &[("count", &3)]), "町にいる人：3人");
        assert_eq!(Lang::En.fill("ui.people", &[]), "In town: {count}", "a value not given stays visible");
        assert_eq!(Lang::En.text("no.such.key"), "no.such.key");
    }
}
