package web

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// TestLineChartTicksInsideTheChart: the x axis's labels (dates, "30.11")
// are drawn inside the chart's viewBox, so that none is cut at its edge:
// the last week's label, centred on the right end of the plot, lost its
// last digit on the overview ("30.1"). A label's width is estimated at
// 0.6 em of the charts' 11px font per character.
func TestLineChartTicksInsideTheChart(t *testing.T) {
	labels := []string{"15.06", "22.06", "29.06", "06.07", "13.07", "20.07", "27.07", "03.08", "10.08", "17.08",
		"24.08", "31.08", "07.09", "14.09", "21.09", "28.09", "05.10", "12.10", "19.10", "26.10", "02.11",
		"09.11", "16.11", "23.11", "30.11"}
	s := series{Name: "svarut", Values: make([]float64, len(labels)), Has: make([]bool, len(labels))}
	svg := string(lineChart("chart-test", "t", "d", labels, []series{s}, 100, func(v float64) string { return strconv.Itoa(int(v)) + " %" }))
	ticks := regexp.MustCompile(`<text class="tick" x="([0-9.]+)" y="[0-9.]+" text-anchor="(start|middle|end)">([^<]*)</text>`).FindAllStringSubmatch(svg, -1)
	if len(ticks) < 5 {
		t.Fatalf("%d ticks in\n%s", len(ticks), svg)
	}
	for _, m := range ticks {
		x, _ := strconv.ParseFloat(m[1], 64)
		w := 0.6 * 11 * float64(len([]rune(m[3])))
		left, right := x, x+w
		switch m[2] {
		case "middle":
			left, right = x-w/2, x+w/2
		case "end":
			left, right = x-w, x
		}
		if left < 0 || right > chartW {
			t.Errorf("tick %q spans %.1f to %.1f, outside the chart's 0 to %d", m[3], left, right, chartW)
		}
	}
}

// The unopened letters' chart counts letters: each of its ticks is the
// whole number at its grid line, also for a small or empty chart (a
// largest value of 5 gave "0 1 2 4 5", quarters of 5 rounded; an empty
// unit's chart "0 0 0 1 1").
func TestLineChartTicksAreWholeSteps(t *testing.T) {
	for _, c := range []struct {
		max  float64
		want []string
	}{
		{0, []string{"0", "1", "2", "3", "4"}},
		{5, []string{"0", "2", "4", "6", "8"}},
		{12, []string{"0", "5", "10", "15", "20"}},
		{40, []string{"0", "10", "20", "30", "40"}},
	} {
		s := series{Name: "svarut", Values: []float64{0, c.max}, Has: []bool{true, true}}
		svg := string(lineChart("chart-test", "t", "d", []string{"a", "b"}, []series{s}, 0, func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }))
		var got []string
		for _, m := range regexp.MustCompile(`<text class="tick" x="[0-9.]+" y="[0-9.]+" text-anchor="end">([^<]*)</text>`).FindAllStringSubmatch(svg, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("largest value %v: ticks %v, want %v", c.max, got, c.want)
		}
	}
}

// A unit or organisation name holding bidi controls or right-to-left
// letters is isolated in a chart's label, so that it cannot reorder the
// organisation number beside it; a plain name stays as it is.
func TestChartLabelsIsolateBidiNames(t *testing.T) {
	sum := &store.ListSummary{Groups: []store.ListGroup{{Key: "Enhet\u202eevil", SenderOrg: "964338531", Count: 2},
		{Key: "Barnevernstjenesten", SenderOrg: "964338531", Count: 1}}}
	bars := unitBars(sum, true)
	if bars[0].Label != "\u2068Enhet\u202eevil\u2069 (964338531)" || bars[1].Label != "Barnevernstjenesten (964338531)" {
		t.Errorf("labels %q, %q", bars[0].Label, bars[1].Label)
	}
	orgs := orgBars(&store.ListSummary{Groups: []store.ListGroup{{Kind: "org", Key: "974760673", Name: "شركة", Count: 1}}})
	if orgs[0].Label != "974760673 \u2068شركة\u2069" {
		t.Errorf("organisation label %q", orgs[0].Label)
	}
}
