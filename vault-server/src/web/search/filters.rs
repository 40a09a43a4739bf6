//! The search filters: what the form sends, how each is checked, and which profiles pass.
//!
//! Every field arrives as text, so that nothing a browser sends fails before it can be shown
//! next to its field. A filter left empty lets everything through. From the families' side
//! a filter asks what a family can take on (an age range that overlaps, room for this many
//! children, at least this level of need); from the children's side what a child profile is
//! (all ages within the range, exactly this many children, needs at most this level).

use serde::Deserialize;
use vault_core::matching::{ChildNeeds, FamilyKind, FamilyOffer, LegalStatus, NeedLevel};

use crate::web::form;
use crate::web::page::FieldErrors;

/// The filters as the form sends them; every field is text so that nothing a browser sends
/// fails before it can be shown next to its field.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    pub child: String,
    pub family: String,
    pub age_min: String,
    pub age_max: String,
    pub siblings: String,
    pub health: String,
    pub development: String,
    pub education: String,
    pub contact: String,
    pub region: String,
    pub legal_status: String,
    pub kind: String,
}

/// The filters once checked.
#[derive(Default)]
pub struct Checked {
    ages: Option<(u32, u32)>,
    siblings: Option<u32>,
    needs: [Option<NeedLevel>; 4],
    region: Option<String>,
    legal_status: Option<LegalStatus>,
    kind: Option<FamilyKind>,
}

/// Checks every filter; a bad one gets its message in `errors` and is left out.
pub fn check(f: &Filters, errors: &mut FieldErrors) -> Checked {
    let mut out = Checked::default();
    let age = |v: &str| -> Result<Option<u32>, String> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        form::number(v, 0, 18).map(|n| Some(u32::try_from(n).unwrap_or(0)))
    };
    let min = age(&f.age_min)
        .map_err(|m| errors.add("age_min", m))
        .ok()
        .flatten();
    let max = age(&f.age_max)
        .map_err(|m| errors.add("age_max", m))
        .ok()
        .flatten();
    match (min, max) {
        (Some(a), Some(b)) if a > b => {
            errors.add("age_max", "Enter an age no lower than the youngest age.");
        }
        (None, None) => {}
        (a, b) => out.ages = Some((a.unwrap_or(0), b.unwrap_or(18))),
    }
    if !f.siblings.trim().is_empty() {
        match form::number(&f.siblings, 1, 10) {
            Ok(n) => out.siblings = Some(u32::try_from(n).unwrap_or(1)),
            Err(m) => errors.add("siblings", m),
        }
    }
    let areas = [
        ("health", &f.health),
        ("development", &f.development),
        ("education", &f.education),
        ("contact", &f.contact),
    ];
    for (i, (field, value)) in areas.into_iter().enumerate() {
        out.needs[i] = choice(value, field, errors);
    }
    match form::text(&f.region, 100, false) {
        Ok(r) if r.is_empty() => {}
        Ok(r) => out.region = Some(r),
        Err(m) => errors.add("region", m),
    }
    out.legal_status = choice(&f.legal_status, "legal_status", errors);
    out.kind = choice(&f.kind, "kind", errors);
    out
}

/// An optional choice from a list; anything not on the list is a field error.
fn choice<T: std::str::FromStr>(
    value: &str,
    field: &'static str,
    errors: &mut FieldErrors,
) -> Option<T> {
    if value.is_empty() {
        return None;
    }
    value
        .parse()
        .map_err(|_| errors.add(field, "Choose one of the options in the list."))
        .ok()
}

fn same_region(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Whether a family offering `o` passes the filters of a search for families.
#[must_use]
pub fn family_passes(o: &FamilyOffer, c: &Checked) -> bool {
    let overlaps = c.ages.is_none_or(|(a, b)| o.age_min <= b && o.age_max >= a);
    let room = c.siblings.is_none_or(|n| o.children_max >= n);
    let meets = o
        .can_meet
        .areas()
        .iter()
        .zip(c.needs)
        .all(|((_, can), want)| want.is_none_or(|w| *can >= w));
    let region = c
        .region
        .as_deref()
        .is_none_or(|r| same_region(r, &o.region));
    let kind = c.kind.is_none_or(|k| k == o.kind);
    overlaps && room && meets && region && kind
}

/// Whether a child profile needing `n`, with children of `ages`, passes the filters of a
/// search for children.
#[must_use]
pub fn child_passes(n: &ChildNeeds, ages: &[u32], c: &Checked) -> bool {
    let in_range = c
        .ages
        .is_none_or(|(a, b)| ages.iter().all(|age| (a..=b).contains(age)));
    let group = c
        .siblings
        .is_none_or(|s| u32::try_from(ages.len()).is_ok_and(|len| len == s));
    let needs = n
        .needs
        .areas()
        .iter()
        .zip(c.needs)
        .all(|((_, need), most)| most.is_none_or(|m| *need <= m));
    let region = c
        .region
        .as_deref()
        .is_none_or(|r| same_region(r, &n.region));
    let legal = c.legal_status.is_none_or(|l| l == n.legal_status);
    in_range && group && needs && region && legal
}

#[cfg(test)]
mod tests {
    use super::*;
    use vault_core::matching::{Needs, YearMonth};

    fn filters(pairs: &[(&str, &str)]) -> Filters {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        serde_html_form::from_str(&query).unwrap()
    }

    fn checked(pairs: &[(&str, &str)]) -> (Checked, FieldErrors) {
        let mut errors = FieldErrors::new();
        let c = check(&filters(pairs), &mut errors);
        (c, errors)
    }

    fn needs(level: NeedLevel) -> Needs {
        Needs {
            health: level,
            development: NeedLevel::None,
            education: NeedLevel::None,
            contact: NeedLevel::None,
        }
    }

    fn offer() -> FamilyOffer {
        FamilyOffer {
            kind: FamilyKind::Adoption,
            can_meet: needs(NeedLevel::Medium),
            age_min: 2,
            age_max: 6,
            children_max: 2,
            region: "North West".to_owned(),
        }
    }

    fn child() -> ChildNeeds {
        ChildNeeds {
            births: vec![YearMonth::new(2020, 1).unwrap()],
            needs: needs(NeedLevel::High),
            region: "north west".to_owned(),
            legal_status: LegalStatus::CareOrder,
        }
    }

    #[test]
    fn empty_filters_let_everything_through() {
        let (c, errors) = checked(&[("age_min", ""), ("health", ""), ("region", "  ")]);
        assert!(errors.is_empty());
        assert!(family_passes(&offer(), &c));
        assert!(child_passes(&child(), &[6], &c));
    }

    #[test]
    fn bad_values_are_field_errors_and_left_out() {
        let (c, errors) = checked(&[
            ("age_min", "ten"),
            ("age_max", "19"),
            ("siblings", "0"),
            ("contact", "extreme"),
            ("kind", "Adoption"),
            ("region", "North\u{202e}West"),
        ]);
        assert_eq!(
            errors.get("age_min"),
            Some("Enter a whole number from 0 to 18.")
        );
        assert_eq!(
            errors.get("age_max"),
            Some("Enter a whole number from 0 to 18.")
        );
        assert_eq!(
            errors.get("siblings"),
            Some("Enter a whole number from 1 to 10.")
        );
        assert_eq!(
            errors.get("contact"),
            Some("Choose one of the options in the list.")
        );
        assert!(errors.get("kind").is_some() && errors.get("region").is_some());
        assert!(c.ages.is_none() && c.siblings.is_none() && c.kind.is_none());
        let (_, errors) = checked(&[("age_min", "7"), ("age_max", "3")]);
        assert_eq!(
            errors.get("age_max"),
            Some("Enter an age no lower than the youngest age.")
        );
    }

    #[test]
    fn families_pass_on_what_they_can_take_on() {
        let passes = |pairs: &[(&str, &str)]| family_passes(&offer(), &checked(pairs).0);
        assert!(
            passes(&[("age_min", "5"), ("age_max", "9")]),
            "2-6 overlaps 5-9"
        );
        assert!(!passes(&[("age_min", "7")]));
        assert!(passes(&[("siblings", "2")]) && !passes(&[("siblings", "3")]));
        assert!(passes(&[("health", "medium")]) && !passes(&[("health", "high")]));
        assert!(passes(&[("region", "NORTH WEST")]) && !passes(&[("region", "Yorkshire")]));
        assert!(passes(&[("kind", "adoption")]) && !passes(&[("kind", "fostering")]));
    }

    #[test]
    fn children_pass_on_what_they_are() {
        let passes =
            |ages: &[u32], pairs: &[(&str, &str)]| child_passes(&child(), ages, &checked(pairs).0);
        assert!(passes(&[4, 6], &[("age_min", "4"), ("age_max", "6")]));
        assert!(
            !passes(&[4, 7], &[("age_max", "6")]),
            "every child within the range"
        );
        assert!(passes(&[4, 6], &[("siblings", "2")]) && !passes(&[4], &[("siblings", "2")]));
        assert!(passes(&[4], &[("health", "high")]) && !passes(&[4], &[("health", "medium")]));
        assert!(passes(&[4], &[("legal_status", "care_order")]));
        assert!(!passes(&[4], &[("legal_status", "placement_order")]));
    }
}
