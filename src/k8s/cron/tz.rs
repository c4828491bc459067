//! Time zones as Go's `time.LoadLocation` names them (exact IANA names), from the bundled
//! database.

use super::*;

/// Whether `name` is exactly (case-sensitively) an IANA zone name in jiff's
/// bundled tzdb. `"UTC"` and `"Etc/UTC"` are valid; `"Local"` and `""` are not.
pub fn is_valid_time_zone(name: &str) -> bool {
    lookup_time_zone(name).is_some()
}

/// The zone `name` refers to, as an exact IANA name, when it is a zone name in another case
/// (`europe/berlin` gives `Europe/Berlin`): a suggestion for a rejected `timeZone`.
pub fn time_zone_in_canonical_case(name: &str) -> Option<String> {
    let tz = bundled_tzdb().get(name).ok()?;
    tz.iana_name()
        .filter(|canonical| *canonical != name && canonical.eq_ignore_ascii_case(name))
        .map(str::to_owned)
}

/// The zone for an IANA name (exact), for fire times.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    lookup_time_zone(name)
}

/// Every IANA zone name of the bundled database (for completion in editors).
pub fn time_zone_names() -> Vec<String> {
    let mut names: Vec<String> = bundled_tzdb()
        .available()
        .map(|name| name.as_str().to_owned())
        .collect();
    names.sort();
    names
}

/// The bundled tzdb, chosen explicitly so results never depend on the host's
/// `/usr/share/zoneinfo`, even if another crate enables jiff's system tzdb.
pub(super) fn bundled_tzdb() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// Exact-name lookup. jiff matches names case-insensitively, so the canonical
/// name it reports must equal the input, as Go's (case-sensitive) loader needs.
pub(super) fn lookup_time_zone(name: &str) -> Option<TimeZone> {
    let tz = bundled_tzdb().get(name).ok()?;
    (tz.iana_name() == Some(name)).then_some(tz)
}

/// Go's `time.LoadLocation`, reduced to its verdict and error text.
pub(super) fn load_location(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "UTC" || name == "Local" {
        return Ok(());
    }
    if name.contains("..") || name.starts_with('/') || name.starts_with('\\') {
        return Err("time: invalid location name".to_owned());
    }
    if is_valid_time_zone(name) {
        Ok(())
    } else {
        Err(format!("unknown time zone {name}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_time_zones_are_exact_iana_names() {
        assert!(is_valid_time_zone("Europe/Berlin"));
        assert!(is_valid_time_zone("UTC"));
        assert!(is_valid_time_zone("Etc/UTC"));
        assert!(!is_valid_time_zone("europe/berlin"));
        assert!(!is_valid_time_zone("utc"));
        assert!(!is_valid_time_zone("Local"));
        assert!(!is_valid_time_zone(""));
        assert!(!is_valid_time_zone("Etc/Unknown"));
    }

    #[test]
    fn go_location_loader() {
        assert_eq!(load_location(""), Ok(()));
        assert_eq!(load_location("Local"), Ok(()));
        let invalid = Err("time: invalid location name".to_owned());
        assert_eq!(load_location("/etc/localtime"), invalid);
        assert_eq!(load_location("a..b"), invalid);
        assert_eq!(
            load_location("Nowhere"),
            Err("unknown time zone Nowhere".to_owned())
        );
    }
}
