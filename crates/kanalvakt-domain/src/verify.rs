//! "Is this one of the municipality's official channels?" (REG-7; law 1998:112 §3). Addresses
//! are compared in a normal form, because people paste them in every shape: with or without
//! https, www, m., a trailing slash, tracking parameters or an @ in front of the handle.

/// The normal form of a channel address: host without `www.`/`m.`/`mobile.`, lower case, and
/// the path without trailing slash (lower case: platforms treat handles case-insensitively).
/// Only identifying query parameters survive (Facebook's `profile.php?id=`).
pub fn normalize(input: &str) -> Option<String> {
    let s = input.trim();
    if s.is_empty() || s.len() > 2048 {
        return None;
    }
    let with_scheme = if s.contains("://") { s.to_string() } else { format!("https://{s}") };
    let u = url::Url::parse(&with_scheme).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let mut host = u.host_str()?.to_lowercase();
    for prefix in ["www.", "m.", "mobile.", "web."] {
        if let Some(rest) = host.strip_prefix(prefix) {
            host = rest.to_string();
        }
    }
    host = match host.as_str() {
        "twitter.com" => "x.com".to_string(),
        "fb.com" => "facebook.com".to_string(),
        _ => host,
    };
    let mut path = u.path().trim_end_matches('/').to_lowercase();
    // youtube.com/@name and youtube.com/c/name: keep as is; "@" handles on other hosts too.
    if path == "/profile.php"
        && let Some((_, id)) = u.query_pairs().find(|(k, _)| k == "id")
    {
        path = format!("/profile.php?id={id}");
    }
    if !host.contains('.') {
        return None;
    }
    Some(format!("{host}{path}"))
}

/// Whether the candidate address points at the registered channel address.
pub fn same_channel(candidate: &str, registered: &str) -> bool {
    match (normalize(candidate), normalize(registered)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // REQ REG-7
    #[test]
    fn variants_of_one_address_match() {
        let reg = "https://www.facebook.com/sjovikskommun";
        for v in [
            "facebook.com/sjovikskommun",
            "http://m.facebook.com/SjoviksKommun/",
            "https://www.facebook.com/sjovikskommun?ref=bookmarks",
            "  https://facebook.com/sjovikskommun#top ",
        ] {
            assert!(same_channel(v, reg), "{v}");
        }
        assert!(same_channel("https://twitter.com/sjovik", "https://x.com/sjovik"));
        assert!(same_channel(
            "https://www.facebook.com/profile.php?id=100064",
            "facebook.com/profile.php?id=100064&sk=about"
        ));
    }

    // REQ REG-7: impersonation with a look-alike address is not a match.
    #[test]
    fn lookalikes_do_not_match() {
        let reg = "https://www.facebook.com/sjovikskommun";
        for v in [
            "https://www.facebook.com/sjovikskommun1",
            "https://facebook.com.evil.example/sjovikskommun",
            "https://www.facebook.com/",
            "sjovikskommun",
            "",
        ] {
            assert!(!same_channel(v, reg), "{v}");
        }
        assert!(!same_channel(
            "https://www.facebook.com/profile.php?id=1",
            "https://www.facebook.com/profile.php?id=2"
        ));
        assert_eq!(normalize("javascript:alert(1)"), None);
    }
}
