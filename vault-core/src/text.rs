//! Text that people read: which characters can make one label pass for another.

/// Characters that show nothing yet change how text around them is shown or compared: the
/// bidirectional embeddings, overrides, isolates and marks (which can display `exe.gnp` as
/// `png.exe`), zero-width spaces and joiners of words, the byte-order mark, the soft hyphen,
/// interlinear annotation marks and tag characters. The zero-width joiner and non-joiner stay
/// allowed: several scripts need them to write names correctly.
#[must_use]
pub fn is_hidden_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

#[cfg(test)]
mod tests {
    use super::is_hidden_format;

    #[test]
    fn direction_overrides_and_zero_width_spaces_are_hidden_format() {
        for c in [
            '\u{202E}',
            '\u{2067}',
            '\u{200B}',
            '\u{FEFF}',
            '\u{E0041}',
            '\u{00AD}',
        ] {
            assert!(is_hidden_format(c), "{c:?}");
        }
        for c in ['a', 'é', '–', ' ', '\u{200C}', '\u{200D}', 'ی'] {
            assert!(!is_hidden_format(c), "{c:?}");
        }
    }
}
