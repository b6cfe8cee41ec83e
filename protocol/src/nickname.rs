//! The one rule for nicknames, shared by the registration page's server and the client: any
//! script, 1 to 20 characters, normalised to NFC, and nothing that deceives — no control or
//! invisible format characters (bidirectional overrides, zero-width spaces), no name that is
//! blank once invisible characters are set aside, and no participant name that poses as a role.

use crate::locale::Lang;
use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_normalization::UnicodeNormalization;

/// The longest nickname, counted in characters (not bytes), so any script fits the same.
pub const MAX_NICKNAME_CHARS: usize = 20;

/// Words a participant's nickname may not contain, because they would pose as a role the
/// client marks with its own badge (compared after NFKC and lowercasing, spaces removed).
const ROLE_WORDS: [&str; 13] = [
    "スタッフ",
    "すたっふ",
    "相談員",
    "運営",
    "管理者",
    "職員",
    "ファシリテーター",
    "臨床心理士",
    "公認心理師",
    "社会福祉士",
    "staff",
    "admin",
    "counselor",
];

/// Why a nickname was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NicknameError {
    /// Nothing left after trimming, or only invisible characters.
    Empty,
    /// More than [`MAX_NICKNAME_CHARS`] characters.
    TooLong,
    /// Contains control characters (newlines, tabs, escapes...).
    ControlCharacter,
    /// Contains invisible format characters: text-direction overrides, zero-width spaces...
    InvisibleCharacter,
    /// Poses as a role (スタッフ, 相談員...) or as a staff member's name.
    PosesAsStaff,
}

impl NicknameError {
    /// What to tell the person, in `lang`.
    pub fn message(self, lang: Lang) -> &'static str {
        lang.text(match self {
            NicknameError::Empty => "nickname.empty",
            NicknameError::TooLong => "nickname.too_long",
            NicknameError::ControlCharacter => "nickname.control",
            NicknameError::InvisibleCharacter => "nickname.invisible",
            NicknameError::PosesAsStaff => "nickname.poses_as_staff",
        })
    }
}

impl std::fmt::Display for NicknameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message(Lang::Ja))
    }
}

impl std::error::Error for NicknameError {}

/// Characters that draw nothing but are letters or marks, not format characters: Hangul
/// fillers, the braille blank, the combining grapheme joiner, Khmer inherent vowels.
fn draws_nothing(c: char) -> bool {
    matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}' | '\u{034F}' | '\u{17B4}' | '\u{17B5}')
}

/// Trims `raw`, normalises it to NFC and checks it: 1 to 20 characters of any script, no
/// control or invisible format characters, not blank once invisible characters are set aside.
pub fn validate_nickname(raw: &str) -> Result<String, NicknameError> {
    let normalised: String = raw.trim().nfc().collect();
    if normalised.is_empty() {
        return Err(NicknameError::Empty);
    }
    if normalised.chars().any(char::is_control) {
        return Err(NicknameError::ControlCharacter);
    }
    if normalised.chars().any(|c| get_general_category(c) == GeneralCategory::Format) {
        return Err(NicknameError::InvisibleCharacter);
    }
    let visible = normalised.chars().any(|c| {
        !c.is_whitespace()
            && !draws_nothing(c)
            && !matches!(
                get_general_category(c),
                GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark | GeneralCategory::SpacingMark
            )
    });
    if !visible {
        return Err(NicknameError::Empty);
    }
    if normalised.chars().count() > MAX_NICKNAME_CHARS {
        return Err(NicknameError::TooLong);
    }
    Ok(normalised)
}

/// A nickname as it looks, for comparing names that could be mistaken for each other:
/// compatibility-normalised (full-width and half-width alike), lowercased, without spaces.
pub fn nickname_look(nickname: &str) -> String {
    nickname.nfkc().flat_map(char::to_lowercase).filter(|c| !c.is_whitespace() && !draws_nothing(*c)).collect()
}

/// Whether a participant's `nickname` poses as a role, or looks like one of `staff_names`.
pub fn poses_as_staff<'a>(nickname: &str, staff_names: impl IntoIterator<Item = &'a str>) -> bool {
    let look = nickname_look(nickname);
    ROLE_WORDS.iter().any(|word| look.contains(&nickname_look(word)))
        || staff_names.into_iter().any(|name| nickname_look(name) == look)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_any_script() {
        assert_eq!(validate_nickname("  さくら  "), Ok("さくら".into()));
        assert_eq!(validate_nickname("Ana María"), Ok("Ana María".into()));
        assert_eq!(validate_nickname("あ".repeat(20).as_str()), Ok("あ".repeat(20)));
        assert_eq!(validate_nickname("ねこ🐈"), Ok("ねこ🐈".into()));
    }

    #[test]
    fn normalises_to_nfc() {
        // "é" as e + combining acute becomes one character.
        assert_eq!(validate_nickname("Jose\u{301}"), Ok("José".into()));
        // が as か + combining voiced mark.
        assert_eq!(validate_nickname("か\u{3099}"), Ok("が".into()));
    }

    #[test]
    fn refuses_empty_long_and_control() {
        assert_eq!(validate_nickname("   "), Err(NicknameError::Empty));
        assert_eq!(validate_nickname(&"あ".repeat(21)), Err(NicknameError::TooLong));
        assert_eq!(validate_nickname("a\u{0}b"), Err(NicknameError::ControlCharacter));
        assert_eq!(validate_nickname("a\nb"), Err(NicknameError::ControlCharacter));
    }

    #[test]
    fn refuses_what_deceives_the_eye() {
        for name in ["abc\u{202E}fed", "\u{2066}さくら", "さ\u{200B}くら", "\u{FEFF}x", "a\u{200E}b", "x\u{00AD}y"]
        {
            assert_eq!(validate_nickname(name), Err(NicknameError::InvisibleCharacter), "{name:?}");
        }
        for name in ["\u{3000}\u{3000}", "\u{3164}", "\u{2800}\u{2800}", "\u{115F}\u{1160}", "\u{301}"] {
            assert_eq!(validate_nickname(name), Err(NicknameError::Empty), "{name:?}");
        }
    }

    #[test]
    fn participants_cannot_pose_as_staff() {
        let staff = ["やまだ", "Mori"];
        for name in ["スタッフ", "ｽﾀｯﾌ", "運営のさくら", "相談員です", "Staff Ken", "ＳＴＡＦＦ", "や ま だ", "mori"]
        {
            assert!(poses_as_staff(name, staff), "{name}");
        }
        for name in ["さくら", "やまだ2", "もり"] {
            assert!(!poses_as_staff(name, staff), "{name}");
        }
    }
}
