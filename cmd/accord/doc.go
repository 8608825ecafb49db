// Command accord is the command line of Accord: it parses flags, wires the
// config, the store, the pipeline and the reports together, and prints what
// happened. It holds no logic of its own.
//
//	accord demo     --out DIR [--customers N] [--seed S] [--as-of D]
//	accord validate --config F [--inputs]
//	accord run      --config F [--as-of D] [--out DIR] [--db FILE] [--wait DURATION]
//	accord explain  --config F [--as-of D] [--db FILE] CUSTOMER_ID
//	accord score    --config NEW --diff [--db FILE]
package main
