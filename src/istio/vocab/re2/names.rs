//! The Unicode class names of `\p{...}`: the names Go 1.26's `unicode` package knows (Unicode
//! 15.0.0: `unicode.Categories`, `unicode.Scripts`, `unicode.CategoryAliases`, read from
//! `go doc unicode` of go1.26.4), how Go's `regexp/syntax` looks them up (`unicodeTable` and
//! `canonicalName` in `parse.go`), and the stricter lookup of RE2 (C++), which knows `Any`, the
//! categories but `Cn` and `LC`, and the same scripts, each spelled exactly (`re2/parse.cc`
//! `LookupUnicodeGroup`, `re2/unicode_groups.cc` at google/re2 972a15ce). Names only: what each
//! table holds is not needed to decide what a parser accepts.

/// `unicode.Categories`: the general categories, their one-letter unions, `LC` and `Cn`.
const CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Cn", "Co", "Cs", "L", "LC", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me",
    "Mn", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk",
    "Sm", "So", "Z", "Zl", "Zp", "Zs",
];

/// The categories RE2 has no table for (Go added them in 1.25).
const GO_ONLY_CATEGORIES: &[&str] = &["Cn", "LC"];

/// `unicode.Scripts`.
const SCRIPTS: &[&str] = &[
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cypro_Minoan",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nag_Mundari",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Old_Uyghur",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Toto",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

/// `unicode.CategoryAliases`: the long names of the categories (and four POSIX-style ones).
const CATEGORY_ALIASES: &[&str] = &[
    "Cased_Letter",
    "Close_Punctuation",
    "Combining_Mark",
    "Connector_Punctuation",
    "Control",
    "Currency_Symbol",
    "Dash_Punctuation",
    "Decimal_Number",
    "Enclosing_Mark",
    "Final_Punctuation",
    "Format",
    "Initial_Punctuation",
    "Letter",
    "Letter_Number",
    "Line_Separator",
    "Lowercase_Letter",
    "Mark",
    "Math_Symbol",
    "Modifier_Letter",
    "Modifier_Symbol",
    "Nonspacing_Mark",
    "Number",
    "Open_Punctuation",
    "Other",
    "Other_Letter",
    "Other_Number",
    "Other_Punctuation",
    "Other_Symbol",
    "Paragraph_Separator",
    "Private_Use",
    "Punctuation",
    "Separator",
    "Space_Separator",
    "Spacing_Mark",
    "Surrogate",
    "Symbol",
    "Titlecase_Letter",
    "Unassigned",
    "Uppercase_Letter",
    "cntrl",
    "digit",
    "punct",
];

/// What a `\p{name}` stands for, as far as acceptance and program size need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    /// `Any`: every code point.
    Any,
    /// A table whose contents meshc does not carry.
    Other,
}

/// Go's `canonicalName`: the first letter upper-case, the rest lower-case, and `_`, `-` and
/// spaces dropped (Unicode's loose matching, UAX44-LM3).
fn canonical(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '_' | '-' | ' ') {
            continue;
        }
        if out.is_empty() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Go's `unicodeTable`: the table a name (already stripped of a leading `^`) stands for.
pub(super) fn lookup(name: &str) -> Option<Table> {
    let name = canonical(name);
    match name.as_str() {
        "Any" => return Some(Table::Any),
        "Assigned" | "Ascii" | "Lc" => return Some(Table::Other),
        _ => {}
    }
    let known = |table: &[&str]| table.iter().any(|key| canonical(key) == name);
    (known(CATEGORIES) || known(SCRIPTS) || known(CATEGORY_ALIASES)).then_some(Table::Other)
}

/// Whether RE2 (C++) knows the name as written: `Any`, a category it has a table for, or a
/// script, spelled exactly.
pub(super) fn re2_knows(name: &str) -> bool {
    name == "Any"
        || SCRIPTS.contains(&name)
        || (CATEGORIES.contains(&name) && !GO_ONLY_CATEGORIES.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_matches_names_loosely() {
        for name in [
            "Greek",
            "greek",
            "GREEK",
            "Lu",
            "lu",
            "L",
            "Canadian_Aboriginal",
            "canadian aboriginal",
            "Uppercase_Letter",
            "upper case-let ter",
            "__upper case-let ter",
            "Letter",
            "digit",
            "Cn",
            "LC",
            "Lc",
            "ASCII",
            "ascii",
        ] {
            assert_eq!(lookup(name), Some(Table::Other), "{name}");
        }
        assert_eq!(lookup("Any"), Some(Table::Any));
        assert_eq!(lookup("any"), Some(Table::Any));
        assert_eq!(lookup("Assigned"), Some(Table::Other));
        for name in [
            "",
            "Emoji",
            "Greekk",
            "Latn",
            "IsGreek",
            "White_Space",
            "L&",
        ] {
            assert_eq!(lookup(name), None, "{name}");
        }
    }

    #[test]
    fn re2_wants_the_exact_spelling() {
        for name in ["Any", "Greek", "Lu", "L", "Zs", "Old_Italic", "SignWriting"] {
            assert!(re2_knows(name), "{name}");
        }
        for name in [
            "greek",
            "any",
            "Letter",
            "Cn",
            "LC",
            "ASCII",
            "Assigned",
            "Old Italic",
            "lu",
        ] {
            assert!(!re2_knows(name), "{name}");
        }
    }

    #[test]
    fn tables_hold_what_go_and_re2_list() {
        assert_eq!(CATEGORIES.len(), 38);
        assert_eq!(SCRIPTS.len(), 163);
        assert_eq!(CATEGORY_ALIASES.len(), 42);
    }
}
