//! Who may see which profile: the one rule every page, search and form applies.
//!
//! An organisation sees all of its own profiles. It sees another organisation's active
//! profile when both organisations hold a licence that is active and not past its expiry
//! date, and the profile's social worker chose to show it to all licensed organisations or to
//! this one by name. Anything else is "not found", the same answer as an id that does not
//! exist.
//!
//! The rules are SQL fragments so that a listing filters in the database instead of loading
//! rows it may not show. Each fragment expects the profile's table under the alias `p` and
//! binds the viewing organisation and today's date as the parameters it names.

/// Today as `YYYY-MM-DD` (UTC), the form licence expiry dates are stored in.
#[must_use]
pub fn today() -> String {
    iso_date(time::OffsetDateTime::now_utc().date())
}

/// `day` as `YYYY-MM-DD`, which sorts as text in date order (how licences are compared).
#[must_use]
pub fn iso_date(day: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// SQL: organisation `org` (an expression) holds a current licence on date `day` (an
/// expression such as `$2`).
#[must_use]
pub fn licensed(org: &str, day: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM org_settings ls WHERE ls.org_id = {org} \
         AND ls.licence_active = 1 AND ls.licence_expires_on >= {day})"
    )
}

/// SQL: profile `p` (of kind `child` or `family`) is visible to organisation `viewer`
/// (an expression such as `$1`) on date `day` (such as `$2`).
#[must_use]
pub fn profile_visible(kind: Kind, viewer: &str, day: &str) -> String {
    let named = kind.named_table();
    format!(
        "(p.org_id = {viewer} OR (p.status = 'active' AND {own} AND {theirs} AND \
         (p.visibility = 'all' OR (p.visibility = 'named' AND EXISTS (SELECT 1 FROM {named} n \
         WHERE n.profile_id = p.id AND n.org_id = {viewer})))))",
        own = licensed("p.org_id", day),
        theirs = licensed(viewer, day),
    )
}

/// Which kind of profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `child_profiles`, named organisations in `child_profile_orgs`.
    Child,
    /// `family_profiles`, named organisations in `family_profile_orgs`.
    Family,
}

impl Kind {
    fn named_table(self) -> &'static str {
        match self {
            Self::Child => "child_profile_orgs",
            Self::Family => "family_profile_orgs",
        }
    }

    /// The profile table.
    #[must_use]
    pub fn table(self) -> &'static str {
        match self {
            Self::Child => "child_profiles",
            Self::Family => "family_profiles",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_an_iso_date() {
        let day = today();
        assert_eq!(day.len(), 10);
        assert_eq!(&day[4..5], "-");
        assert!(day.as_str() > "2025-01-01");
    }

    #[test]
    fn the_fragment_names_both_licences_and_the_named_table() {
        let sql = profile_visible(Kind::Child, "$1", "$2");
        assert!(sql.contains("child_profile_orgs"));
        assert_eq!(sql.matches("org_settings").count(), 2);
    }

    #[test]
    fn the_fragment_closes_every_parenthesis_it_opens() {
        let sql = profile_visible(Kind::Family, "$1", "$2");
        assert_eq!(sql.matches('(').count(), sql.matches(')').count());
    }
}
