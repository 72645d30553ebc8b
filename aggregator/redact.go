package aggregator

import "net/url"

// redactedURL keeps a password that slipped into a URL out of logs.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable url]"
	}
	return u.Redacted()
}
