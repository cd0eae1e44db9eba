//! Hand-made SVG charts for the HTML pages: stacked bars, heat tables,
//! signed bars and a histogram with marker lines. Every mark carries its
//! number in `data-value` and a `<title>` tooltip, so a reader (or a test)
//! can check what was drawn. No scripts, no fonts, no external references.

use std::fmt::Write;

/// Colours for series, in order; readable on white and in grey print.
pub const PALETTE: &[&str] =
    &["#3b6ea5", "#e07b39", "#4f9d69", "#c94f4f", "#8a6bb8", "#9c7a4a", "#d36fa8", "#6f7f8f", "#b5a642", "#3fa7b5"];

/// Escapes text for XML and HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A number for a label: integers without decimals, others with one.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{v:.0}") } else { format!("{v:.1}") }
}

const WIDTH: f64 = 760.0;
const LABEL: f64 = 170.0;
const ROW: f64 = 18.0;
const TOP: f64 = 34.0;

fn open(out: &mut String, id: &str, title: &str, height: f64) {
    open_wide(out, id, title, WIDTH, height);
}

fn open_wide(out: &mut String, id: &str, title: &str, width: f64, height: f64) {
    let _ = write!(
        out,
        r#"<svg id="{}" class="chart" viewBox="0 0 {width:.0} {height}" width="{width:.0}" height="{height}" role="img" aria-label="{}">"#,
        escape(id),
        escape(title)
    );
    let _ = write!(out, "<title>{}</title>", escape(title));
}

/// About how wide `text` is drawn at 11px: CJK characters are about twice
/// as wide as ASCII ones.
fn text_width(text: &str) -> f64 {
    7.0 * text.chars().map(|c| if c.is_ascii() { 1.0 } else { 1.9 }).sum::<f64>()
}

fn legend(out: &mut String, names: &[String], y: f64) {
    let mut x = LABEL;
    for (i, name) in names.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let _ = write!(out, r#"<rect x="{x}" y="{}" width="10" height="10" fill="{color}"/>"#, y - 9.0);
        let _ = write!(out, r#"<text x="{}" y="{y}" class="legend">{}</text>"#, x + 14.0, escape(name));
        x += 22.0 + text_width(name);
    }
}

/// A round step for about `ticks` axis divisions of `0..max`.
fn step(max: f64, ticks: f64) -> f64 {
    let raw = (max / ticks).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude)
}

fn x_axis(out: &mut String, max: f64, left: f64, width: f64, y: f64, unit: &str) {
    let step = step(max, 5.0);
    let mut v = 0.0;
    while v <= max + step * 1e-9 {
        let x = left + width * v / max;
        let _ = write!(out, r##"<line x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{y}" stroke="#ddd"/>"##);
        let _ = write!(out, r#"<text x="{x:.1}" y="{}" class="tick">{}{unit}</text>"#, y + 13.0, number(v));
        v += step;
    }
}

/// One row of a bar chart: a label and one value per series.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub values: Vec<f64>,
    /// What a tooltip says after each value (e.g. the count behind a share).
    pub notes: Vec<String>,
}

/// Horizontal stacked bars, one row per label, one colour per series.
pub fn stacked_bars(id: &str, title: &str, series: &[String], rows: &[Row], unit: &str) -> String {
    let height = TOP + ROW * rows.len() as f64 + 24.0;
    let mut out = String::new();
    open(&mut out, id, title, height);
    legend(&mut out, series, 14.0);
    let max = rows.iter().map(|r| r.values.iter().sum::<f64>()).fold(0.0, f64::max).max(1e-9);
    let plot = WIDTH - LABEL - 20.0;
    let bottom = TOP + ROW * rows.len() as f64;
    x_axis(&mut out, max, LABEL, plot, bottom, unit);
    for (i, row) in rows.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let _ =
            write!(out, r#"<text x="{}" y="{}" class="label">{}</text>"#, LABEL - 6.0, y + 13.0, escape(&row.label));
        let mut x = LABEL;
        for (s, value) in row.values.iter().enumerate() {
            if *value <= 0.0 {
                continue;
            }
            let w = plot * value / max;
            let name = series.get(s).map_or("", String::as_str);
            let note = row.notes.get(s).map(|n| format!(" ({n})")).unwrap_or_default();
            let _ = write!(
                out,
                r#"<rect class="bar" x="{x:.2}" y="{}" width="{w:.2}" height="{}" fill="{}" data-series="{}" data-value="{}"><title>{}: {} {}{unit}{}</title></rect>"#,
                y + 2.0,
                ROW - 4.0,
                PALETTE[s % PALETTE.len()],
                escape(name),
                number(*value),
                escape(&row.label),
                escape(name),
                number(*value),
                escape(&note)
            );
            x += w;
        }
    }
    out.push_str("</svg>");
    out
}

/// A table of cells shaded by value: rows by columns, each cell showing its
/// value, shaded relative to the largest in its column; negative values are
/// shaded red, positive ones in the column's colour (or green when `signed`).
pub fn heat_table(id: &str, title: &str, columns: &[String], rows: &[Row], signed: bool) -> String {
    let cell = ((WIDTH - LABEL - 10.0) / columns.len().max(1) as f64).min(120.0);
    // Column names are written slanted above their column, so long ones fit.
    let longest = columns.iter().map(|c| text_width(c)).fold(0.0, f64::max);
    let head = 16.0 + longest * 0.5;
    let height = head + ROW * rows.len() as f64 + 6.0;
    let width = LABEL + cell * columns.len() as f64 + longest * 0.87 + 10.0;
    let mut out = String::new();
    open_wide(&mut out, id, title, width, height);
    for (c, name) in columns.iter().enumerate() {
        let x = LABEL + cell * c as f64 + cell / 2.0;
        let y = head - 6.0;
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y}" class="legend" transform="rotate(-30 {x:.1} {y})">{}</text>"#,
            escape(name)
        );
    }
    let max: Vec<f64> = (0..columns.len())
        .map(|c| rows.iter().filter_map(|r| r.values.get(c)).map(|v| v.abs()).fold(0.0, f64::max).max(1e-9))
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let y = head + ROW * i as f64;
        let _ =
            write!(out, r#"<text x="{}" y="{}" class="label">{}</text>"#, LABEL - 6.0, y + 13.0, escape(&row.label));
        for (c, value) in row.values.iter().enumerate() {
            let x = LABEL + cell * c as f64;
            let color = match (signed, *value < 0.0) {
                (true, true) => "#c94f4f",
                (true, false) => "#4f9d69",
                (false, _) => PALETTE[c % PALETTE.len()],
            };
            let opacity =
                if *value == 0.0 { 0.0 } else { 0.12 + 0.88 * value.abs() / max.get(c).copied().unwrap_or(1.0) };
            let name = columns.get(c).map_or("", String::as_str);
            let note = row.notes.get(c).map(|n| format!(" ({n})")).unwrap_or_default();
            let shown = if signed && *value > 0.0 { format!("+{}", number(*value)) } else { number(*value) };
            let _ = write!(
                out,
                r#"<rect class="cell" x="{:.2}" y="{}" width="{:.2}" height="{}" fill="{color}" fill-opacity="{opacity:.3}" data-series="{}" data-value="{}"><title>{}: {} {shown}{}</title></rect>"#,
                x + 1.0,
                y + 1.0,
                cell - 2.0,
                ROW - 2.0,
                escape(name),
                number(*value),
                escape(&row.label),
                escape(name),
                escape(&note)
            );
            let _ = write!(out, r#"<text x="{:.1}" y="{}" class="value">{shown}</text>"#, x + cell / 2.0, y + 13.0);
        }
    }
    out.push_str("</svg>");
    out
}

/// Bars from a centre line: positive values to the right in green,
/// negative ones to the left in red.
pub fn signed_bars(id: &str, title: &str, rows: &[(String, f64)]) -> String {
    let label = 260.0;
    let height = TOP + ROW * rows.len() as f64 + 10.0;
    let mut out = String::new();
    open(&mut out, id, title, height);
    let max = rows.iter().map(|(_, v)| v.abs()).fold(0.0, f64::max).max(1e-9);
    let half = (WIDTH - label - 70.0) / 2.0;
    let centre = label + half;
    let bottom = TOP + ROW * rows.len() as f64;
    let _ = write!(out, r##"<line x1="{centre}" x2="{centre}" y1="{}" y2="{bottom}" stroke="#555"/>"##, TOP - 4.0);
    for (i, (name, value)) in rows.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let _ = write!(out, r#"<text x="{}" y="{}" class="label">{}</text>"#, label - 6.0, y + 13.0, escape(name));
        let w = half * value.abs() / max;
        let (x, color) = if *value < 0.0 { (centre - w, "#c94f4f") } else { (centre, "#4f9d69") };
        let shown = if *value > 0.0 { format!("+{}", number(*value)) } else { number(*value) };
        let _ = write!(
            out,
            r#"<rect class="bar" x="{x:.2}" y="{}" width="{w:.2}" height="{}" fill="{color}" data-series="{}" data-value="{}"><title>{}: {shown}</title></rect>"#,
            y + 2.0,
            ROW - 4.0,
            escape(name),
            number(*value),
            escape(name)
        );
        let tx = if *value < 0.0 { x - 4.0 } else { x + w + 4.0 };
        let anchor = if *value < 0.0 { "end" } else { "start" };
        let _ = write!(out, r#"<text x="{tx:.1}" y="{}" class="tick" text-anchor="{anchor}">{shown}</text>"#, y + 13.0);
    }
    out.push_str("</svg>");
    out
}

/// One histogram bin: `[from, to)` and how many fall in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    pub label: String,
    pub from: f64,
    pub to: f64,
    pub count: u64,
}

/// A vertical line across a histogram at a value of the x axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub label: String,
    pub value: f64,
    pub color: &'static str,
}

/// Vertical bars, one per bin, over a linear x axis from the first bin's
/// `from` to the last bin's `to`, with marker lines; a bin that lies wholly
/// below a marker is drawn in the colour of the lowest such marker.
pub fn histogram(id: &str, title: &str, bins: &[Bin], markers: &[Marker], x_unit: &str) -> String {
    let (left, right, top, height) = (60.0, WIDTH - 20.0, 40.0, 340.0);
    let bottom = height - 40.0;
    let mut out = String::new();
    open(&mut out, id, title, height);
    let (lo, hi) = match (bins.first(), bins.last()) {
        (Some(f), Some(l)) if l.to > f.from => (f.from, l.to),
        _ => (0.0, 1.0),
    };
    let x = |v: f64| left + (right - left) * (v - lo) / (hi - lo);
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let y_step = step(max, 4.0);
    let mut v = 0.0;
    while v <= max + y_step * 1e-9 {
        let y = bottom - (bottom - top) * v / max;
        let _ = write!(out, r##"<line x1="{left}" x2="{right}" y1="{y:.1}" y2="{y:.1}" stroke="#eee"/>"##);
        let _ = write!(out, r#"<text x="{}" y="{:.1}" class="label">{}</text>"#, left - 6.0, y + 4.0, number(v));
        v += y_step;
    }
    for bin in bins {
        let (x0, x1) = (x(bin.from), x(bin.to));
        let h = (bottom - top) * bin.count as f64 / max;
        // The colour of the lowest line the whole bin lies below.
        let below = markers.iter().filter(|m| bin.to <= m.value).min_by(|a, b| a.value.total_cmp(&b.value));
        let color = below.map_or("#9aa7b4", |m| m.color);
        let _ = write!(
            out,
            r#"<rect class="bar" x="{:.2}" y="{:.2}" width="{:.2}" height="{h:.2}" fill="{color}" data-series="{}" data-value="{}"><title>{} {x_unit}: {}</title></rect>"#,
            x0 + 0.5,
            bottom - h,
            (x1 - x0 - 1.0).max(0.5),
            escape(&bin.label),
            bin.count,
            escape(&bin.label),
            bin.count
        );
    }
    let step = step(hi - lo, 6.0);
    let mut v = (lo / step).ceil() * step;
    while v <= hi + step * 1e-9 {
        let _ = write!(out, r#"<text x="{:.1}" y="{}" class="tick">{}</text>"#, x(v), bottom + 14.0, number(v));
        v += step;
    }
    let _ = write!(out, r#"<text x="{right}" y="{}" class="label">{}</text>"#, bottom + 30.0, escape(x_unit));
    for (i, m) in markers.iter().enumerate() {
        let mx = x(m.value.clamp(lo, hi));
        let _ = write!(
            out,
            r#"<line class="marker" x1="{mx:.1}" x2="{mx:.1}" y1="{}" y2="{bottom}" stroke="{}" stroke-width="2" stroke-dasharray="5 3" data-value="{}"><title>{}: {}</title></line>"#,
            top - 10.0,
            m.color,
            number(m.value),
            escape(&m.label),
            number(m.value)
        );
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" class="legend" fill="{}">{} {}</text>"#,
            mx + 4.0,
            top - 12.0 + 13.0 * i as f64,
            m.color,
            escape(&m.label),
            number(m.value)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_in_labels_and_tooltips() {
        let rows = vec![Row { label: "<script>&\"".into(), values: vec![2.0], notes: vec![] }];
        let svg = stacked_bars("c", "t", &["a'b".into()], &rows, "");
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;&amp;&quot;"));
        assert!(svg.contains("a&#39;b"));
    }

    #[test]
    fn bars_carry_their_values_and_scale_to_the_longest_row() {
        let rows = vec![
            Row { label: "a".into(), values: vec![3.0, 1.0], notes: vec![] },
            Row { label: "b".into(), values: vec![2.0, 0.0], notes: vec![] },
        ];
        let svg = stacked_bars("c", "t", &["x".into(), "y".into()], &rows, "");
        assert_eq!(svg.matches(r#"class="bar""#).count(), 3, "zero values draw nothing: {svg}");
        assert!(svg.contains(r#"data-series="x" data-value="3""#));
        // The longest row (4) fills the plot width: 760 - 170 - 20 = 570.
        assert!(svg.contains(r#"width="427.50""#), "{svg}");
        assert!(svg.contains(r#"width="142.50""#), "{svg}");
    }

    #[test]
    fn histogram_bins_below_a_line_take_its_colour() {
        let bins: Vec<Bin> =
            (0..4).map(|i| Bin { label: format!("{i}"), from: f64::from(i), to: f64::from(i + 1), count: 1 }).collect();
        let markers = [
            Marker { label: "low".into(), value: 1.0, color: "#111111" },
            Marker { label: "high".into(), value: 3.0, color: "#222222" },
        ];
        let svg = histogram("h", "t", &bins, &markers, "yuan");
        assert_eq!(svg.matches("#111111").count(), 1 + 2, "one bin, the line and its label: {svg}");
        assert_eq!(svg.matches("#222222").count(), 2 + 2, "two bins, the line and its label: {svg}");
        assert_eq!(svg.matches(r#"class="marker""#).count(), 2);
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(step(100.0, 5.0), 20.0);
        assert_eq!(step(7.0, 5.0), 2.0);
        assert_eq!(step(12_000.0, 6.0), 2000.0);
        assert_eq!(step(0.9, 4.0), 0.25);
    }
}
