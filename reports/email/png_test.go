package email_test

import (
	"github.com/accordhq/accord/reports/email"
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/math/fixed"
)

// chineseData is report data whose chart labels are Chinese.
func chineseData() *snapshot.ReportData {
	return &snapshot.ReportData{
		Customers: 10,
		Tiers:     []snapshot.TierCount{{Tier: "A", Count: 2}, {Tier: "B", Count: 3}, {Tier: "C", Count: 3}, {Tier: "D", Count: 2}},
		Hotspots: []snapshot.Hotspot{
			{Rank: 1, ProductID: "P07", ProductName: "智能电表", Component: "电源模块", Region: "华东", Failures: 38, RatePer100PerYear: 7.4, CumulativeShareRatio: 0.5},
			{Rank: 2, ProductID: "P02", ProductName: "网关", Component: "主板", Region: "华南", Failures: 20, RatePer100PerYear: 2.1, CumulativeShareRatio: 0.76},
			{Rank: 3, ProductID: "P03", ProductName: "Pump X", Component: "valve", Region: "North", Failures: 18, RatePer100PerYear: 1.2, CumulativeShareRatio: 1},
		},
		ParetoItems: []snapshot.ParetoItem{
			{Key: "P07", Label: "智能电表 · 电源模块 · 华东", Failures: 38},
			{Key: "P02", Label: "网关 · 主板 · 华南", Failures: 20},
			{Key: "P03", Label: "Pump X · valve · North", Failures: 18},
		},
		Scatter: []snapshot.ScatterPoint{{Tier: "A", Name: "甲", Cost: 1200, Score: 91}, {Tier: "B", Name: "乙", Cost: 30000, Score: 70}, {Tier: "C", Name: "丙", Cost: 800, Score: 40}, {Tier: "D", Name: "丁", Cost: 45000, Score: 12}},
		Aging: []snapshot.AgingTier{
			{Tier: "A", Buckets: []string{"1000.10", "200.20", "0.00", "0.00", "0.00"}},
			{Tier: "B", Buckets: []string{"500.00", "0.00", "300.33", "99.99", "1234.56"}},
			{Tier: "", Buckets: []string{"10.00", "0.00", "0.00", "0.00", "5.00"}},
		},
	}
}

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// inkIn counts the pixels of r that are not background white.
func inkIn(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if c.R < 0xc0 || c.G < 0xc0 || c.B < 0xc0 {
				n++
			}
		}
	}
	return n
}

func sameRegion(a, b image.Image, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.RGBAModel.Convert(a.At(x, y)) != color.RGBAModel.Convert(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}

// glyphMask rasterises one rune at 48 px.
func glyphMask(t *testing.T, f *email.ChartFont, r rune) []byte {
	t.Helper()
	face, err := f.Face(48)
	if err != nil {
		t.Fatal(err)
	}
	dr, mask, mp, _, ok := face.Glyph(fixed.P(0, 48), r)
	if !ok {
		t.Fatalf("no glyph for %q", r)
	}
	var out []byte
	for y := 0; y < dr.Dy(); y++ {
		for x := 0; x < dr.Dx(); x++ {
			_, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA()
			out = append(out, byte(a>>8))
		}
	}
	return out
}

// TestChineseGlyphsAreDrawn proves the chart font draws real Chinese
// characters, not the .notdef box ("tofu") a Latin font would draw.
func TestChineseGlyphsAreDrawn(t *testing.T) {
	f := reportstest.CjkFont(t)
	seen := map[string]rune{}
	for _, r := range "电源模块华东主板故障热点" {
		if !f.Has(r) {
			t.Fatalf("font %s lacks %q", f.Source, r)
		}
		// A mapped glyph (not .notdef, index 0), drawn with ink, and a
		// shape of its own: a fallback box would be the same for all.
		m := glyphMask(t, f, r)
		if !slices.ContainsFunc(m, func(b byte) bool { return b != 0 }) {
			t.Errorf("%q draws no ink", r)
		}
		if other, dup := seen[string(m)]; dup {
			t.Errorf("%q and %q draw the same shape", r, other)
		}
		seen[string(m)] = r
	}

	// In a chart: the label column of a row holds ink, and two different
	// Chinese labels of the same length draw differently (boxes would not).
	render := func(label string) image.Image {
		b, err := email.DrawHBars(f, "故障热点", "", []email.BarItem{{Label: label, Value: 5, Color: email.ColBar, Note: "5"}})
		if err != nil {
			t.Fatal(err)
		}
		return decodePNG(t, b)
	}
	a, b := render("电源模块 · 华东"), render("主板故障 · 华南")
	labelRow := image.Rect(12*email.PngScale, 62*email.PngScale, 12*email.PngScale+250*email.PngScale, (62+26)*email.PngScale)
	if n := inkIn(a, labelRow); n < 300 {
		t.Errorf("label region has %d inked pixels; the Chinese label was not drawn", n)
	}
	if sameRegion(a, b, labelRow) {
		t.Error("two different Chinese labels rendered identically (tofu?)")
	}
	if n := inkIn(a, image.Rect(0, 0, a.Bounds().Dx(), 40*email.PngScale)); n < 300 {
		t.Errorf("title region has %d inked pixels", n)
	}
}

func TestEmailChartsChineseAndDeterministic(t *testing.T) {
	reportstest.CjkFont(t)
	l := texts.LabelsZH
	opt := snapshot.Options{Language: "zh-CN", CurrencySymbol: "¥"}
	a, err := email.EmailCharts(chineseData(), l, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 4 {
		t.Fatalf("%d charts, want 4", len(a))
	}
	b, err := email.EmailCharts(chineseData(), l, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s: two renders of the same data differ", a[i].File)
		}
		img := decodePNG(t, a[i].Data)
		if img.Bounds().Dx() != email.ChartWidth*email.PngScale || a[i].Width != email.ChartWidth {
			t.Errorf("%s: %d px wide, shown at %d", a[i].File, img.Bounds().Dx(), a[i].Width)
		}
	}
	d := chineseData()
	d.ParetoItems[0].Failures = 39
	c, err := email.EmailCharts(d, l, opt)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a[2].Data, c[2].Data) {
		t.Error("the Pareto did not change with the data")
	}
	if dir := os.Getenv("ACCORD_KEEP_PNG"); dir != "" {
		for _, img := range a {
			if err := os.WriteFile(filepath.Join(dir, img.File), img.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestChartsFailWithoutCJKFont: with a Latin-only font, Chinese labels are
// an error that says what to install, never a chart of empty boxes; Latin
// labels still draw.
func TestChartsFailWithoutCJKFont(t *testing.T) {
	latin := filepath.Join(t.TempDir(), "goregular.ttf")
	if err := os.WriteFile(latin, goregular.TTF, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := email.EmailCharts(chineseData(), texts.LabelsZH, snapshot.Options{Language: "zh-CN", FontPath: latin})
	if !errors.Is(err, email.ErrNoCJKFont) {
		t.Fatalf("zh-CN charts with a Latin font: err = %v, want errNoCJKFont", err)
	}
	// ACCORD_FONT is honoured the same way.
	t.Setenv(email.FontEnv, latin)
	if _, err := email.EmailCharts(chineseData(), texts.LabelsZH, snapshot.Options{Language: "zh-CN"}); !errors.Is(err, email.ErrNoCJKFont) {
		t.Fatalf("zh-CN charts with ACCORD_FONT=Latin: err = %v, want errNoCJKFont", err)
	}
	d := chineseData()
	d.Hotspots = d.Hotspots[2:] // the Latin one only
	d.ParetoItems = d.ParetoItems[2:]
	charts, err := email.EmailCharts(d, texts.LabelsEN, snapshot.Options{Language: "en", FontPath: latin})
	if err != nil {
		t.Fatalf("en charts with a Latin font: %v", err)
	}
	if len(charts) != 4 {
		t.Errorf("%d charts, want 4", len(charts))
	}
	// An explicit font that cannot be read is an error, not a fallback.
	if _, err := email.EmailCharts(d, texts.LabelsEN, snapshot.Options{FontPath: filepath.Join(t.TempDir(), "missing.ttc")}); err == nil {
		t.Error("a missing FontPath was accepted")
	}
}
