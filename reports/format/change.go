package format

import (
	"math/big"
	"strings"
)

// Changes against the previous run, as the briefing states them: money
// stays exact (math/big over the decimal text, never a float), and a change
// the data cannot support is not available, never 0.

// decimalRat reads an exact decimal ("-1234.50") as a rational.
func decimalRat(dec string) (*big.Rat, bool) {
	if _, _, _, ok := decimalParts(dec); !ok {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(dec)
	return r, ok
}

// roundRat rounds r to an integer, halves away from zero.
func roundRat(r *big.Rat) *big.Int {
	num, den := new(big.Int).Abs(r.Num()), r.Denom()
	// (2·|num| + den) / (2·den), truncated, is |r| rounded half up.
	q := new(big.Int).Quo(new(big.Int).Add(new(big.Int).Lsh(num, 1), den), new(big.Int).Lsh(den, 1))
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

// changeDir is how a figure moved: +1 up, -1 down, 0 the same.
type ChangeDir int

// pctChange is (now − prev) / |prev| as a whole percent, rounded half away
// from zero, and the direction. ok is false when either is not a decimal;
// pctOK is false when prev is 0 (no percent exists, only the direction).
func PctChange(now, prev string) (pct *big.Int, dir ChangeDir, pctOK, ok bool) {
	n, ok1 := decimalRat(now)
	p, ok2 := decimalRat(prev)
	if !ok1 || !ok2 {
		return nil, 0, false, false
	}
	diff := new(big.Rat).Sub(n, p)
	dir = ChangeDir(diff.Sign())
	if p.Sign() == 0 {
		return nil, dir, false, true
	}
	ratio := new(big.Rat).Quo(diff, new(big.Rat).Abs(p))
	return roundRat(ratio.Mul(ratio, big.NewRat(100, 1))), dir, true, true
}

// pctText is a change as the subject and the KPI cards show it: "▲4%",
// "▼12%", "▲<1%" (moved, but under half a percent), "▲" alone when the
// previous value was 0; "" when nothing changed.
func PctText(now, prev string) string {
	pct, dir, pctOK, ok := PctChange(now, prev)
	if !ok || dir == 0 {
		return ""
	}
	arrow := "▲"
	if dir < 0 {
		arrow = "▼"
	}
	if !pctOK {
		return arrow
	}
	abs := new(big.Int).Abs(pct)
	if abs.Sign() == 0 {
		return arrow + "<1%"
	}
	return arrow + GroupDigits(abs.String()) + "%"
}

// groupDigits puts thousands separators into a string of digits.
func GroupDigits(digits string) string {
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// formatMoneyShort writes money compactly for a subject line, from the
// decimal: "¥17.8M", "¥950.5K", "¥812.00" in English; "¥1,780.5万",
// "¥3.2亿" in Chinese. One decimal, rounded half away from zero; under a
// thousand (ten thousand in Chinese) the exact amount.
func FormatMoneyShort(dec, symbol, lang string) string {
	r, ok := decimalRat(dec)
	if !ok {
		return dec
	}
	type unit struct {
		size   int64
		suffix string
	}
	units := []unit{{1_000_000_000, "B"}, {1_000_000, "M"}, {1_000, "K"}}
	if lang == "zh-CN" {
		units = []unit{{100_000_000, "亿"}, {10_000, "万"}}
	}
	abs := new(big.Rat).Abs(r)
	for _, u := range units {
		if abs.Cmp(new(big.Rat).SetInt64(u.size)) < 0 {
			continue
		}
		tenths := roundRat(new(big.Rat).Quo(new(big.Rat).Mul(abs, big.NewRat(10, 1)), new(big.Rat).SetInt64(u.size)))
		s := tenths.String()
		whole, frac := s[:len(s)-1], s[len(s)-1:]
		out := symbol + GroupDigits(whole) + "." + frac + u.suffix
		if r.Sign() < 0 {
			out = "-" + out
		}
		return out
	}
	return FormatMoney(dec, symbol)
}
