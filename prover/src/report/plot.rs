//! SVG charts of benchmark results, drawn with `plotters`' SVG backend.
//!
//! The SVG backend writes text as `<text>` elements, so no system font is read (the text size is
//! estimated, not measured): the charts render the same on a fresh machine and in a browser.

use plotters::coord::Shift;
use plotters::prelude::*;

/// A chart that could not be drawn, with its title.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart '{title}': {reason}")]
pub struct PlotError {
    pub title: String,
    pub reason: String,
}

/// A chart's SVG text, or why it could not be drawn.
pub type Svg = std::result::Result<String, PlotError>;

/// One named series of (x, y) points on a log-log chart.
pub struct Series<'a> {
    pub name: &'a str,
    pub points: Vec<(f64, f64)>,
}

/// One bar split into named parts, stacked left to right.
pub struct StackedBar<'a> {
    pub label: &'a str,
    pub parts: Vec<(&'a str, f64)>,
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

/// Runs `draw` on a white SVG canvas of `size` and returns the SVG text (the caller writes it
/// atomically: a failed chart leaves no file behind).
fn render(title: &str, size: (u32, u32), draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Drawn) -> Svg {
    let failed = |reason: String| PlotError { title: title.to_string(), reason };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(e.to_string()))?;
        draw(&root).map_err(|e| failed(e.to_string()))?;
        root.present().map_err(|e| failed(e.to_string()))?;
    }
    Ok(svg)
}

/// A log-scale axis range covering `values`, widened to whole decades' halves so points do not
/// sit on the frame.
fn log_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.filter(|v| *v > 0.0).fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return 1.0..10.0;
    }
    (lo / 2.0)..(hi * 2.0)
}

/// Points of every series on log-log axes, each series joined by a line in x order.
pub fn log_log(title: &str, x_desc: &str, y_desc: &str, series: &[Series<'_>]) -> Svg {
    let x_range = log_range(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let y_range = log_range(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    render(title, (720, 480), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range.log_scale(), y_range.log_scale())?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_label_formatter(&|v| short_number(*v))
            .y_label_formatter(&|v| short_number(*v))
            .draw()?;
        for (i, s) in series.iter().enumerate() {
            let style = color(i);
            let mut points: Vec<(f64, f64)> = s.points.iter().copied().filter(|(x, y)| *x > 0.0 && *y > 0.0).collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            chart.draw_series(LineSeries::new(points.clone(), style.stroke_width(2)))?;
            chart
                .draw_series(points.iter().map(|p| Circle::new(*p, 5, style.filled())))?
                .label(s.name)
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, style.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}

/// One horizontal bar per `(label, value)`, in the order given.
pub fn horizontal_bars(title: &str, x_desc: &str, bars: &[(String, f64)]) -> Svg {
    let stacked: Vec<StackedBar<'_>> =
        bars.iter().map(|(l, v)| StackedBar { label: l, parts: vec![("", *v)] }).collect();
    stacked_bars(title, x_desc, &stacked)
}

/// One horizontal bar per entry, each split into its parts (a legend names the parts when they
/// have names).
pub fn stacked_bars(title: &str, x_desc: &str, bars: &[StackedBar<'_>]) -> Svg {
    let longest = bars.iter().map(|b| b.parts.iter().map(|p| p.1.max(0.0)).sum::<f64>()).fold(0.0, f64::max);
    let label_width = bars.iter().map(|b| b.label.chars().count()).max().unwrap_or(4) as u32 * 7 + 12;
    let height = 90 + 26 * bars.len().max(1) as u32;
    let mut part_names: Vec<&str> = Vec::new();
    for part in bars.iter().flat_map(|b| b.parts.iter()) {
        if !part.0.is_empty() && !part_names.contains(&part.0) {
            part_names.push(part.0);
        }
    }
    render(title, (760, height.max(200)), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(label_width.min(320))
            .build_cartesian_2d(
                0.0..if longest > 0.0 { longest * 1.05 } else { 1.0 },
                (0..bars.len().max(1)).into_segmented(),
            )?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(x_desc)
            .x_label_formatter(&|v| short_number(*v))
            .y_labels(bars.len().max(1))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => bars.get(*i).map(|b| b.label.to_string()).unwrap_or_default(),
                _ => String::new(),
            })
            .draw()?;
        for (row, bar) in bars.iter().enumerate() {
            let mut start = 0.0;
            for (name, value) in &bar.parts {
                let index = part_names.iter().position(|n| n == name).unwrap_or(0);
                let end = start + value.max(0.0);
                let mut rect = Rectangle::new(
                    [(start, SegmentValue::Exact(row)), (end, SegmentValue::Exact(row + 1))],
                    color(index).filled(),
                );
                rect.set_margin(3, 3, 0, 0);
                chart.draw_series(std::iter::once(rect))?;
                start = end;
            }
        }
        for (i, name) in part_names.iter().enumerate() {
            let style = color(i);
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, SegmentValue<usize>)>>())?
                .label(*name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], style.filled()));
        }
        if !part_names.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .draw()?;
        }
        Ok(())
    })
}

/// 1234567 → "1.2M", 0.05 → "0.05": axis labels that stay short on log axes.
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        trim(format!("{:.2}", v / 1e9)) + "G"
    } else if a >= 1e6 {
        trim(format!("{:.2}", v / 1e6)) + "M"
    } else if a >= 1e3 {
        trim(format!("{:.2}", v / 1e3)) + "k"
    } else if a >= 1.0 || a == 0.0 {
        trim(format!("{v:.2}"))
    } else {
        trim(format!("{v:.3}"))
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_short() {
        assert_eq!(short_number(2_802_304.0), "2.8M");
        assert_eq!(short_number(65_536.0), "65.54k");
        assert_eq!(short_number(12.0), "12");
        assert_eq!(short_number(0.05), "0.05");
        assert_eq!(short_number(0.0), "0");
    }

    #[test]
    fn charts_are_svg_with_their_labels() {
        let series = [
            Series { name: "zkinfer", points: vec![(1e5, 1.0), (1e6, 8.0)] },
            Series { name: "EZKL", points: vec![(1e5, 20.0), (1e6, 150.0)] },
        ];
        let text = log_log("prove time", "multiply-adds", "seconds", &series).unwrap();
        assert!(text.starts_with("<svg") && text.contains("zkinfer") && text.contains("EZKL"));
        assert_eq!(text.matches("<circle").count(), 6, "four points and two legend marks");

        let stacked = [
            StackedBar { label: "this proof", parts: vec![("advice", 2.0), ("rest", 3.0)] },
            StackedBar { label: "floor", parts: vec![("advice", 1.0)] },
        ];
        let text = stacked_bars("breakdown", "seconds", &stacked).unwrap();
        for label in ["this proof", "floor", "advice", "rest", "breakdown"] {
            assert!(text.contains(label), "{label} missing");
        }
    }

    #[test]
    fn bars_of_nothing_still_draw_a_frame() {
        let text = horizontal_bars("rows", "rows", &[]).unwrap();
        assert!(text.contains("rows"));
    }
}
