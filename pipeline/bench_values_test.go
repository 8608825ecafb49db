package pipeline

import (
	"context"
	"fmt"
	"testing"

	"github.com/accordhq/accord/config"
)

// BenchmarkTypedNumbers types a money column of plain amounts ("1234.50",
// with 1% of values in exported forms such as "¥1,234.50") three ways, in
// rounds: a plain cast to DECIMAL(18,2) (the floor), the general parser
// alone (accord_number, the loader's path before the fast path) and the
// loader's typedExpr. Metrics are CPU ratios to the plain cast of the same
// round (ACCORD_BENCH_VALUES values, default 5M).
func BenchmarkTypedNumbers(b *testing.B) {
	conn := macroConn(b)
	ctx := context.Background()
	n := benchEnvInt(b, "ACCORD_BENCH_VALUES", 5_000_000)
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bench_values AS
		SELECT CASE WHEN i %% 100 = 0 THEN '¥' || format('{:,}', i) || '.50' ELSE CAST(i AS VARCHAR) || '.' || lpad(CAST(i %% 100 AS VARCHAR), 2, '0') END AS v
		FROM range(%d) t(i)`, n)); err != nil {
		b.Fatal(err)
	}
	run := func(expr string) (cpu float64) {
		_, cpu, _ = measure(func() {
			var sum string
			if err := conn.QueryRowContext(ctx, "SELECT CAST(sum("+expr+") AS VARCHAR) FROM bench_values").Scan(&sum); err != nil {
				b.Fatal(err)
			}
		})
		return cpu
	}
	fast := typedExpr(config.Column{Name: "v", Type: config.Money}, "v", &config.Source{})
	var generalX, fastX []float64
	for b.Loop() {
		plain := run("TRY_CAST(replace(replace(v, '¥', ''), ',', '') AS DECIMAL(18,2))")
		generalX = append(generalX, run("TRY_CAST(accord_number(v) AS DECIMAL(18,2))")/plain)
		fastX = append(fastX, run(fast)/plain)
	}
	b.ReportMetric(median(generalX), "general-cpu-x-plain")
	b.ReportMetric(median(fastX), "loader-cpu-x-plain")
}

// BenchmarkTypedDates types a date column exported as Y/M/D ("2026/11/27",
// with 1% as 年月日 and 1% with a time), in rounds: one try_strptime with
// the right format (the floor), the general parser alone (the 17-format
// list behind the regular expressions, the loader's path before the shape
// fast path) and the loader's typedExpr. Metrics are CPU ratios to the
// floor of the same round (ACCORD_BENCH_VALUES values, default 5M).
func BenchmarkTypedDates(b *testing.B) {
	conn := macroConn(b)
	ctx := context.Background()
	n := benchEnvInt(b, "ACCORD_BENCH_VALUES", 5_000_000)
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bench_dates AS
		SELECT CASE WHEN i %% 100 = 0 THEN strftime(d, '%%Y年%%m月%%d日')
		            WHEN i %% 100 = 1 THEN strftime(d, '%%Y/%%m/%%d %%H:%%M')
		            ELSE strftime(d, '%%Y/%%m/%%d') END AS v
		FROM (SELECT i, DATE '2000-01-01' + CAST(i %% 9000 AS INTEGER) AS d FROM range(%d) t(i))`, n)); err != nil {
		b.Fatal(err)
	}
	run := func(expr string) (cpu float64) {
		_, cpu, _ = measure(func() {
			var k int64
			if err := conn.QueryRowContext(ctx, "SELECT count("+expr+") FROM bench_dates").Scan(&k); err != nil {
				b.Fatal(err)
			}
			if k < int64(n)*98/100 {
				b.Fatalf("%s read %d of %d dates", expr, k, n)
			}
		})
		return cpu
	}
	loader := typedExpr(config.Column{Name: "v", Type: config.Date}, "v", &config.Source{})
	general := `CASE WHEN year(accord_timestamp_any(v, NULL::VARCHAR)) BETWEEN 1000 AND 9999 THEN accord_timestamp_any(v, NULL::VARCHAR) END`
	var generalX, loaderX []float64
	for b.Loop() {
		floor := run("try_strptime(v, '%Y/%m/%d')")
		generalX = append(generalX, run(general)/floor)
		loaderX = append(loaderX, run(loader)/floor)
	}
	b.ReportMetric(median(generalX), "general-cpu-x-strptime")
	b.ReportMetric(median(loaderX), "loader-cpu-x-strptime")
}
