//! The one rule for nicknames, shared by the registration page's server and the client.

use thiserror::Error;

/// The longest nickname, counted in characters (not bytes), so any script fits the same.
pub const MAX_NICKNAME_CHARS: usize = 20;

/// Why a nickname was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NicknameError {
    /// Nothing left after trimming.
    #[error("ニックネームを入力してください")]
    Empty,
    /// More than [`MAX_NICKNAME_CHARS`] characters.
    #[error("ニックネームは20文字までです")]
    TooLong,
    /// Contains control characters (newlines, tabs, escapes...).
    #[error("ニックネームに使えない文字が含まれています")]
    ControlCharacter,
}

/// Trims `raw` and checks it: 1 to 20 characters of any script, no control characters.
pub fn validate_nickname(raw: &str) -> Result<String, NicknameError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(NicknameError::Empty);
    }
    if trimmed.chars().any(char::is_control) {
        return Err(NicknameError::ControlCharacter);
    }
    if trimmed.chars().count() > MAX_NICKNAME_CHARS {
        return Err(NicknameError::TooLong);
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_any_script() {
        assert_eq!(validate_nickname("  さくら  "), Ok("さくら".into()));
        assert_eq!(validate_nickname("Ana María"), Ok("Ana María".into()));
        assert_eq!(validate_nickname("あ".repeat(20).as_str()), Ok("あ".repeat(20)));
    }

    #[test]
    fn refuses_empty_long_and_control() {
        assert_eq!(validate_nickname("   "), Err(NicknameError::Empty));
        assert_eq!(validate_nickname(&"あ".repeat(21)), Err(NicknameError::TooLong));
        assert_eq!(validate_nickname("a\u{0}b"), Err(NicknameError::ControlCharacter));
        assert_eq!(validate_nickname("a\nb"), Err(NicknameError::ControlCharacter));
    }
}
