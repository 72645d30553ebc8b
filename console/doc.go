// Package console is the web console of the aggregator: a static page app
// (Vietnamese and English) for operators watching the live alert feed,
// technicians keeping cameras healthy and investigators reading a camera's
// timeline. It is embedded in the binary and reads only the JSON API, so a
// site without Internet access serves it as it is; there is no build step
// and nothing is loaded from a CDN.
package console
