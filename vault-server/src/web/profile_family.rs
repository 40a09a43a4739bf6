//! A family profile's fields: reading them from the staff form or from the family's own form,
//! checking them, comparing two versions for the activity trail, and storing them.
//!
//! Adopters and foster carers may change only their household and preferences (when their
//! organisation allows it); [`FamilyValues::read_own`] takes just those fields from a post and
//! keeps everything else as stored, so the rest cannot be changed by adding fields to a form.

use vault_core::ids::UserId;

use super::form;
use super::page::FieldErrors;
use super::profile_fields::{
    changed, check_choice, check_text, Choices, Fields, ProfileValues, Sharing,
};
use super::profile_words::{Levels, APPROVAL_STATUSES, FAMILY_KINDS};

pub(super) const MEET_KEYS: [&str; 4] = [
    "meet_health",
    "meet_development",
    "meet_education",
    "meet_contact",
];

/// The household and preference fields, the ones a family may change itself:
/// (field name, words for the trail).
const OWN_FIELDS: [(&str, &str); 7] = [
    ("adults", "adults"),
    ("children_at_home", "children at home"),
    ("household", "household"),
    ("age_min", "youngest age"),
    ("age_max", "oldest age"),
    ("children_max", "number of children"),
    ("description", "description"),
];

/// Every field of a family profile; numbers stay text as typed until checked.
#[derive(Clone)]
pub struct FamilyValues {
    /// Name shown on the profile, such as "Sam and Alex".
    pub name: String,
    /// adoption or fostering.
    pub family_kind: String,
    /// The household and preference fields, in the order of `OWN_FIELDS`.
    pub own: [String; 7],
    /// `in_assessment`, approved or `on_hold`.
    pub approval_status: String,
    /// Terms of approval, such as "approved for 1–2 children aged 0–4".
    pub approval_terms: String,
    /// Levels of need they can meet.
    pub meets: Levels,
    /// The adopter's or carer's own account, or "".
    pub account: String,
    /// Region, social worker, case, visibility, status.
    pub sharing: Sharing,
}

/// Indexes into [`FamilyValues::own`].
pub mod own {
    /// Adults in the household, 1 to 6.
    pub const ADULTS: usize = 0;
    /// Children already at home, 0 to 10.
    pub const AT_HOME: usize = 1;
    /// The household in words.
    pub const HOUSEHOLD: usize = 2;
    /// Youngest age hoped for, 0 to 17.
    pub const AGE_MIN: usize = 3;
    /// Oldest age hoped for, 0 to 17.
    pub const AGE_MAX: usize = 4;
    /// Most children at once, 1 to 4.
    pub const CHILDREN_MAX: usize = 5;
    /// About the family.
    pub const DESCRIPTION: usize = 6;
}

/// The household and preference fields as a form shows them.
pub struct OwnView {
    /// Adults, as typed.
    pub adults: String,
    /// Children at home, as typed.
    pub children_at_home: String,
    /// Household in words.
    pub household: String,
    /// Youngest age, as typed.
    pub age_min: String,
    /// Oldest age, as typed.
    pub age_max: String,
    /// Number of children, as typed.
    pub children_max: String,
    /// About the family.
    pub description: String,
}

/// A checked number field's value.
pub(super) fn num(value: &str) -> i64 {
    value.parse().unwrap_or(0)
}

impl FamilyValues {
    /// The household and preference fields for a form or a page.
    #[must_use]
    pub fn own_view(&self) -> OwnView {
        let [adults, children_at_home, household, age_min, age_max, children_max, description] =
            self.own.clone();
        OwnView {
            adults,
            children_at_home,
            household,
            age_min,
            age_max,
            children_max,
            description,
        }
    }

    /// The stored values with the household and preferences the family posted.
    #[must_use]
    pub fn read_own(&self, fields: &Fields) -> Self {
        let mut values = self.clone();
        values.own = OWN_FIELDS.map(|(key, _)| fields.one(key).to_owned());
        values
    }

    /// Normalises every field and answers the messages of those that are wrong; `accounts`
    /// are the family accounts the profile may be given.
    pub fn check(&mut self, choices: &Choices, accounts: &[(String, String)]) -> FieldErrors {
        let mut errors = FieldErrors::new();
        match form::required(&self.name, 80, false) {
            Ok(name) => self.name = name,
            Err(message) => errors.add("name", message),
        }
        check_choice(
            &mut self.family_kind,
            "family_kind",
            FAMILY_KINDS,
            &mut errors,
        );
        self.check_own(&mut errors);
        check_choice(
            &mut self.approval_status,
            "approval_status",
            APPROVAL_STATUSES,
            &mut errors,
        );
        check_text(
            &mut self.approval_terms,
            "approval_terms",
            500,
            false,
            &mut errors,
        );
        self.meets.check(&mut errors);
        if !self.account.is_empty() && !accounts.iter().any(|(id, _)| *id == self.account) {
            errors.add(
                "account",
                "Choose an adopter's or foster carer's account, or none.",
            );
        }
        self.sharing.check(choices, &mut errors);
        errors
    }

    /// Checks the household and preference fields alone.
    pub fn check_own(&mut self, errors: &mut FieldErrors) {
        let ranges = [
            (own::ADULTS, 1, 6),
            (own::AT_HOME, 0, 10),
            (own::AGE_MIN, 0, 17),
            (own::AGE_MAX, 0, 17),
            (own::CHILDREN_MAX, 1, 4),
        ];
        for (i, min, max) in ranges {
            match form::number(&self.own[i], min, max) {
                Ok(n) => self.own[i] = n.to_string(),
                Err(message) => errors.add(OWN_FIELDS[i].0, message),
            }
        }
        if errors.get("age_min").is_none()
            && errors.get("age_max").is_none()
            && num(&self.own[own::AGE_MIN]) > num(&self.own[own::AGE_MAX])
        {
            errors.add(
                "age_max",
                "The oldest age must be at least the youngest age.",
            );
        }
        check_text(
            &mut self.own[own::HOUSEHOLD],
            "household",
            2000,
            false,
            errors,
        );
        check_text(
            &mut self.own[own::DESCRIPTION],
            "description",
            4000,
            false,
            errors,
        );
    }
}

impl ProfileValues for FamilyValues {
    /// A new profile's form: `creator` as social worker, the organisation's usual region.
    fn blank(creator: UserId, region: String) -> Self {
        Self {
            name: String::new(),
            family_kind: String::new(),
            own: ["2", "0", "", "0", "4", "1", ""].map(str::to_owned),
            approval_status: "in_assessment".to_owned(),
            approval_terms: String::new(),
            meets: Levels::new(MEET_KEYS, ["low", "low", "low", "low"].map(str::to_owned)),
            account: String::new(),
            sharing: Sharing::new(creator, region),
        }
    }

    /// The posted fields of the staff form.
    fn read(fields: &Fields) -> Self {
        Self {
            name: fields.one("name").to_owned(),
            family_kind: fields.one("family_kind").to_owned(),
            own: OWN_FIELDS.map(|(key, _)| fields.one(key).to_owned()),
            approval_status: fields.one("approval_status").to_owned(),
            approval_terms: fields.one("approval_terms").to_owned(),
            meets: Levels::read(MEET_KEYS, fields),
            account: fields.one("account").trim().to_owned(),
            sharing: Sharing::read(fields),
        }
    }

    /// Names of the fields that differ from `old`, for the trail (status apart).
    fn changes(&self, old: &Self) -> Option<String> {
        let mut out = Vec::new();
        for (label, new, was) in [
            ("name", &self.name, &old.name),
            ("adoption or fostering", &self.family_kind, &old.family_kind),
        ] {
            if new != was {
                out.push(label);
            }
        }
        for ((_, label), (new, was)) in OWN_FIELDS.iter().zip(self.own.iter().zip(&old.own)) {
            if new != was {
                out.push(*label);
            }
        }
        for (label, new, was) in [
            (
                "approval status",
                &self.approval_status,
                &old.approval_status,
            ),
            ("approval terms", &self.approval_terms, &old.approval_terms),
            ("own account", &self.account, &old.account),
        ] {
            if new != was {
                out.push(label);
            }
        }
        if self.meets.values != old.meets.values {
            out.push("needs they can meet");
        }
        self.sharing.changes(&old.sharing, &mut out);
        changed(&out)
    }

    fn shared(&self) -> &Sharing {
        &self.sharing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> FamilyValues {
        FamilyValues::blank(UserId::new(), "North".into())
    }

    #[test]
    fn ages_must_be_in_order_and_numbers_in_range() {
        let mut v = values();
        v.own[own::AGE_MIN] = "6".into();
        v.own[own::AGE_MAX] = "3".into();
        v.own[own::ADULTS] = "7".into();
        let mut errors = FieldErrors::new();
        v.check_own(&mut errors);
        assert_eq!(
            errors.get("age_max"),
            Some("The oldest age must be at least the youngest age.")
        );
        assert_eq!(
            errors.get("adults"),
            Some("Enter a whole number from 1 to 6.")
        );
    }

    #[test]
    fn a_family_post_changes_only_household_and_preferences() {
        let stored = values();
        let fields: Fields = serde_html_form::from_str(
            "name=Other&approval_status=approved&adults=1&children_at_home=0&household=&\
             age_min=0&age_max=4&children_max=1&description=We%20love%20walks",
        )
        .unwrap();
        let mine = stored.read_own(&fields);
        assert_eq!(mine.name, stored.name);
        assert_eq!(mine.approval_status, "in_assessment");
        assert_eq!(
            mine.changes(&stored).as_deref(),
            Some("changed adults, description")
        );
    }
}
