package email

import (
	"github.com/accordhq/accord/reports/format"

	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strconv"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// PNG charts for e-mail bodies. Mail clients run no JavaScript and Gmail
// shows neither SVG nor data: images, so the e-mail carries its charts as
// PNG parts referenced by cid:. They are drawn here with image/draw and an
// OpenType font (font.go), at twice the size they are shown (the <img> tag
// halves them), so text stays sharp on high-density screens. The same data
// gives the same bytes: no randomness, no time, and image/png's encoder is
// deterministic.

// pngScale is how many image pixels one CSS pixel of the e-mail holds.
const PngScale = 2

// chartWidth is the CSS width of every e-mail chart.
const ChartWidth = 600

var (
	colBackground = color.RGBA{0xff, 0xff, 0xff, 0xff}
	colText       = color.RGBA{0x22, 0x22, 0x22, 0xff}
	colMuted      = color.RGBA{0x66, 0x66, 0x66, 0xff}
	colGrid       = color.RGBA{0xe3, 0xe6, 0xea, 0xff}
	colAxis       = color.RGBA{0x99, 0x99, 0x99, 0xff}
	ColBar        = color.RGBA{0x54, 0x70, 0xc6, 0xff}

	tierColors = map[string]color.RGBA{
		"A": {0x2e, 0x7d, 0x32, 0xff},
		"B": {0x19, 0x76, 0xd2, 0xff},
		"C": {0xf9, 0xa8, 0x25, 0xff},
		"D": {0xc6, 0x28, 0x28, 0xff},
	}
	colNoTier = color.RGBA{0x9e, 0x9e, 0x9e, 0xff}

	// agingColors follow agingBuckets: current, 1–30, 31–60, 61–90, 90+.
	agingColors = []color.RGBA{
		{0x66, 0xbb, 0x6a, 0xff},
		{0xd4, 0xc1, 0x3a, 0xff},
		{0xff, 0xa7, 0x26, 0xff},
		{0xef, 0x53, 0x50, 0xff},
		{0x8e, 0x24, 0xaa, 0xff},
	}
)

func tierColor(tier string) color.RGBA {
	if c, ok := tierColors[tier]; ok {
		return c
	}
	return colNoTier
}

// canvas is an image being drawn, in image pixels, with the faces of one
// chart. Sizes passed to its methods are CSS pixels times pngScale.
type canvas struct {
	img   *image.RGBA
	font  *ChartFont
	title font.Face
	label font.Face
	small font.Face
}

func newCanvas(f *ChartFont, cssHeight int) (*canvas, error) {
	c := &canvas{
		img:  image.NewRGBA(image.Rect(0, 0, ChartWidth*PngScale, cssHeight*PngScale)),
		font: f,
	}
	var err error
	if c.title, err = f.Face(15 * PngScale); err != nil {
		return nil, fmt.Errorf("reports: chart font: %w", err)
	}
	if c.label, err = f.Face(12 * PngScale); err != nil {
		return nil, fmt.Errorf("reports: chart font: %w", err)
	}
	if c.small, err = f.Face(11 * PngScale); err != nil {
		return nil, fmt.Errorf("reports: chart font: %w", err)
	}
	draw.Draw(c.img, c.img.Bounds(), image.NewUniform(colBackground), image.Point{}, draw.Src)
	return c, nil
}

func (c *canvas) w() int { return c.img.Bounds().Dx() }
func (c *canvas) h() int { return c.img.Bounds().Dy() }

func (c *canvas) fill(x0, y0, x1, y1 int, col color.Color) {
	r := image.Rect(x0, y0, x1, y1).Intersect(c.img.Bounds())
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Src)
}

// dot draws a filled, anti-aliased circle.
func (c *canvas) dot(cx, cy, radius float64, col color.RGBA) {
	x0, x1 := int(math.Floor(cx-radius-1)), int(math.Ceil(cx+radius+1))
	y0, y1 := int(math.Floor(cy-radius-1)), int(math.Ceil(cy+radius+1))
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			a := math.Max(0, math.Min(1, radius+0.5-d)) * 0.8
			if a <= 0 || !(image.Point{x, y}.In(c.img.Bounds())) {
				continue
			}
			bg := c.img.RGBAAt(x, y)
			mix := func(f, b uint8) uint8 { return uint8(math.Round(float64(f)*a + float64(b)*(1-a))) }
			c.img.SetRGBA(x, y, color.RGBA{mix(col.R, bg.R), mix(col.G, bg.G), mix(col.B, bg.B), 0xff})
		}
	}
}

type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// text draws s with its baseline at y, aligned on x. It fails when s needs
// glyphs the font lacks (CJK without a CJK font).
func (c *canvas) text(face font.Face, s string, x, y int, a align, col color.Color) error {
	s, err := c.font.drawable(s)
	if err != nil {
		return err
	}
	width := font.MeasureString(face, s).Ceil()
	switch a {
	case alignCenter:
		x -= width / 2
	case alignRight:
		x -= width
	}
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
	return nil
}

// fit shortens s with an ellipsis until it is at most maxWidth pixels wide.
func (c *canvas) fit(face font.Face, s string, maxWidth int) (string, error) {
	s, err := c.font.drawable(s)
	if err != nil {
		return "", err
	}
	if font.MeasureString(face, s).Ceil() <= maxWidth {
		return s, nil
	}
	ellipsis := "…"
	if !c.font.Has('…') {
		ellipsis = "..."
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		if t := string(r) + ellipsis; font.MeasureString(face, t).Ceil() <= maxWidth {
			return t, nil
		}
	}
	return ellipsis, nil
}

func (c *canvas) drawTitle(title string) error {
	return c.text(c.title, title, c.w()/2, 26*PngScale, alignCenter, colText)
}

func (c *canvas) png() ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, c.img); err != nil {
		return nil, fmt.Errorf("reports: encode chart: %w", err)
	}
	return buf.Bytes(), nil
}

// niceStep is a round axis step (1, 2 or 5 × 10^k) giving about n ticks up
// to max.
func niceStep(max float64, n int) float64 {
	if max <= 0 || math.IsNaN(max) || math.IsInf(max, 0) {
		return 1
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

// axisNumber formats a tick value compactly: 1,500 / 2.5M / 0.5.
func axisNumber(v float64) string {
	abs := math.Abs(v)
	switch {
	case abs >= 1e9:
		return trimZeros(strconv.FormatFloat(v/1e9, 'f', 1, 64)) + "B"
	case abs >= 1e6:
		return trimZeros(strconv.FormatFloat(v/1e6, 'f', 1, 64)) + "M"
	case abs >= 1e4:
		return trimZeros(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "k"
	case abs == math.Trunc(abs):
		return formatMoneyInt(strconv.FormatFloat(v, 'f', 0, 64))
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 2, 64))
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// formatMoneyInt groups an integer string by thousands.
func formatMoneyInt(s string) string {
	m := format.FormatMoney(s, "")
	return strings.TrimSuffix(m, ".00")
}

// barItem is one bar of a bar chart.
type BarItem struct {
	Label string
	Value float64
	Color color.RGBA
	Note  string // drawn after the bar (horizontal) or above it (vertical)
}

// drawVBars draws a vertical bar chart of counts: one bar per item, labels
// below, whole-number ticks.
func drawVBars(f *ChartFont, title string, items []BarItem) ([]byte, error) {
	c, err := newCanvas(f, 300)
	if err != nil {
		return nil, err
	}
	if err := c.drawTitle(title); err != nil {
		return nil, err
	}
	left, right := 56*PngScale, c.w()-20*PngScale
	top, bottom := 50*PngScale, c.h()-40*PngScale
	maxV := 0.0
	for _, it := range items {
		maxV = math.Max(maxV, it.Value)
	}
	step := math.Max(1, niceStep(maxV, 4))
	top2 := math.Max(step, math.Ceil(maxV/step)*step)
	yOf := func(v float64) int { return bottom - int(math.Round(v/top2*float64(bottom-top))) }
	for v := 0.0; v <= top2+step/2; v += step {
		y := yOf(v)
		c.fill(left, y, right, y+PngScale/2+1, colGrid)
		if err := c.text(c.small, axisNumber(v), left-8*PngScale, y+5*PngScale, alignRight, colMuted); err != nil {
			return nil, err
		}
	}
	c.fill(left, bottom, right, bottom+PngScale, colAxis)
	if len(items) == 0 {
		return c.png()
	}
	slot := (right - left) / len(items)
	barW := min(slot*6/10, 90*PngScale)
	for i, it := range items {
		cx := left + slot*i + slot/2
		y := yOf(it.Value)
		c.fill(cx-barW/2, y, cx+barW/2, bottom, it.Color)
		note := it.Note
		if note == "" {
			note = axisNumber(it.Value)
		}
		if err := c.text(c.label, note, cx, y-6*PngScale, alignCenter, colText); err != nil {
			return nil, err
		}
		label, err := c.fit(c.label, it.Label, slot-4*PngScale)
		if err != nil {
			return nil, err
		}
		if err := c.text(c.label, label, cx, bottom+20*PngScale, alignCenter, colText); err != nil {
			return nil, err
		}
	}
	return c.png()
}

// drawHBars draws a horizontal bar chart: labels on the left, one bar per
// item, its note on the right (used for the hot-spot Pareto).
func DrawHBars(f *ChartFont, title, subtitle string, items []BarItem) ([]byte, error) {
	rowH := 26
	c, err := newCanvas(f, 70+rowH*max(1, len(items))+16)
	if err != nil {
		return nil, err
	}
	if err := c.drawTitle(title); err != nil {
		return nil, err
	}
	if subtitle != "" {
		if err := c.text(c.small, subtitle, c.w()/2, 46*PngScale, alignCenter, colMuted); err != nil {
			return nil, err
		}
	}
	labelW := 250 * PngScale
	noteW := 110 * PngScale
	left, right := 12*PngScale+labelW, c.w()-noteW
	top := 62 * PngScale
	maxV := 0.0
	for _, it := range items {
		maxV = math.Max(maxV, it.Value)
	}
	if maxV <= 0 {
		maxV = 1
	}
	for i, it := range items {
		y := top + i*rowH*PngScale
		label, err := c.fit(c.label, it.Label, labelW-10*PngScale)
		if err != nil {
			return nil, err
		}
		if err := c.text(c.label, label, left-8*PngScale, y+17*PngScale, alignRight, colText); err != nil {
			return nil, err
		}
		w := int(math.Round(it.Value / maxV * float64(right-left-8*PngScale)))
		c.fill(left, y+4*PngScale, left+max(w, PngScale), y+(rowH-4)*PngScale, it.Color)
		if err := c.text(c.small, it.Note, left+w+6*PngScale, y+17*PngScale, alignLeft, colText); err != nil {
			return nil, err
		}
	}
	c.fill(left, top, left+PngScale, top+len(items)*rowH*PngScale, colAxis)
	return c.png()
}

// stackSeries is one series of a stacked horizontal bar chart.
type stackSeries struct {
	name  string
	color color.RGBA
}

// stackRow is one bar of a stacked horizontal bar chart: values per series.
type stackRow struct {
	label  string
	values []float64
	note   string
}

// drawStackedHBars draws one horizontal bar per row, stacked by series,
// with a legend at the bottom.
func drawStackedHBars(f *ChartFont, title string, series []stackSeries, rows []stackRow) ([]byte, error) {
	rowH := 34
	c, err := newCanvas(f, 56+rowH*max(1, len(rows))+64)
	if err != nil {
		return nil, err
	}
	if err := c.drawTitle(title); err != nil {
		return nil, err
	}
	labelW := 90 * PngScale
	noteW := 120 * PngScale
	left, right := 12*PngScale+labelW, c.w()-noteW
	top := 48 * PngScale
	maxV := 0.0
	for _, r := range rows {
		t := 0.0
		for _, v := range r.values {
			t += math.Max(0, v)
		}
		maxV = math.Max(maxV, t)
	}
	if maxV <= 0 {
		maxV = 1
	}
	for i, r := range rows {
		y := top + i*rowH*PngScale
		label, err := c.fit(c.label, r.label, labelW-10*PngScale)
		if err != nil {
			return nil, err
		}
		if err := c.text(c.label, label, left-8*PngScale, y+22*PngScale, alignRight, colText); err != nil {
			return nil, err
		}
		x := float64(left)
		span := float64(right - left - 8*PngScale)
		for s, v := range r.values {
			w := math.Max(0, v) / maxV * span
			c.fill(int(math.Round(x)), y+6*PngScale, int(math.Round(x+w)), y+(rowH-6)*PngScale, series[s].color)
			x += w
		}
		if err := c.text(c.small, r.note, int(math.Round(x))+6*PngScale, y+22*PngScale, alignLeft, colText); err != nil {
			return nil, err
		}
	}
	c.fill(left, top, left+PngScale, top+len(rows)*rowH*PngScale, colAxis)
	return c.png2(legend(c, series, c.h()-30*PngScale))
}

// legend draws the series names in a row, centred, at baseline y.
func legend(c *canvas, series []stackSeries, y int) error {
	box := 12 * PngScale
	gap := 18 * PngScale
	total := 0
	names := make([]string, len(series))
	for i, s := range series {
		n, err := c.font.drawable(s.name)
		if err != nil {
			return err
		}
		names[i] = n
		total += box + 6*PngScale + font.MeasureString(c.small, n).Ceil() + gap
	}
	x := (c.w() - total + gap) / 2
	for i, s := range series {
		c.fill(x, y-box+2*PngScale, x+box, y+2*PngScale, s.color)
		x += box + 6*PngScale
		if err := c.text(c.small, names[i], x, y, alignLeft, colText); err != nil {
			return err
		}
		x += font.MeasureString(c.small, names[i]).Ceil() + gap
	}
	return nil
}

// png2 encodes the canvas unless drawing it failed.
func (c *canvas) png2(err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return c.png()
}

// scatterDot is one point of a scatter chart.
type scatterDot struct {
	x, y  float64
	color color.RGBA
}

// drawScatter draws points on value axes with a legend.
func drawScatter(f *ChartFont, title, xName, yName string, yMax float64, dots []scatterDot, series []stackSeries) ([]byte, error) {
	c, err := newCanvas(f, 360)
	if err != nil {
		return nil, err
	}
	if err := c.drawTitle(title); err != nil {
		return nil, err
	}
	left, right := 60*PngScale, c.w()-24*PngScale
	top, bottom := 50*PngScale, c.h()-78*PngScale
	maxX := 0.0
	for _, d := range dots {
		maxX = math.Max(maxX, d.x)
	}
	xStep := niceStep(maxX, 5)
	xTop := math.Max(xStep, math.Ceil(maxX/xStep)*xStep)
	yStep := niceStep(yMax, 4)
	xOf := func(v float64) float64 { return float64(left) + v/xTop*float64(right-left) }
	yOf := func(v float64) float64 { return float64(bottom) - v/yMax*float64(bottom-top) }
	for v := 0.0; v <= yMax+yStep/2; v += yStep {
		y := int(math.Round(yOf(v)))
		c.fill(left, y, right, y+PngScale/2+1, colGrid)
		if err := c.text(c.small, axisNumber(v), left-8*PngScale, y+5*PngScale, alignRight, colMuted); err != nil {
			return nil, err
		}
	}
	for v := 0.0; v <= xTop+xStep/2; v += xStep {
		x := int(math.Round(xOf(v)))
		c.fill(x, top, x+PngScale/2+1, bottom, colGrid)
		if err := c.text(c.small, axisNumber(v), x, bottom+18*PngScale, alignCenter, colMuted); err != nil {
			return nil, err
		}
	}
	c.fill(left, bottom, right, bottom+PngScale, colAxis)
	c.fill(left, top, left+PngScale, bottom, colAxis)
	for _, d := range dots {
		c.dot(xOf(math.Max(0, d.x)), yOf(math.Max(0, math.Min(yMax, d.y))), 4.5*PngScale, d.color)
	}
	if err := c.text(c.small, xName, (left+right)/2, bottom+38*PngScale, alignCenter, colMuted); err != nil {
		return nil, err
	}
	if err := c.text(c.small, yName, left, top-10*PngScale, alignLeft, colMuted); err != nil {
		return nil, err
	}
	return c.png2(legend(c, series, c.h()-12*PngScale))
}
