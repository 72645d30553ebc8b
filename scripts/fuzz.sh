#!/usr/bin/env bash
# Runs every Go fuzz test of the repository for a short while (FUZZTIME,
# default 3s each), after `go test` has run their seed corpora
# (testdata/fuzz/<Name>/ and f.Add). A crash fails the run; go writes the
# input to testdata/fuzz/<Name>/ so it becomes a regression case.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-3s}
GO=${GO:-go}
n=0
while IFS= read -r file; do
	pkg="./$(dirname "$file")"
	for name in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
		echo "fuzz $pkg $name ($FUZZTIME)"
		$GO test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/camwatch-fuzz.$$ 2>&1 || {
			cat /tmp/camwatch-fuzz.$$
			rm -f /tmp/camwatch-fuzz.$$
			echo "fuzz $pkg $name FAILED"
			exit 1
		}
		n=$((n + 1))
	done
done < <(grep -rlE '^func Fuzz' --include='*_test.go' . | grep -v third_party | sed 's|^\./||' | sort)
rm -f /tmp/camwatch-fuzz.$$
echo "fuzz: $n fuzz tests ran $FUZZTIME each without a crash"
