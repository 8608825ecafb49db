package demo

import "testing"

func TestMoneySpellingsAreExact(t *testing.T) {
	cases := []struct {
		cents int64
		style moneyStyle
		want  string
	}{
		{123450, moneyPlain, "1234.50"},
		{5, moneyPlain, "0.05"},
		{123456789, moneyGrouped, "1,234,567.89"},
		{99900, moneyGrouped, "999.00"},
		{100000, moneyGrouped, "1,000.00"},
		{123400, moneyYuan, "¥1,234"},       // whole yuan: no decimals
		{123450, moneyYuan, "¥1,234.50"},    // cents are never dropped
		{123400, moneyYuanDec, "¥1,234.00"}, // always two decimals
		{0, moneyPlain, "0.00"},
	}
	for _, c := range cases {
		if got := string(appendMoney(nil, c.cents, c.style)); got != c.want {
			t.Errorf("appendMoney(%d, %d) = %q, want %q", c.cents, c.style, got, c.want)
		}
		if back, err := parseCents(c.want); err != nil || back != c.cents {
			t.Errorf("parseCents(%q) = %d, %v; want %d", c.want, back, err, c.cents)
		}
	}
	for _, bad := range []string{"abc", "12.3.4", "1234.5", "1,23.00", "12,345", "¥"} {
		if _, err := parseCents(bad); err == nil {
			t.Errorf("parseCents(%q) accepted an invalid amount", bad)
		}
	}
}

func TestQuantityAndHoursSpellings(t *testing.T) {
	quantities := map[int64]string{30_000: "3", 125_000: "12.5", 2_500: "0.25", 10_001: "1.0001"}
	for q, want := range quantities {
		if got := string(appendQuantity(nil, q)); got != want {
			t.Errorf("appendQuantity(%d) = %q, want %q", q, got, want)
		}
	}
	if got := string(appendFixed2(nil, 325)); got != "3.25" {
		t.Errorf("appendFixed2(325) = %q, want 3.25", got)
	}
	if got := string(appendID(nil, "INV", 42, 8)); got != "INV00000042" {
		t.Errorf("appendID = %q, want INV00000042", got)
	}
}

// Discounts round half up to the cent: 3 × 12,345.67 yuan = 3,703,701 cents;
// less 12.5% = 3,240,738.375 → 3,240,738 cents.
func TestDiscountRoundsToTheCent(t *testing.T) {
	if got := discounted(3_703_701, 1250); got != 3_240_738 {
		t.Errorf("discounted = %d, want 3240738", got)
	}
	// 1 cent less 50% = 0.5 cent, rounds half up to 1.
	if got := discounted(1, 5000); got != 1 {
		t.Errorf("discounted(1, 50%%) = %d, want 1", got)
	}
}
