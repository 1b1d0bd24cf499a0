//! The report from a journal on disk, as the engine leaves it: every file is written and every
//! relative link of every page resolves.

#[path = "report_support/fixture.rs"]
mod report_fixture;

use std::path::Path;

use rsp_runner::journal;
use rsp_runner::report::{self, ReportOptions};

/// The values of `attr="…"` in `html` (entities for `&` and quotes decoded).
fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            let v = &rest[..rest.find('"').expect("closing quote")];
            v.replace("&#38;", "&")
                .replace("&amp;", "&")
                .replace("&#34;", "\"")
                .replace("&quot;", "\"")
        })
        .collect()
}

/// Checks every relative `href`/`src` of `page` points to an existing file.
fn links_resolve(page: &Path) -> usize {
    let html = std::fs::read_to_string(page).unwrap();
    let dir = page.parent().unwrap();
    let mut n = 0;
    for link in attr_values(&html, "href")
        .into_iter()
        .chain(attr_values(&html, "src"))
    {
        if link.starts_with("https://") || link.starts_with('#') {
            continue;
        }
        assert!(
            !link.contains(':'),
            "{}: non-relative link {link}",
            page.display()
        );
        let target = dir.join(link.split('#').next().unwrap());
        assert!(
            target.is_file(),
            "{}: {link} does not exist",
            page.display()
        );
        n += 1;
    }
    n
}

#[test]
fn a_journal_renders_into_linked_pages() {
    let dir = tempfile::tempdir().unwrap();
    report_fixture::write_journal(dir.path()).unwrap();
    let contents = journal::read(&dir.path().join(journal::JOURNAL_FILE)).unwrap();
    assert_eq!(contents.cases.len(), 12);
    let paths = report::write_all(dir.path(), &contents, &ReportOptions::default()).unwrap();

    for name in [
        "results.json",
        "junit.xml",
        "index.html",
        "assets/report.css",
        "assets/report.js",
    ] {
        let p = dir.path().join(name);
        assert!(p.is_file() && p.metadata().unwrap().len() > 100, "{name}");
    }
    assert_eq!(paths.all().count(), 5 + 12);
    assert_eq!(paths.cases.len(), 12);
    for p in &paths.cases {
        assert_eq!(p.parent().unwrap(), dir.path().join("cases"));
    }

    // 12 case links from the grid, 12 from the table, css, js, footer links.
    assert!(links_resolve(&paths.index_html) >= 24 + 2 + 3);
    for p in &paths.cases {
        assert!(links_resolve(p) >= 3, "{}", p.display());
    }

    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&paths.results_json).unwrap()).unwrap();
    assert_eq!(results["totals"]["total"], 12);
    assert_eq!(results["expectations"]["expected_fail"], 2);
    assert_eq!(results["expectations"]["expected_fail_passed"], 1);
    assert_eq!(results["expectations"]["unexpected"], 3);
    assert_eq!(results["cases"].as_array().unwrap().len(), 12);

    // The unsafe id got a sanitised page name, and its title is escaped on both pages.
    let odd = paths.cases.last().unwrap();
    let name = odd.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with("LPA.UI_.._odd__id_____quotes_-"), "{name}");
    let index = std::fs::read_to_string(&paths.index_html).unwrap();
    assert!(!index.contains("<b>bold?</b>"));
    assert!(!std::fs::read_to_string(odd)
        .unwrap()
        .contains("<b>bold?</b>"));

    // Re-rendering with a comparison links it from the index.
    let cmp = report::compare(&contents, &contents);
    report::write_comparison(dir.path(), &cmp).unwrap();
    let paths = report::write_all(dir.path(), &contents, &ReportOptions::default()).unwrap();
    assert!(std::fs::read_to_string(&paths.index_html)
        .unwrap()
        .contains("href=\"comparison.html\""));
    links_resolve(&dir.path().join("comparison.html"));
}
