//! The closed vocabularies of profiles (need levels, legal and approval statuses, visibility,
//! months) with the words pages show for each stored value, and the options, checkboxes and
//! need-level selects forms build from them.
//!
//! A stored value outside its list is refused with a message next to its field, so a form
//! edited by hand cannot store a word the pages and search do not know.

use super::page::FieldErrors;
use super::profile_fields::Fields;

/// A closed list of stored values and the words pages show for them.
pub type Words = &'static [(&'static str, &'static str)];

/// How much of a need a child has, or a family can meet.
pub const LEVELS: Words = &[
    ("none", "None"),
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
];

/// The legal footing of a child's placement.
pub const LEGAL_STATUSES: Words = &[
    ("placement_order", "Placement order"),
    ("interim_care_order", "Interim care order"),
    ("care_order", "Care order"),
    (
        "early_permanence",
        "Early permanence / Fostering for Adoption",
    ),
    ("relinquished", "Relinquished"),
];

/// Where a family stands in its assessment.
pub const APPROVAL_STATUSES: Words = &[
    ("in_assessment", "In assessment"),
    ("approved", "Approved"),
    ("on_hold", "On hold"),
];

/// Whether a family hopes to adopt or to foster.
pub const FAMILY_KINDS: Words = &[("adoption", "Adoption"), ("fostering", "Fostering")];

/// Who may see a profile besides its own organisation.
pub const VISIBILITY: Words = &[
    ("own", "Our organisation only"),
    ("named", "Named organisations"),
    ("all", "All licensed organisations"),
];

/// Whether a profile takes part in search.
pub const STATUSES: Words = &[("active", "Active"), ("archived", "Archived")];

/// Months by number, for birth dates.
pub const MONTHS: Words = &[
    ("1", "January"),
    ("2", "February"),
    ("3", "March"),
    ("4", "April"),
    ("5", "May"),
    ("6", "June"),
    ("7", "July"),
    ("8", "August"),
    ("9", "September"),
    ("10", "October"),
    ("11", "November"),
    ("12", "December"),
];

/// The four kinds of need, as pages name them.
pub const NEED_NAMES: [&str; 4] = ["Health", "Development", "Education", "Contact arrangements"];

/// The words for a stored value; the value itself when the list does not know it.
#[must_use]
pub fn label(words: Words, value: &str) -> &str {
    words
        .iter()
        .find(|(v, _)| *v == value)
        .map_or(value, |(_, l)| l)
}

/// Accepts `value` only when it is one of `words`.
pub fn one_of(words: Words, value: &str) -> Result<String, String> {
    let value = value.trim();
    if words.iter().any(|(v, _)| *v == value) {
        Ok(value.to_owned())
    } else {
        Err("Choose one of the options.".to_owned())
    }
}

/// One `<option>`, checkbox or radio button of a form.
pub struct Opt {
    /// What the form sends.
    pub value: String,
    /// What the person reads.
    pub label: String,
    /// Whether it is the current choice.
    pub selected: bool,
}

/// Options from a closed list, `current` selected.
#[must_use]
pub fn options(words: Words, current: &str) -> Vec<Opt> {
    words
        .iter()
        .map(|(v, l)| Opt {
            value: (*v).to_owned(),
            label: (*l).to_owned(),
            selected: *v == current,
        })
        .collect()
}

/// Options from (id, name) pairs read from the database, those in `current` selected.
#[must_use]
pub fn options_of(pairs: &[(String, String)], current: &[String]) -> Vec<Opt> {
    pairs
        .iter()
        .map(|(v, l)| Opt {
            value: v.clone(),
            label: l.clone(),
            selected: current.contains(v),
        })
        .collect()
}

/// Four need levels under the field names of one kind of profile.
#[derive(Clone)]
pub struct Levels {
    keys: [&'static str; 4],
    /// The levels, in the order of [`NEED_NAMES`].
    pub values: [String; 4],
}

/// One need level as a form shows it.
pub struct LevelView {
    /// Field name and id.
    pub key: &'static str,
    /// The need, in words.
    pub label: &'static str,
    /// The four levels.
    pub opts: Vec<Opt>,
}

impl Levels {
    /// Levels stored under `keys`, from stored or posted values.
    #[must_use]
    pub fn new(keys: [&'static str; 4], values: [String; 4]) -> Self {
        Self { keys, values }
    }

    /// The posted levels.
    #[must_use]
    pub fn read(keys: [&'static str; 4], fields: &Fields) -> Self {
        Self::new(keys, keys.map(|k| fields.one(k).trim().to_owned()))
    }

    /// A message next to each level that is not one of [`LEVELS`].
    pub fn check(&self, errors: &mut FieldErrors) {
        for (key, value) in self.keys.iter().zip(&self.values) {
            if one_of(LEVELS, value).is_err() {
                errors.add(key, "Choose none, low, medium or high.");
            }
        }
    }

    /// The selects of a form.
    #[must_use]
    pub fn view(&self) -> Vec<LevelView> {
        self.keys
            .iter()
            .zip(NEED_NAMES)
            .zip(&self.values)
            .map(|((key, label), value)| LevelView {
                key,
                label,
                opts: options(LEVELS, value),
            })
            .collect()
    }

    /// "Health: low; Development: none; …" for a profile page.
    #[must_use]
    pub fn words(&self) -> Vec<(&'static str, &'static str)> {
        NEED_NAMES
            .iter()
            .zip(&self.values)
            .map(|(name, value)| (*name, label_static(LEVELS, value)))
            .collect()
    }
}

fn label_static(words: Words, value: &str) -> &'static str {
    words
        .iter()
        .find(|(v, _)| *v == value)
        .map_or("not given", |(_, l)| l)
}
