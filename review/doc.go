// Package review computes and prints the program review a ward holds:
// for a month or a quarter, one page per community program of the ward
// with its cameras' availability against the program's target, outages
// and their causes, alerts raised and acknowledged with the median time
// to acknowledge, motion activity by hour of day, the worst cameras and
// the trend against the previous period, in Vietnamese or English, as a
// self-contained HTML document with an A4 print stylesheet (print to PDF
// from the browser; docs/console.md says why there is no PDF library).
package review
