//! Text that people read: which characters can make one label pass for another.

/// Characters that show nothing, or nothing distinct, yet change how text around them is shown
/// or compared: the bidirectional embeddings, overrides, isolates and marks (which can display
/// `exe.gnp` as `png.exe`), zero-width spaces and word joiners, the byte-order mark, the soft
/// hyphen, the combining grapheme joiner, variation selectors, Hangul and Khmer fillers,
/// Mongolian free variation selectors, musical-notation format controls, interlinear
/// annotation marks, tag characters, and the line and paragraph separators (which break a
/// line like a newline). The zero-width joiner and non-joiner stay allowed: several scripts
/// need them to write names correctly.
#[must_use]
pub fn is_hidden_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'
            | '\u{200E}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
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
