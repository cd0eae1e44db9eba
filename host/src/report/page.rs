//! The HTML shell shared by the report and the diff page: one
//! self-contained file, styles inline, no scripts, and a content security
//! policy that forbids every fetch, so the page works (and leaks nothing)
//! offline.

use std::fmt::Write;

use super::svg::escape;

const STYLE: &str = "
body { font-family: system-ui, 'Noto Sans CJK SC', 'PingFang SC', sans-serif; margin: 2em auto; max-width: 62em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ccc; }
.meta { color: #555; font-size: 0.9em; }
.tiles { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 1em 0; }
.tile { border: 1px solid #ddd; border-radius: 4px; padding: 0.5em 0.9em; min-width: 8em; }
.tile b { display: block; font-size: 1.4em; }
.chart { display: block; max-width: 100%; height: auto; margin: 0.5em 0; }
.chart text { font-size: 11px; fill: #333; }
.chart .label { text-anchor: end; }
.chart .tick, .chart .column, .chart .value { text-anchor: middle; }
.chart .legend { text-anchor: start; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.note { color: #555; font-size: 0.85em; }
.warn { color: #a33; }
";

/// A whole page around `body` (already HTML).
pub fn page(title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 2048);
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>{}</h1>", escape(title));
    out.push_str(body);
    out.push_str("\n</body>\n</html>\n");
    out
}

/// Headline figures as tiles.
pub fn tiles(out: &mut String, tiles: &[(&str, String)]) {
    out.push_str("<div class=\"tiles\">");
    for (label, value) in tiles {
        let _ = write!(out, "<div class=\"tile\"><b>{}</b>{}</div>", escape(value), escape(label));
    }
    out.push_str("</div>\n");
}

/// A section heading, an optional explanation, then `content` (HTML).
pub fn section(out: &mut String, id: &str, heading: &str, note: &str, content: &str) {
    let _ = writeln!(out, "<section id=\"{}\">\n<h2>{}</h2>", escape(id), escape(heading));
    if !note.is_empty() {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
    }
    out.push_str(content);
    out.push_str("\n</section>\n");
}

/// A data table; cells are text.
pub fn table(head: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<div class=\"scroll\"><table>\n<tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>");
    out
}

/// Yuan from fen, with thousands separators: `1,234,567.89`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let whole = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_fetches_nothing_and_escapes_its_title() {
        let html = page("a <b>", "<p>x</p>");
        assert!(html.contains("<title>a &lt;b&gt;</title>"));
        assert!(html.contains("default-src 'none'"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("http://") && !html.contains("https://"), "no external references");
    }

    #[test]
    fn yuan_groups_thousands() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(123_456_789), "1,234,567.89");
        assert_eq!(yuan(-100_050), "-1,000.50");
    }
}
