package reports

import "github.com/accordhq/accord/reports/snapshot"

// Options says how a report is labelled and how money is shown; see
// snapshot.Options.
type Options = snapshot.Options

// Output is where Write put a report's files; see snapshot.Output.
type Output = snapshot.Output
