package reports

import (
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

// cjkFont returns the CJK chart font of this machine. Without one the test
// skips, except on CI (CI=true), where `make test-deps` installs
// fonts-noto-cjk and a missing font must not turn the tests green.
func cjkFont(t *testing.T) *chartFont {
	t.Helper()
	t.Setenv(FontEnv, "")
	f, err := loadChartFont("")
	if err != nil {
		t.Fatal(err)
	}
	if !f.cjk {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no CJK font found (tried %q); install fonts-noto-cjk", defaultFontPaths)
		}
		t.Skipf("no CJK font found (tried %q); install fonts-noto-cjk", defaultFontPaths)
	}
	return f
}

// chineseData is report data whose chart labels are Chinese.
func chineseData() *reportData {
	return &reportData{
		customers: 10,
		tiers:     []tierCount{{"A", 2}, {"B", 3}, {"C", 3}, {"D", 2}},
		hotspots: []hotspot{
			{rank: 1, productID: "P07", productName: "智能电表", component: "电源模块", region: "华东", failures: 38, ratePer100PerYear: 7.4, cumulativeShareRatio: 0.5},
			{rank: 2, productID: "P02", productName: "网关", component: "主板", region: "华南", failures: 20, ratePer100PerYear: 2.1, cumulativeShareRatio: 0.76},
			{rank: 3, productID: "P03", productName: "Pump X", component: "valve", region: "North", failures: 18, ratePer100PerYear: 1.2, cumulativeShareRatio: 1},
		},
		paretoItems: []paretoItem{
			{key: "P07", label: "智能电表 · 电源模块 · 华东", failures: 38},
			{key: "P02", label: "网关 · 主板 · 华南", failures: 20},
			{key: "P03", label: "Pump X · valve · North", failures: 18},
		},
		scatter: []scatterPoint{{"A", "甲", 1200, 91}, {"B", "乙", 30000, 70}, {"C", "丙", 800, 40}, {"D", "丁", 45000, 12}},
		aging: []agingTier{
			{"A", []string{"1000.10", "200.20", "0.00", "0.00", "0.00"}},
			{"B", []string{"500.00", "0.00", "300.33", "99.99", "1234.56"}},
			{"", []string{"10.00", "0.00", "0.00", "0.00", "5.00"}},
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
func glyphMask(t *testing.T, f *chartFont, r rune) []byte {
	t.Helper()
	face, err := f.face(48)
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
	f := cjkFont(t)
	seen := map[string]rune{}
	for _, r := range "电源模块华东主板故障热点" {
		if !f.has(r) {
			t.Fatalf("font %s lacks %q", f.source, r)
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
		b, err := drawHBars(f, "故障热点", "", []barItem{{label: label, value: 5, color: colBar, note: "5"}})
		if err != nil {
			t.Fatal(err)
		}
		return decodePNG(t, b)
	}
	a, b := render("电源模块 · 华东"), render("主板故障 · 华南")
	labelRow := image.Rect(12*pngScale, 62*pngScale, 12*pngScale+250*pngScale, (62+26)*pngScale)
	if n := inkIn(a, labelRow); n < 300 {
		t.Errorf("label region has %d inked pixels; the Chinese label was not drawn", n)
	}
	if sameRegion(a, b, labelRow) {
		t.Error("two different Chinese labels rendered identically (tofu?)")
	}
	if n := inkIn(a, image.Rect(0, 0, a.Bounds().Dx(), 40*pngScale)); n < 300 {
		t.Errorf("title region has %d inked pixels", n)
	}
}

func TestEmailChartsChineseAndDeterministic(t *testing.T) {
	cjkFont(t)
	l := labelsZH
	opt := Options{Language: "zh-CN", CurrencySymbol: "¥"}
	a, err := emailCharts(chineseData(), l, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 4 {
		t.Fatalf("%d charts, want 4", len(a))
	}
	b, err := emailCharts(chineseData(), l, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if !bytes.Equal(a[i].data, b[i].data) {
			t.Errorf("%s: two renders of the same data differ", a[i].file)
		}
		img := decodePNG(t, a[i].data)
		if img.Bounds().Dx() != chartWidth*pngScale || a[i].width != chartWidth {
			t.Errorf("%s: %d px wide, shown at %d", a[i].file, img.Bounds().Dx(), a[i].width)
		}
	}
	d := chineseData()
	d.paretoItems[0].failures = 39
	c, err := emailCharts(d, l, opt)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a[2].data, c[2].data) {
		t.Error("the Pareto did not change with the data")
	}
	if dir := os.Getenv("ACCORD_KEEP_PNG"); dir != "" {
		for _, img := range a {
			if err := os.WriteFile(filepath.Join(dir, img.file), img.data, 0o644); err != nil {
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
	_, err := emailCharts(chineseData(), labelsZH, Options{Language: "zh-CN", FontPath: latin})
	if !errors.Is(err, errNoCJKFont) {
		t.Fatalf("zh-CN charts with a Latin font: err = %v, want errNoCJKFont", err)
	}
	// ACCORD_FONT is honoured the same way.
	t.Setenv(FontEnv, latin)
	if _, err := emailCharts(chineseData(), labelsZH, Options{Language: "zh-CN"}); !errors.Is(err, errNoCJKFont) {
		t.Fatalf("zh-CN charts with ACCORD_FONT=Latin: err = %v, want errNoCJKFont", err)
	}
	d := chineseData()
	d.hotspots = d.hotspots[2:] // the Latin one only
	d.paretoItems = d.paretoItems[2:]
	charts, err := emailCharts(d, labelsEN, Options{Language: "en", FontPath: latin})
	if err != nil {
		t.Fatalf("en charts with a Latin font: %v", err)
	}
	if len(charts) != 4 {
		t.Errorf("%d charts, want 4", len(charts))
	}
	// An explicit font that cannot be read is an error, not a fallback.
	if _, err := emailCharts(d, labelsEN, Options{FontPath: filepath.Join(t.TempDir(), "missing.ttc")}); err == nil {
		t.Error("a missing FontPath was accepted")
	}
}
