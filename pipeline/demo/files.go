package demo

// Headers of the delimited exports, with the canonical column each maps to
// and the ways an injected row is made invalid. Bad dates go only into
// required date columns, except installed_at, which gets no `N/A` because a
// loader may rightly read that as "no value" in an optional column.

var activityColumns = []column{
	{"activity_id", "activity_id"}, {"customer_id", "customer_id"}, {"occurred_at", "occurred_at"},
	{"direction", "direction"}, {"channel", "channel"}, {"kind", "kind"},
}

var activityBadPlans = []badPlan{
	{KindBadDate, 2, badDates}, {KindBlankID, 0, blankIDVariant}, {KindBlankID, 1, blankIDVariant},
}

var surveyColumns = []column{
	{"survey_id", "survey_id"}, {"customer_id", "customer_id"}, {"answered_at", "answered_at"},
	{"nps", "nps"}, {"would_repurchase", "would_repurchase"},
}

var surveyBadPlans = []badPlan{
	{KindBadDate, 2, badDates}, {KindBlankID, 0, blankIDVariant}, {KindNonNumeric, 3, badNumbers},
	{KindBlankID, 1, blankIDVariant},
}

var billingColumns = []column{
	{"invoice_id", "invoice_id"}, {"line_no", "line_no"}, {"customer_id", "customer_id"},
	{"issued_at", "issued_at"}, {"product_id", "product_id"}, {"category", "category"},
	{"quantity", "quantity"}, {"amount", "amount"}, {"currency", "currency"},
}

var billingBadPlans = []badPlan{
	{KindBadDate, 3, badDates}, {KindBlankID, 0, blankIDVariant}, {KindNonNumeric, 7, badNumbers},
	{KindBlankID, 2, blankIDVariant}, {KindNonNumeric, 6, badNumbers},
}

var ticketColumns = []column{
	{"ticket_id", "ticket_id"}, {"customer_id", "customer_id"}, {"opened_at", "opened_at"},
	{"closed_at", "closed_at"}, {"product_id", "product_id"}, {"serial_no", "serial_no"},
	{"component", "component"}, {"region", "region"}, {"category", "category"},
	{"severity", "severity"}, {"effort_hours", "effort_hours"}, {"escalations", "escalations"},
	{"reopens", "reopens"}, {"csat", "csat"}, {"resolution", "resolution"},
}

var ticketBadPlans = []badPlan{
	{KindBadDate, 2, badDates}, {KindBlankID, 0, blankIDVariant}, {KindNonNumeric, 10, badNumbers},
	{KindBlankID, 1, blankIDVariant},
}

var productColumns = []column{
	{"product_id", "product_id"}, {"name", "name"}, {"family", "family"},
	{"launched_at", "launched_at"}, {"supported_until", "supported_until"},
}

var installedColumns = []column{
	{"customer_id", "customer_id"}, {"product_id", "product_id"}, {"quantity", "quantity"},
	{"installed_at", "installed_at"},
}

var installedBadPlans = []badPlan{
	{KindBlankID, 0, blankIDVariant}, {KindNonNumeric, 2, badNumbers}, {KindBadDate, 3, badDatesNoNA},
}

var arInvoiceColumns = []column{
	{"发票号", "invoice_id"}, {"客户编号", "customer_id"}, {"开票日期", "issued_at"},
	{"到期日", "due_at"}, {"金额", "amount"},
}

var arInvoiceBadPlans = []badPlan{
	{KindBadDate, 2, badDates}, {KindBlankID, 0, blankIDVariant}, {KindNonNumeric, 4, badNumbers},
	{KindBadDate, 3, badDates}, {KindBlankID, 1, blankIDVariant},
}

var arPaymentColumns = []column{
	{"付款编号", "payment_id"}, {"发票号", "invoice_id"}, {"客户编号", "customer_id"},
	{"付款日期", "paid_at"}, {"金额", "amount"},
}

var arPaymentBadPlans = []badPlan{
	{KindBadDate, 3, badDates}, {KindBlankID, 0, blankIDVariant}, {KindNonNumeric, 4, badNumbers},
	{KindBlankID, 2, blankIDVariant},
}
