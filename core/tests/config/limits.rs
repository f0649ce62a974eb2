//! Bounded parsing: no DTD in Android's XML formats, only Apple's standard DOCTYPE in plists, and a size
//! cap on every importer.

use super::common::{fixture, sdk};
use pinwire::config::{read_file, ConfigErrorKind, Format, ImportOptions, PinConfig, MAX_FILE_BYTES};

fn doctype_refused(result: Result<PinConfig, pinwire::config::ConfigError>, line: u32) {
    let err = result.expect_err("a file with a DTD must be refused");
    assert!(matches!(err.kind, ConfigErrorKind::Doctype(_)), "{err}");
    assert_eq!((err.line, err.column), (line, 1), "{err}");
}

#[test]
fn billion_laughs_nsc_is_refused_at_its_doctype() {
    let text = fixture("hostile/billion_laughs_nsc.xml");
    doctype_refused(PinConfig::from_nsc_xml(&text, "bl.xml", &sdk(34)), 3);
}

#[test]
fn billion_laughs_trustkit_android_is_refused_at_its_doctype() {
    let text = fixture("hostile/billion_laughs_trustkit_android.xml");
    doctype_refused(PinConfig::from_trustkit_android_xml(&text, "bl.xml", &sdk(34)), 3);
}

#[test]
fn billion_laughs_plist_is_refused_for_its_internal_subset() {
    let text = fixture("hostile/billion_laughs.plist");
    doctype_refused(PinConfig::from_trustkit_plist(&text, "bl.plist"), 3);
}

#[test]
fn plist_with_a_foreign_doctype_is_refused() {
    let text = fixture("hostile/foreign_doctype.plist");
    doctype_refused(PinConfig::from_trustkit_plist(&text, "f.plist"), 2);
}

#[test]
fn plist_with_apples_standard_doctype_loads() {
    let config = PinConfig::from_trustkit_plist(&fixture("trustkit/Info.plist"), "Info.plist").unwrap();
    assert!(!config.policy().rules().is_empty());
    // The older public identifier, and the declaration spread over lines.
    let older = fixture("trustkit/Info.plist").replacen(
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" ",
        "<!DOCTYPE plist\n  PUBLIC \"-//Apple Computer//DTD PLIST 1.0//EN\"\n  ",
        1,
    );
    assert_eq!(PinConfig::from_trustkit_plist(&older, "Info.plist").unwrap(), config);
}

#[test]
fn nsc_with_an_empty_doctype_is_refused() {
    let text = "<?xml version=\"1.0\"?>\n<!DOCTYPE network-security-config>\n<network-security-config/>\n";
    doctype_refused(PinConfig::from_nsc_xml(text, "n.xml", &ImportOptions::new(34)), 2);
}

fn too_large(result: Result<PinConfig, pinwire::config::ConfigError>) {
    let err = result.expect_err("an oversized file must be refused");
    assert!(
        matches!(err.kind, ConfigErrorKind::TooLarge { limit, .. } if limit == MAX_FILE_BYTES),
        "{err}"
    );
}

#[test]
fn every_importer_refuses_input_over_the_cap() {
    let cap = usize::try_from(MAX_FILE_BYTES).unwrap();
    // Valid files padded with whitespace past the cap: only the size is wrong.
    let pad = |text: String| format!("{text}{}", " ".repeat(cap + 1 - text.len()));
    let options = sdk(34);
    too_large(PinConfig::from_json(&pad(fixture("pinwire/full.json")), "p.json"));
    too_large(PinConfig::from_nsc_xml(
        &pad(fixture("nsc/docs_pins.xml")),
        "n.xml",
        &options,
    ));
    too_large(PinConfig::from_trustkit_android_xml(
        &pad(fixture("trustkit/android_readme.xml")),
        "t.xml",
        &options,
    ));
    too_large(PinConfig::from_trustkit_json(
        &pad(fixture("trustkit/ios_readme.json")),
        "t.json",
    ));
    too_large(PinConfig::from_trustkit_plist(
        &pad(fixture("trustkit/Info.plist")),
        "t.plist",
    ));
    // At the cap exactly, the same file loads.
    let at_cap = format!("{}{}", fixture("nsc/docs_pins.xml"), " ");
    let at_cap = format!("{at_cap}{}", " ".repeat(cap - at_cap.len()));
    assert!(PinConfig::from_nsc_xml(&at_cap, "n.xml", &options).is_ok());
}

#[test]
fn load_and_read_file_refuse_a_large_file_without_reading_it_all() {
    let dir = std::env::temp_dir().join(format!("pinwire-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("huge.json");
    let file = std::fs::File::create(&path).unwrap();
    // Sparse: 1 GiB on paper, nothing on disk.
    file.set_len(1 << 30).unwrap();
    let err = read_file(&path).unwrap_err();
    assert!(
        matches!(err.kind, ConfigErrorKind::TooLarge { size, .. } if size == 1 << 30),
        "{err}"
    );
    too_large(PinConfig::load(&path, Format::PinwireJson, &ImportOptions::new(34)));
    std::fs::remove_dir_all(&dir).unwrap();
}
