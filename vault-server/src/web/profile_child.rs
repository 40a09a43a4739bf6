//! A child profile's fields: reading them from the form, checking them, comparing two
//! versions for the activity trail, and storing them.
//!
//! One profile holds one child or a sibling group of up to [`ROWS`] children, each with a
//! first name or an anonymised label and a birth month and year. The form always shows
//! [`ROWS`] rows so that it works without script; empty rows are left out. A post with more
//! rows, or whose names, months and years differ in number, is refused as a whole rather than
//! cut to fit: a row dropped or shifted without a word would change a child's record.

use vault_core::ids::UserId;

use super::page::FieldErrors;
use super::profile_fields::{
    changed, check_choice, check_text, join_names, Choices, Fields, ProfileValues, Sharing,
};
use super::profile_words::{options, Levels, Opt, LEGAL_STATUSES, MONTHS};

/// Children one profile holds at most.
pub const ROWS: usize = 4;

const NAME_KEYS: [&str; ROWS] = [
    "child_name_1",
    "child_name_2",
    "child_name_3",
    "child_name_4",
];
const MONTH_KEYS: [&str; ROWS] = [
    "birth_month_1",
    "birth_month_2",
    "birth_month_3",
    "birth_month_4",
];
const YEAR_KEYS: [&str; ROWS] = [
    "birth_year_1",
    "birth_year_2",
    "birth_year_3",
    "birth_year_4",
];
pub(super) const NEED_KEYS: [&str; 4] = [
    "need_health",
    "need_development",
    "need_education",
    "need_contact",
];

/// Key of the message about the rows as a whole, shown above them (the fieldset's id).
pub(super) const ROWS_KEY: &str = "children";
const TOO_MANY_ROWS: &str =
    "A profile holds at most 4 children: the form sent more rows, so nothing was saved.";
const ROWS_MISMATCHED: &str = "Each child needs a name, a month and a year in one row: the \
     form sent rows that do not line up, so nothing was saved.";

/// Months in 18 years: a profiled child is younger.
const ADULT_MONTHS: i64 = 18 * 12;

/// One child of the profile, as typed or stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// First name or anonymised label.
    pub name: String,
    /// Birth month, 1 to 12, as text.
    pub month: String,
    /// Birth year, as text.
    pub year: String,
}

impl Row {
    fn is_empty(&self) -> bool {
        self.name.trim().is_empty() && self.month.trim().is_empty() && self.year.trim().is_empty()
    }

    /// The month and year as numbers, once checked.
    #[must_use]
    pub fn born(&self) -> (i64, i64) {
        (
            self.month.parse().unwrap_or(1),
            self.year.parse().unwrap_or(0),
        )
    }
}

/// One row of the form.
pub struct RowView {
    /// 1 to [`ROWS`].
    pub n: usize,
    /// Ids of its three inputs.
    pub name_key: &'static str,
    /// Id of the month select.
    pub month_key: &'static str,
    /// Id of the year input.
    pub year_key: &'static str,
    /// Name as typed.
    pub name: String,
    /// Month select.
    pub months: Vec<Opt>,
    /// Year as typed.
    pub year: String,
}

/// Every field of a child profile.
pub struct ChildValues {
    /// The children, in order; empty rows only while a form is shown.
    pub rows: Vec<Row>,
    /// Why the posted rows cannot be read as children at all (too many, not lined up).
    pub rows_refused: Option<&'static str>,
    /// placement_order, interim_care_order, care_order, early_permanence or relinquished.
    pub legal_status: String,
    /// Levels of need.
    pub needs: Levels,
    /// Free text about needs.
    pub needs_notes: String,
    /// What the children like.
    pub likes: String,
    /// Personality.
    pub personality: String,
    /// Region, social worker, case, visibility, status.
    pub sharing: Sharing,
}

/// Year and month of today (UTC), for birth date checks and ages.
#[must_use]
pub fn this_month() -> (i64, i64) {
    let today = time::OffsetDateTime::now_utc().date();
    (i64::from(today.year()), i64::from(u8::from(today.month())))
}

/// "3 years", "1 year", "7 months" old in month `today` for a child born `born`.
#[must_use]
pub fn age_text((month, year): (i64, i64), (today_year, today_month): (i64, i64)) -> String {
    let months = (today_year - year) * 12 + (today_month - month);
    match months {
        ..=0 => "under a month".to_owned(),
        1 => "1 month".to_owned(),
        2..=11 => format!("{months} months"),
        12..=23 => "1 year".to_owned(),
        _ => format!("{} years", months / 12),
    }
}

impl ChildValues {
    /// Normalises every field and answers the messages of those that are wrong. Empty rows
    /// are dropped, so that the stored positions have no gaps.
    pub fn check(&mut self, choices: &Choices, today: (i64, i64)) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if let Some(message) = self.rows_refused {
            errors.add(ROWS_KEY, message);
        }
        for (i, row) in self.rows.iter_mut().enumerate() {
            check_row(row, i, today, &mut errors);
        }
        if self.rows.iter().all(Row::is_empty) {
            errors.add(
                NAME_KEYS[0],
                "Enter at least one child: a first name or label, and the month and year of birth.",
            );
        }
        check_choice(
            &mut self.legal_status,
            "legal_status",
            LEGAL_STATUSES,
            &mut errors,
        );
        self.needs.check(&mut errors);
        check_text(
            &mut self.needs_notes,
            "needs_notes",
            4000,
            false,
            &mut errors,
        );
        check_text(&mut self.likes, "likes", 2000, false, &mut errors);
        check_text(
            &mut self.personality,
            "personality",
            2000,
            false,
            &mut errors,
        );
        self.sharing.check(choices, &mut errors);
        if errors.is_empty() {
            self.rows.retain(|row| !row.is_empty());
        }
        errors
    }

    /// The rows of the form: the children, then empty rows up to [`ROWS`].
    #[must_use]
    pub fn row_views(&self) -> Vec<RowView> {
        (0..ROWS)
            .map(|i| {
                let row = self.rows.get(i).cloned().unwrap_or_default();
                RowView {
                    n: i + 1,
                    name_key: NAME_KEYS[i],
                    month_key: MONTH_KEYS[i],
                    year_key: YEAR_KEYS[i],
                    months: options(MONTHS, row.month.trim()),
                    name: row.name,
                    year: row.year,
                }
            })
            .collect()
    }

    /// The children's names, as the profile is called: "Mia and Leo".
    #[must_use]
    pub fn names(&self) -> String {
        let names: Vec<String> = self.rows.iter().map(|r| r.name.clone()).collect();
        join_names(&names)
    }
}

impl ProfileValues for ChildValues {
    /// A new profile's form: `creator` as social worker, the organisation's usual region.
    fn blank(creator: UserId, region: String) -> Self {
        Self {
            rows: Vec::new(),
            rows_refused: None,
            legal_status: String::new(),
            needs: Levels::new(
                NEED_KEYS,
                ["none", "none", "none", "none"].map(str::to_owned),
            ),
            needs_notes: String::new(),
            likes: String::new(),
            personality: String::new(),
            sharing: Sharing::new(creator, region),
        }
    }

    /// The posted fields.
    fn read(fields: &Fields) -> Self {
        let (names, months, years) = (
            fields.all("child_name"),
            fields.all("birth_month"),
            fields.all("birth_year"),
        );
        let at = |list: &[&str], i: usize| list.get(i).map_or(String::new(), |v| (*v).to_owned());
        let most = names.len().max(months.len()).max(years.len());
        let rows_refused = if most > ROWS {
            Some(TOO_MANY_ROWS)
        } else if names.len() != most || months.len() != most || years.len() != most {
            Some(ROWS_MISMATCHED)
        } else {
            None
        };
        // The form shown again keeps the first rows as sent; with a message nothing is saved.
        let count = most.min(ROWS);
        let rows = (0..count)
            .map(|i| Row {
                name: at(&names, i),
                month: at(&months, i),
                year: at(&years, i),
            })
            .collect();
        Self {
            rows,
            rows_refused,
            legal_status: fields.one("legal_status").to_owned(),
            needs: Levels::read(NEED_KEYS, fields),
            needs_notes: fields.one("needs_notes").to_owned(),
            likes: fields.one("likes").to_owned(),
            personality: fields.one("personality").to_owned(),
            sharing: Sharing::read(fields),
        }
    }

    /// Names of the fields that differ from `old`, for the trail (status apart).
    fn changes(&self, old: &Self) -> Option<String> {
        let mut out = Vec::new();
        if self.rows != old.rows {
            out.push("children");
        }
        if self.legal_status != old.legal_status {
            out.push("legal status");
        }
        if self.needs.values != old.needs.values {
            out.push("needs");
        }
        for (label, new, was) in [
            ("needs notes", &self.needs_notes, &old.needs_notes),
            ("likes", &self.likes, &old.likes),
            ("personality", &self.personality, &old.personality),
        ] {
            if new != was {
                out.push(label);
            }
        }
        self.sharing.changes(&old.sharing, &mut out);
        changed(&out)
    }

    fn shared(&self) -> &Sharing {
        &self.sharing
    }
}

fn check_row(row: &mut Row, i: usize, (year_now, month_now): (i64, i64), errors: &mut FieldErrors) {
    if row.is_empty() {
        return;
    }
    match super::form::required(&row.name, 60, false) {
        Ok(name) => row.name = name,
        Err(message) => errors.add(NAME_KEYS[i], message),
    }
    let month = super::form::number(&row.month, 1, 12);
    if month.is_err() {
        errors.add(MONTH_KEYS[i], "Choose the month of birth.");
    }
    let year = super::form::number(&row.year, 1000, 9999);
    if year.is_err() {
        errors.add(
            YEAR_KEYS[i],
            "Enter the year of birth as four digits, such as 2019.",
        );
    }
    if let (Ok(month), Ok(year)) = (month, year) {
        row.month = month.to_string();
        row.year = year.to_string();
        let age = (year_now - year) * 12 + (month_now - month);
        if age < 0 {
            errors.add(YEAR_KEYS[i], "The birth date cannot be in the future.");
        } else if age >= ADULT_MONTHS {
            errors.add(
                YEAR_KEYS[i],
                "A profiled child must be under 18: enter a date less than 18 years ago.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, month: &str, year: &str) -> Row {
        Row {
            name: name.into(),
            month: month.into(),
            year: year.into(),
        }
    }

    #[test]
    fn birth_dates_must_be_past_and_under_eighteen_years() {
        let today = (2026, 6);
        let mut errors = FieldErrors::new();
        check_row(&mut row("Mia", "7", "2026"), 0, today, &mut errors);
        assert_eq!(
            errors.get("birth_year_1"),
            Some("The birth date cannot be in the future.")
        );
        let mut errors = FieldErrors::new();
        check_row(&mut row("Leo", "6", "2008"), 1, today, &mut errors);
        assert!(errors.get("birth_year_2").unwrap().contains("under 18"));
        let mut errors = FieldErrors::new();
        check_row(&mut row("Ava", "7", "2008"), 2, today, &mut errors);
        check_row(&mut row("", "", ""), 3, today, &mut errors);
        assert!(errors.is_empty());
    }

    #[test]
    fn ages_read_in_months_then_years() {
        assert_eq!(age_text((6, 2026), (2026, 6)), "under a month");
        assert_eq!(age_text((1, 2026), (2026, 6)), "5 months");
        assert_eq!(age_text((6, 2025), (2026, 6)), "1 year");
        assert_eq!(age_text((7, 2020), (2026, 6)), "5 years");
    }
}
