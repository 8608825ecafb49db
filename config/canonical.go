package config

// ColumnType is the type of a canonical column; it decides how the loader
// parses the exported text.
type ColumnType string

const (
	Text      ColumnType = "text"
	Integer   ColumnType = "integer"
	Money     ColumnType = "money"    // DECIMAL(18,2): exact, never float
	Quantity  ColumnType = "quantity" // DECIMAL(18,4)
	Date      ColumnType = "date"
	Timestamp ColumnType = "timestamp"
)

// Column is one canonical column.
type Column struct {
	Name     string
	Type     ColumnType
	Required bool     // a row without a value is rejected
	Enum     []string // allowed values (lower-cased), if any
	Min, Max *int64   // inclusive bounds for integers
}

// Table is one canonical table: what every export of that kind is mapped onto.
type Table struct {
	Name     string
	Key      []string
	Columns  []Column
	Optional bool // a config may leave the source out
	// ReferencedBy names the tables whose rows find a row of this one by
	// its key: the key must be unique, so its duplicates cannot be kept.
	ReferencedBy []string
}

// Column returns the named column and whether it exists.
func (t Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

func bound(v int64) *int64 { return &v }

// CanonicalTables lists the canonical tables in load order (parents first).
var CanonicalTables = []Table{
	{Name: "customers", Key: []string{"customer_id"}, ReferencedBy: []string{"customers (referred_by)", "activities", "surveys", "billing_lines", "ar_invoices", "ar_payments", "tickets", "installed_base"}, Columns: []Column{
		{Name: "customer_id", Type: Text, Required: true},
		{Name: "name", Type: Text, Required: true},
		{Name: "industry", Type: Text},
		{Name: "region", Type: Text},
		{Name: "employees", Type: Integer, Min: bound(0)},
		{Name: "annual_revenue", Type: Money},
		{Name: "market_influence", Type: Integer, Min: bound(1), Max: bound(5)},
		{Name: "account_owner", Type: Text},
		{Name: "created_at", Type: Date},
		{Name: "referred_by", Type: Text},
	}},
	{Name: "activities", Key: []string{"activity_id"}, Optional: true, Columns: []Column{
		{Name: "activity_id", Type: Text, Required: true},
		{Name: "customer_id", Type: Text, Required: true},
		{Name: "occurred_at", Type: Timestamp, Required: true},
		{Name: "direction", Type: Text, Required: true, Enum: []string{"inbound", "outbound"}},
		{Name: "channel", Type: Text},
		{Name: "kind", Type: Text},
	}},
	{Name: "surveys", Key: []string{"survey_id"}, Optional: true, Columns: []Column{
		{Name: "survey_id", Type: Text, Required: true},
		{Name: "customer_id", Type: Text, Required: true},
		{Name: "answered_at", Type: Date, Required: true},
		{Name: "nps", Type: Integer, Required: true, Min: bound(0), Max: bound(10)},
		{Name: "would_repurchase", Type: Integer, Min: bound(1), Max: bound(5)},
	}},
	{Name: "billing_lines", Key: []string{"invoice_id", "line_no"}, Optional: true, Columns: []Column{
		{Name: "invoice_id", Type: Text, Required: true},
		{Name: "line_no", Type: Integer, Required: true},
		{Name: "customer_id", Type: Text, Required: true},
		{Name: "issued_at", Type: Date, Required: true},
		{Name: "product_id", Type: Text},
		{Name: "category", Type: Text, Required: true, Enum: []string{"product", "maintenance", "service", "license"}},
		{Name: "quantity", Type: Quantity},
		{Name: "amount", Type: Money, Required: true},
		{Name: "currency", Type: Text},
	}},
	{Name: "ar_invoices", Key: []string{"invoice_id"}, Optional: true, ReferencedBy: []string{"ar_payments"}, Columns: []Column{
		{Name: "invoice_id", Type: Text, Required: true},
		{Name: "customer_id", Type: Text, Required: true},
		{Name: "issued_at", Type: Date, Required: true},
		{Name: "due_at", Type: Date, Required: true},
		{Name: "amount", Type: Money, Required: true},
	}},
	{Name: "ar_payments", Key: []string{"payment_id"}, Optional: true, Columns: []Column{
		{Name: "payment_id", Type: Text, Required: true},
		{Name: "invoice_id", Type: Text}, // blank or unknown: an unapplied payment
		{Name: "customer_id", Type: Text, Required: true},
		{Name: "paid_at", Type: Date, Required: true},
		{Name: "amount", Type: Money, Required: true},
	}},
	{Name: "tickets", Key: []string{"ticket_id"}, Optional: true, Columns: []Column{
		{Name: "ticket_id", Type: Text, Required: true},
		{Name: "customer_id", Type: Text, Required: true},
		{Name: "opened_at", Type: Timestamp, Required: true},
		{Name: "closed_at", Type: Timestamp},
		{Name: "product_id", Type: Text},
		{Name: "serial_no", Type: Text},
		{Name: "component", Type: Text},
		{Name: "region", Type: Text},
		{Name: "category", Type: Text, Required: true, Enum: []string{"fault", "question", "request", "complaint"}},
		{Name: "severity", Type: Integer, Min: bound(1), Max: bound(4)},
		{Name: "effort_hours", Type: Quantity},
		{Name: "escalations", Type: Integer, Min: bound(0)},
		{Name: "reopens", Type: Integer, Min: bound(0)},
		{Name: "csat", Type: Integer, Min: bound(1), Max: bound(5)},
		{Name: "resolution", Type: Text},
	}},
	{Name: "products", Key: []string{"product_id"}, Optional: true, ReferencedBy: []string{"billing_lines", "tickets", "installed_base"}, Columns: []Column{
		{Name: "product_id", Type: Text, Required: true},
		{Name: "name", Type: Text},
		{Name: "family", Type: Text},
		{Name: "launched_at", Type: Date},
		{Name: "supported_until", Type: Date},
	}},
	{Name: "installed_base", Key: []string{"customer_id", "product_id"}, Optional: true, Columns: []Column{
		{Name: "customer_id", Type: Text, Required: true},
		{Name: "product_id", Type: Text, Required: true},
		{Name: "quantity", Type: Integer, Required: true, Min: bound(0)},
		{Name: "installed_at", Type: Date},
	}},
}

// CanonicalTable returns the canonical table with the given name.
func CanonicalTable(name string) (Table, bool) {
	for _, t := range CanonicalTables {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}
