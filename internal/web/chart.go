package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// Charts are server-rendered SVG: no script, no library, readable when
// printed (series differ by dash pattern and marker, not only by colour)
// and accessible (role img, a title and a description, and a <title> on
// every data point; the page shows the numbers as tables too). Colours and
// line styles come from classes in static/style.css.

// series is one line of a line chart; Has[i] false leaves a gap.
type series struct {
	Name   string
	Values []float64
	Has    []bool
}

// bar is one bar of a bar chart.
type bar struct {
	Label string
	Value int
}

// padR leaves room for half the last x label ("30.11"), centred on the
// plot's right end.
const (
	chartW, chartH                  = 720, 260
	padL, padR, padT, padB          = 48, 24, 12, 56
	barChartW, barH, barGap, barPad = 720, 20, 6, 300
)

func esc(s string) string { return html.EscapeString(s) }

// niceMax rounds v up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// lineChart draws series over labels (x) from 0 to yMax (0: the largest
// value rounded up to four whole, nice steps); yFmt formats values for axis ticks and point titles.
func lineChart(id, title, desc string, labels []string, ss []series, yMax float64, yFmt func(float64) string) template.HTML {
	if yMax <= 0 {
		for _, s := range ss {
			for i, v := range s.Values {
				if s.Has[i] && v > yMax {
					yMax = v
				}
			}
		}
		// Four grid steps of a whole, nice number each: the series are
		// counts of letters, and a tick labelled by rounding a quarter of
		// 5 read "0 1 2 4 5" (the line at 4 drawn above the "4"), of an
		// empty chart's 1 "0 0 0 1 1".
		yMax = 4 * math.Max(1, niceMax(yMax/4))
	}
	n := len(labels)
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-padB)
	x := func(i int) float64 {
		if n <= 1 {
			return padL
		}
		return padL + plotW*float64(i)/float64(n-1)
	}
	y := func(v float64) float64 { return padT + plotH - plotH*v/yMax }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`,
		id, chartW, chartH, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
	for k := 0; k <= 4; k++ {
		v := yMax * float64(k) / 4
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, padL, chartW-padR, y(v), y(v))
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%.1f" text-anchor="end">%s</text>`, padL-6, y(v)+4, esc(yFmt(v)))
	}
	for i, l := range labels {
		if (n-1-i)%4 == 0 {
			fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(i), chartH-padB+16, esc(l))
		}
	}
	for k, s := range ss {
		cls := fmt.Sprintf("s%d", k%4)
		var path strings.Builder
		pen := "M"
		for i, v := range s.Values {
			if !s.Has[i] {
				pen = "M"
				continue
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", pen, x(i), y(v))
			pen = "L"
		}
		fmt.Fprintf(&b, `<g class="series %s" data-series="%s"><path class="line" d="%s"/>`, cls, esc(s.Name), strings.TrimSpace(path.String()))
		for i, v := range s.Values {
			if !s.Has[i] {
				continue
			}
			fmt.Fprintf(&b, `%s<title>%s · %s: %s</title></%s>`, marker(k, x(i), y(v), v), esc(labels[i]), esc(s.Name), esc(yFmt(v)), markerTag(k))
		}
		b.WriteString(`</g>`)
		// Legend below the axis.
		lx := padL + k*150
		ly := chartH - 18
		fmt.Fprintf(&b, `<g class="legend %s"><line class="line" x1="%d" x2="%d" y1="%d" y2="%d"/>%s</%s><text x="%d" y="%d">%s</text></g>`,
			cls, lx, lx+28, ly, ly, marker(k, float64(lx+14), float64(ly), 0), markerTag(k), lx+34, ly+4, esc(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text in it is escaped above
}

// marker opens a data point's shape (circle, square, diamond, triangle by
// series), with class pt and its value; markerTag closes it.
func marker(k int, cx, cy, v float64) string {
	switch k % 4 {
	case 1:
		return fmt.Sprintf(`<rect class="pt" data-value="%g" x="%.1f" y="%.1f" width="7" height="7">`, v, cx-3.5, cy-3.5)
	case 2:
		return fmt.Sprintf(`<polygon class="pt" data-value="%g" points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f">`, v, cx, cy-5, cx+5, cy, cx, cy+5, cx-5, cy)
	case 3:
		return fmt.Sprintf(`<polygon class="pt" data-value="%g" points="%.1f,%.1f %.1f,%.1f %.1f,%.1f">`, v, cx, cy-5, cx+5, cy+4, cx-5, cy+4)
	}
	return fmt.Sprintf(`<circle class="pt" data-value="%g" cx="%.1f" cy="%.1f" r="3.5">`, v, cx, cy)
}

func markerTag(k int) string {
	switch k % 4 {
	case 1:
		return "rect"
	case 2, 3:
		return "polygon"
	}
	return "circle"
}

// barChart draws horizontal bars, largest first, labelled with their
// value as num writes it (the reader's Localizer.Int: nb "1 307"); the
// data-value attribute keeps the plain number.
func barChart(id, title, desc string, bars []bar, num func(n any) string) template.HTML {
	h := padT*2 + len(bars)*(barH+barGap)
	if len(bars) == 0 {
		h = padT*2 + barH
	}
	maxV := 1
	for _, b := range bars {
		maxV = max(maxV, b.Value)
	}
	plotW := float64(barChartW - barPad - 60)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="chart bars" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`,
		id, barChartW, h, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
	for i, br := range bars {
		top := padT + i*(barH+barGap)
		label := br.Label
		if r := []rune(label); len(r) > 44 {
			label = string(r[:43]) + "…"
		}
		w := math.Max(1, plotW*float64(br.Value)/float64(maxV))
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, barPad-8, top+barH-6, esc(label))
		fmt.Fprintf(&b, `<rect class="pt bar" data-value="%d" x="%d" y="%d" width="%.1f" height="%d"><title>%s: %s</title></rect>`,
			br.Value, barPad, top, w, barH, esc(br.Label), esc(num(br.Value)))
		fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%d">%s</text>`, float64(barPad)+w+6, top+barH-6, esc(num(br.Value)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text in it is escaped above
}
