package demo

import (
	"strconv"
	"time"
)

// Date and time layouts of the exports (see the contract's file list).
const (
	layoutISODate     = "2006-01-02"
	layoutTimestamp   = "2006-01-02 15:04:05"
	layoutSlashPadded = "2006/01/02" // receivables: 2026/03/04
	layoutSlashShort  = "2006/1/2"   // surveys: 2026/3/4
)

// moneyStyle is how an amount is spelled in a file. Every style is exact: the
// yuan sign without decimals is only used for whole-yuan amounts.
type moneyStyle int

const (
	moneyPlain   moneyStyle = iota // 12345.50
	moneyGrouped                   // 12,345.50
	moneyYuan                      // ¥12,345 (whole yuan) or ¥12,345.50
	moneyYuanDec                   // ¥12,345.00
)

// yuanSign is U+00A5, the sign the contract shows (`¥1,234`).
const yuanSign = "¥"

// appendMoney appends cents (non-negative) in the given style.
func appendMoney(b []byte, cents int64, style moneyStyle) []byte {
	yuan, frac := cents/100, cents%100
	switch style {
	case moneyPlain:
		b = strconv.AppendInt(b, yuan, 10)
	case moneyGrouped:
		b = appendGrouped(b, yuan)
	case moneyYuan, moneyYuanDec:
		b = append(b, yuanSign...)
		b = appendGrouped(b, yuan)
		if style == moneyYuan && frac == 0 {
			return b
		}
	}
	return appendTwoDecimals(b, frac)
}

// appendFixed2 appends hundredths as a plain two-decimal number (3.25).
func appendFixed2(b []byte, hundredths int64) []byte {
	b = strconv.AppendInt(b, hundredths/100, 10)
	return appendTwoDecimals(b, hundredths%100)
}

func appendTwoDecimals(b []byte, frac int64) []byte {
	return append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
}

// appendGrouped appends n with a comma every three digits.
func appendGrouped(b []byte, n int64) []byte {
	var digits [24]byte
	s := strconv.AppendInt(digits[:0], n, 10)
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	return b
}

// appendQuantity appends a quantity in ten-thousandths (DECIMAL(18,4)) with
// no trailing zeros: 3, 12.5, 0.25.
func appendQuantity(b []byte, tenThousandths int64) []byte {
	b = strconv.AppendInt(b, tenThousandths/10000, 10)
	frac := tenThousandths % 10000
	if frac == 0 {
		return b
	}
	var digits [4]byte
	for i := 3; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	end := 4
	for end > 0 && digits[end-1] == '0' {
		end--
	}
	b = append(b, '.')
	return append(b, digits[:end]...)
}

func appendTime(b []byte, t time.Time, layout string) []byte { return t.AppendFormat(b, layout) }
