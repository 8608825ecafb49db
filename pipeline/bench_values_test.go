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
