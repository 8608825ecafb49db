#!/bin/sh
# fetch.sh puts the pinned ECharts build at reports/assets/echarts.min.js, which
# package reports embeds (go:embed) so that weekly.html opens with no network.
#
# The file is not committed (see .gitignore): it comes from the npm registry,
# through `npm pack`, and is checked twice: the tarball against the registry's
# pinned sha512 integrity, and the extracted file against a pinned sha256, so a
# changed registry, mirror or cache cannot slip another build into the reports.
#
# Run it before `go build` / `go test` (the Makefile does). It is idempotent: a
# present file with the pinned hash is left alone; any other file is replaced.
#
# To move to another version: set ECHARTS_VERSION, take ECHARTS_INTEGRITY from
# `npm view echarts@VERSION dist.integrity`, delete echarts.min.js, run this
# script once with ECHARTS_MIN_SHA256="" to print the new hash, pin it, and
# re-run the reports tests (they check the URLs the library contains).
#
# POSIX sh (the Makefile runs it with sh): no bashisms.
set -eu

ECHARTS_VERSION="5.6.0"
ECHARTS_INTEGRITY="sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA=="
ECHARTS_MIN_SHA256="${ECHARTS_MIN_SHA256-bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1}"

assets_dir="$(cd "$(dirname "$0")" && pwd)"
target="$assets_dir/echarts.min.js"

# digest prints "<algorithm>-<base64>" or "<hex>" of a file; node is there
# whenever npm is, unlike sha256sum/shasum/openssl which differ per OS.
digest() { # digest sha512|sha256 base64|hex FILE
	node -e 'const c=require("crypto"),f=require("fs");
		const [alg,enc,file]=process.argv.slice(1);
		const d=c.createHash(alg).update(f.readFileSync(file)).digest(enc);
		process.stdout.write(enc==="base64"?alg+"-"+d:d);' "$1" "$2" "$3"
}

for tool in npm node tar; do
	command -v "$tool" >/dev/null 2>&1 || { echo "fetch.sh: $tool is required" >&2; exit 1; }
done

if [ -f "$target" ] && [ -n "$ECHARTS_MIN_SHA256" ]; then
	if [ "$(digest sha256 hex "$target")" = "$ECHARTS_MIN_SHA256" ]; then
		exit 0
	fi
	echo "fetch.sh: $target does not match the pinned sha256; fetching echarts@$ECHARTS_VERSION again" >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack "echarts@$ECHARTS_VERSION" --silent --ignore-scripts >/dev/null)
tarball="$work/echarts-$ECHARTS_VERSION.tgz"
[ -f "$tarball" ] || { echo "fetch.sh: npm pack did not produce $tarball" >&2; exit 1; }

got="$(digest sha512 base64 "$tarball")"
if [ "$got" != "$ECHARTS_INTEGRITY" ]; then
	echo "fetch.sh: integrity mismatch for echarts@$ECHARTS_VERSION: got $got, want $ECHARTS_INTEGRITY" >&2
	exit 1
fi

tar -xzf "$tarball" -C "$work" package/dist/echarts.min.js
got="$(digest sha256 hex "$work/package/dist/echarts.min.js")"
if [ -z "$ECHARTS_MIN_SHA256" ]; then
	echo "fetch.sh: sha256 of echarts.min.js is $got (pin it in ECHARTS_MIN_SHA256)" >&2
elif [ "$got" != "$ECHARTS_MIN_SHA256" ]; then
	echo "fetch.sh: sha256 mismatch for package/dist/echarts.min.js: got $got, want $ECHARTS_MIN_SHA256" >&2
	exit 1
fi

# Write beside the target and rename, so a build never embeds half a file.
cp "$work/package/dist/echarts.min.js" "$target.tmp"
mv -f "$target.tmp" "$target"
echo "fetch.sh: wrote $target (echarts $ECHARTS_VERSION)" >&2
