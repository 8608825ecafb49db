package email

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// FontEnv names the environment variable that overrides the chart font.
const FontEnv = "ACCORD_FONT"

// defaultFontPaths are where Linux distributions install a font covering
// Chinese, tried in order when neither Options.FontPath nor ACCORD_FONT is
// set. Debian and Ubuntu: fonts-noto-cjk (the first path) or
// fonts-wqy-microhei / fonts-wqy-zenhei.
var DefaultFontPaths = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
}

// chartFont is the font PNG charts are drawn with.
type ChartFont struct {
	font *sfnt.Font
	// source says where it came from, for error messages: a path, or
	// "built-in Go Regular" when no CJK font was found.
	Source string
	// cjk is whether it covers Chinese (checked on 中文).
	Cjk bool
}

var (
	fontMu    sync.Mutex
	fontCache = map[string]*ChartFont{} // by path; "" is the built-in font
)

// loadChartFont returns the font for charts: path when set, else the file
// ACCORD_FONT names, else the first of defaultFontPaths that exists and
// covers Chinese, else Go's built-in Latin font (then drawing a CJK label is
// an error, never a row of empty boxes). An explicit path that cannot be
// read is an error, not a quiet fallback. Fonts are parsed once per process.
func LoadChartFont(path string) (*ChartFont, error) {
	explicit := path
	if explicit == "" {
		explicit = os.Getenv(FontEnv)
	}
	if explicit != "" {
		return cachedFont(explicit)
	}
	for _, p := range DefaultFontPaths {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		f, err := cachedFont(p)
		if err == nil && f.Cjk {
			return f, nil
		}
	}
	return cachedFont("")
}

func cachedFont(path string) (*ChartFont, error) {
	fontMu.Lock()
	defer fontMu.Unlock()
	if f, ok := fontCache[path]; ok {
		return f, nil
	}
	var f *ChartFont
	var err error
	if path == "" {
		var sf *sfnt.Font
		sf, err = opentype.Parse(goregular.TTF)
		f = &ChartFont{font: sf, Source: "built-in Go Regular"}
	} else {
		f, err = parseFontFile(path)
	}
	if err != nil {
		return nil, err
	}
	f.Cjk = f.covers("中文报告")
	fontCache[path] = f
	return f, nil
}

// parseFontFile reads a .ttf/.otf, or a .ttc collection, from which it picks
// the Simplified Chinese member (Noto Sans CJK SC) if there is one, else the
// first member covering Chinese, else the first.
func parseFontFile(path string) (*ChartFont, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reports: chart font: %w", err)
	}
	if !bytes.HasPrefix(raw, []byte("ttcf")) {
		f, err := opentype.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("reports: chart font %s: %w", path, err)
		}
		return &ChartFont{font: f, Source: path}, nil
	}
	coll, err := opentype.ParseCollection(raw)
	if err != nil {
		return nil, fmt.Errorf("reports: chart font %s: %w", path, err)
	}
	var first, firstCJK, sc *sfnt.Font
	var buf sfnt.Buffer
	for i := 0; i < coll.NumFonts(); i++ {
		f, err := coll.Font(i)
		if err != nil {
			return nil, fmt.Errorf("reports: chart font %s, member %d: %w", path, i, err)
		}
		if first == nil {
			first = f
		}
		c := &ChartFont{font: f}
		if firstCJK == nil && c.covers("中文") {
			firstCJK = f
		}
		family, _ := f.Name(&buf, sfnt.NameIDFamily)
		if sc == nil && strings.Contains(family, " SC") && !strings.Contains(family, "Mono") {
			sc = f
		}
	}
	pick := first
	if firstCJK != nil {
		pick = firstCJK
	}
	if sc != nil {
		pick = sc
	}
	if pick == nil {
		return nil, fmt.Errorf("reports: chart font %s: empty collection", path)
	}
	return &ChartFont{font: pick, Source: path}, nil
}

// has reports whether the font has a glyph for r (index 0 is .notdef, the
// empty box a missing character would be drawn as).
func (f *ChartFont) Has(r rune) bool {
	var buf sfnt.Buffer
	i, err := f.font.GlyphIndex(&buf, r)
	return err == nil && i != 0
}

func (f *ChartFont) covers(s string) bool {
	for _, r := range s {
		if !f.Has(r) {
			return false
		}
	}
	return true
}

// face returns a face of the given pixel size. Faces are not safe for
// concurrent use; each chart render makes its own.
func (f *ChartFont) Face(px float64) (font.Face, error) {
	return opentype.NewFace(f.font, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
}

// isCJK reports whether r is a character of Chinese, Japanese or Korean
// writing, or CJK punctuation and full-width forms.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// errNoCJKFont is returned (wrapped) when a chart label needs CJK glyphs
// and the font has none.
var ErrNoCJKFont = errors.New("no font covering Chinese was found")

// drawable prepares a label for drawing: control characters are dropped and
// a character the font lacks becomes "?", except CJK characters, which make
// it an error: a chart whose Chinese labels are empty boxes must not be
// mailed.
func (f *ChartFont) drawable(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			continue
		case f.Has(r):
			b.WriteRune(r)
		case isCJK(r):
			return "", fmt.Errorf("reports: chart label %q: %w (font: %s); install fonts-noto-cjk or set %s or Options.FontPath to a CJK font",
				s, ErrNoCJKFont, f.Source, FontEnv)
		default:
			b.WriteRune('?')
		}
	}
	return b.String(), nil
}
